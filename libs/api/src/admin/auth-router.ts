// admin.auth: sign in (sets the session cookie, no CSRF token needed), sign out, and who is signed in.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { publicProcedure, router } from '../trpc.js';
import { adminAuthState, checkCsrf, currentSession, sessionToken } from './admin-procedure.js';
import { createAdminSession, SESSION_TTL_MS } from './admin-sessions.js';
import { findAdminUserByEmail } from './admin-users.js';
import { clearedSessionCookie, sessionCookie } from './cookies.js';
import { decoyPasswordHash, MAX_PASSWORD_LENGTH, verifyPassword } from './password.js';

const WRONG = 'wrong email or password';

export const authRouter = router({
  signIn: publicProcedure
    .input(z.object({ email: z.string().trim().min(1, 'must not be empty').max(320), password: z.string().min(1, 'must not be empty').max(MAX_PASSWORD_LENGTH) }))
    .mutation(async ({ ctx, input }) => {
      const state = adminAuthState(ctx);
      const email = input.email.toLowerCase();
      if (!state.signIns.take(email)) {
        throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `too many sign-in attempts for "${email}": at most ${state.signIns.limit} a minute` });
      }
      const user = await findAdminUserByEmail(ctx.db.sql, email);
      // an unknown email costs the same scrypt work as a known one, so timing does not tell them apart
      const ok = await verifyPassword(input.password, user?.passwordHash ?? (await decoyPasswordHash()));
      if (!user || !ok || user.disabledAt) throw new TRPCError({ code: 'UNAUTHORIZED', message: WRONG });
      const session = await createAdminSession(ctx.db.sql, { id: user.id, email: user.email, role: user.role });
      ctx.setCookie?.(sessionCookie(session.token, SESSION_TTL_MS));
      return { id: user.id, email: user.email, role: user.role, csrfToken: session.csrfToken };
    }),
  /** Ends the session (CSRF token required when there is one) and clears the cookie. */
  signOut: publicProcedure.mutation(async ({ ctx }) => {
    const state = adminAuthState(ctx);
    const token = sessionToken(ctx);
    const session = await state.sessions.verify(token);
    if (session) checkCsrf(ctx, session);
    const signedOut = session ? await state.sessions.revoke(token) : false;
    ctx.setCookie?.(clearedSessionCookie());
    return { signedOut };
  }),
  /** The signed-in user and the session's CSRF token, or null; renews the cookie (the expiry slides). */
  me: publicProcedure.query(async ({ ctx }) => {
    const session = await currentSession(ctx);
    if (!session) return null;
    ctx.setCookie?.(sessionCookie(sessionToken(ctx)!, session.expiresAt.getTime() - Date.now()));
    return { id: session.user.id, email: session.user.email, role: session.user.role, csrfToken: session.csrfToken };
  }),
});
