// The console's procedure builders: `adminProcedure('viewer')` needs a live session (cookie
// `cascade_session`), `adminProcedure('admin')` also the admin role; mutations also need the session's CSRF
// token in the `x-cascade-csrf` header. The session store and the sign-in limiter are one per database.
import { timingSafeEqual } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import type { SqlClient } from '@cascade/db';
import { publicProcedure, type ApiContext } from '../trpc.js';
import { AdminSessionStore, type AdminSession } from './admin-sessions.js';
import type { AdminRole } from './admin-users.js';
import { CSRF_HEADER, readCookie, SESSION_COOKIE } from './cookies.js';
import { SignInRateLimiter } from './sign-in-limiter.js';

export interface AdminAuthState {
  sessions: AdminSessionStore;
  signIns: SignInRateLimiter;
}

const states = new WeakMap<SqlClient, AdminAuthState>();

/** The session store and sign-in limiter of the context's database (created on first use). */
export function adminAuthState(ctx: ApiContext): AdminAuthState {
  const sql = ctx.db.sql;
  let state = states.get(sql);
  if (!state) {
    state = { sessions: new AdminSessionStore(sql), signIns: new SignInRateLimiter() };
    states.set(sql, state);
  }
  return state;
}

export function sessionToken(ctx: ApiContext): string | undefined {
  return readCookie(ctx.cookie, SESSION_COOKIE);
}

/** The request's live session, or null. */
export function currentSession(ctx: ApiContext): Promise<AdminSession | null> {
  return adminAuthState(ctx).sessions.verify(sessionToken(ctx));
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** FORBIDDEN unless the request carries the session's CSRF token. */
export function checkCsrf(ctx: ApiContext, session: AdminSession): void {
  const sent = ctx.csrfToken;
  if (!sent) throw new TRPCError({ code: 'FORBIDDEN', message: `missing CSRF token: send the header "${CSRF_HEADER}" with the csrfToken of auth.signIn or auth.me` });
  if (!sameToken(sent, session.csrfToken)) throw new TRPCError({ code: 'FORBIDDEN', message: `wrong CSRF token in the "${CSRF_HEADER}" header: it does not belong to this session` });
}

export type AdminContext = ApiContext & { admin: AdminSession };

/** A console procedure for signed-in users holding `role` ('viewer': any signed-in user). */
export function adminProcedure(role: AdminRole) {
  return publicProcedure.use(async ({ ctx, type, next }) => {
    const token = sessionToken(ctx);
    if (!token) throw new TRPCError({ code: 'UNAUTHORIZED', message: `not signed in: no "${SESSION_COOKIE}" cookie (call admin.auth.signIn)` });
    const session = await adminAuthState(ctx).sessions.verify(token);
    if (!session) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'session expired or signed out: sign in again' });
    if (role === 'admin' && session.user.role !== 'admin') {
      throw new TRPCError({ code: 'FORBIDDEN', message: `"${session.user.email}" has the "${session.user.role}" role: this needs the "admin" role` });
    }
    if (type === 'mutation') checkCsrf(ctx, session);
    return next({ ctx: { ...ctx, admin: session } });
  });
}
