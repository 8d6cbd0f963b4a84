import { router } from './trpc.js';
import { systemRouter } from './system-router.js';

export const appRouter = router({
  system: systemRouter,
});

export type AppRouter = typeof appRouter;
