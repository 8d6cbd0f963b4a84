import { router } from './trpc.js';
import { systemRouter } from './system-router.js';
import { servingRouter } from './serving-router.js';

export const appRouter = router({
  system: systemRouter,
  ...servingRouter,
});

export type AppRouter = typeof appRouter;
