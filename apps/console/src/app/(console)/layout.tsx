import type { ReactNode } from 'react';
import { Shell } from '../../components/shell';

// Every console page depends on the session and live data: render on request, never at build time.
export const dynamic = 'force-dynamic';

export default function ConsoleLayout({ children }: { children: ReactNode }) {
  return <Shell>{children}</Shell>;
}
