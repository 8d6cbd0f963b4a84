import { router } from './trpc.js';
import { systemRouter } from './system-router.js';
import { servingRouter } from './serving-router.js';
import { adminRouter } from './admin/admin-router.js';

export const appRouter = router({
  system: systemRouter,
  ...servingRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;
