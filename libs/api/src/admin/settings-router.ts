// admin.settings: serving API keys (the plaintext is returned once, at creation) and the console's users
// (never locking out the last admin).
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { API_KEY_SCOPES, createApiKey, listApiKeys, revokeApiKey } from '../auth/api-keys.js';
import { router } from '../trpc.js';
import { asBadRequest } from './admin-input.js';
import { adminAuthState, adminProcedure } from './admin-procedure.js';
import { ADMIN_ROLES, createAdminUser, disableAdminUser, listAdminUsers, setAdminUserRole } from './admin-users.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password.js';

const id = z.number().int().positive();

export const settingsRouter = router({
  apiKeys: router({
    list: adminProcedure('viewer').query(({ ctx }) => listApiKeys(ctx.db.sql, { includeRevoked: true })),
    create: adminProcedure('admin')
      .input(z.object({ name: z.string().trim().min(1, 'must not be empty').max(200), scopes: z.array(z.enum(API_KEY_SCOPES)).min(1, 'must name at least one scope') }))
      .mutation(({ ctx, input }) => asBadRequest(() => createApiKey(ctx.db.sql, input))),
    revoke: adminProcedure('admin')
      .input(z.object({ id }))
      .mutation(async ({ ctx, input }) => {
        const revoked = await revokeApiKey(ctx.db.sql, input.id);
        if (!revoked) throw new TRPCError({ code: 'NOT_FOUND', message: `id: no unrevoked API key ${input.id}` });
        return { id: input.id, revoked };
      }),
  }),
  users: router({
    list: adminProcedure('viewer').query(({ ctx }) => listAdminUsers(ctx.db.sql)),
    create: adminProcedure('admin')
      .input(
        z.object({
          email: z.string().trim().min(1, 'must not be empty').max(320),
          password: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(MAX_PASSWORD_LENGTH),
          role: z.enum(ADMIN_ROLES),
        }),
      )
      .mutation(({ ctx, input }) => asBadRequest(() => createAdminUser(ctx.db.sql, input))),
    setRole: adminProcedure('admin')
      .input(z.object({ id, role: z.enum(ADMIN_ROLES) }))
      .mutation(async ({ ctx, input }) => {
        const user = await asBadRequest(() => setAdminUserRole(ctx.db.sql, input.id, input.role));
        adminAuthState(ctx).sessions.forgetAll(); // the new role applies at the user's next request
        return user;
      }),
    disable: adminProcedure('admin')
      .input(z.object({ id }))
      .mutation(async ({ ctx, input }) => {
        const user = await asBadRequest(() => disableAdminUser(ctx.db.sql, input.id));
        adminAuthState(ctx).sessions.forgetAll();
        return user;
      }),
  }),
});
