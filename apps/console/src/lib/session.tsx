'use client';
// The signed-in admin user (from admin.auth.me), shared by the shell and the pages: who is signed in,
// whether they may change things, and the CSRF token every mutation carries.
import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { setCsrfToken } from './csrf';
import { trpc } from './trpc';

export interface SessionUser {
  email: string;
  role: 'admin' | 'viewer';
}

const SessionContext = createContext<SessionUser | null>(null);

export function SessionProvider({ user, children }: { user: SessionUser; children: ReactNode }) {
  return <SessionContext.Provider value={user}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionUser {
  const user = useContext(SessionContext);
  if (!user) throw new Error('useSession must be used inside the signed-in console');
  return user;
}

/** True when the signed-in user may run mutations (role admin); viewers see read-only pages. */
export function useCanEdit(): boolean {
  return useSession().role === 'admin';
}

/** Reads the session once and keeps the CSRF token current. */
export function useMe() {
  const me = trpc.admin.auth.me.useQuery(undefined, { staleTime: 60_000, retry: false });
  useEffect(() => {
    if (me.data) setCsrfToken(me.data.csrfToken);
  }, [me.data]);
  return me;
}
