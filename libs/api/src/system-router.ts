import { countEntities } from '@cascade/db';
import { publicProcedure, router } from './trpc.js';

export const systemRouter = router({
  /** Liveness and what this server is connected to. */
  info: publicProcedure.query(({ ctx }) => ({
    version: ctx.version,
    database: ctx.db.kind,
    startedAt: ctx.startedAt.toISOString(),
  })),
  /** Counts of users, items, events and CTR examples. */
  counts: publicProcedure.query(({ ctx }) => countEntities(ctx.db.sql)),
});
