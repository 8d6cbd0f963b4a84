'use client';
// React Query and tRPC for the whole console. Requests go to /trpc on the console's own origin, which
// forwards them to the API, so the httpOnly session cookie travels with them.
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { httpBatchLink, TRPCClientError } from '@trpc/client';
import { useState, type ReactNode } from 'react';
import { getCsrfToken } from './csrf';
import { trpc } from './trpc';

/** Refusals and invalid input are final: retrying them only delays the error message. */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof TRPCClientError) {
    const code = (error.data as { code?: string } | undefined)?.code;
    if (code && code !== 'INTERNAL_SERVER_ERROR' && code !== 'TIMEOUT') return false;
  }
  return failureCount < 2;
}

function isUnauthorized(error: unknown): boolean {
  return error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === 'UNAUTHORIZED';
}

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        // A session that expired or was signed out elsewhere: back to the sign-in page.
        queryCache: new QueryCache({
          onError: (error) => {
            if (isUnauthorized(error) && !window.location.pathname.startsWith('/sign-in')) {
              window.location.assign(`/sign-in?next=${encodeURIComponent(window.location.pathname)}`);
            }
          },
        }),
        defaultOptions: {
          queries: { retry: shouldRetry, refetchOnWindowFocus: false, staleTime: 5_000 },
          mutations: { retry: false },
        },
      }),
  );
  const [trpcClient] = useState(() =>
    trpc.createClient({
      links: [
        httpBatchLink({
          url: '/trpc',
          headers() {
            const token = getCsrfToken();
            return token ? { 'x-cascade-csrf': token } : {};
          },
          fetch(url, options) {
            return fetch(url, { ...options, credentials: 'same-origin' });
          },
        }),
      ],
    }),
  );
  return (
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </trpc.Provider>
  );
}
