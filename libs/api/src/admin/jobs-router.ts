// admin.jobs: the background jobs (pipeline runs, training, imports) with status, progress and log; start
// one on this server's JobRunner, or ask one to stop.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { getJob, JOB_KINDS, JOB_STATUSES, JobLockHeldError, listJobs, requestJobCancel, type JobRunner } from '@cascade/pipeline';
import type { ApiContext } from '../trpc.js';
import { router } from '../trpc.js';
import { asBadRequest, limitOffset, pageFields } from './admin-input.js';
import { adminProcedure } from './admin-procedure.js';

const id = z.number().int().positive();

function runner(ctx: ApiContext): JobRunner {
  if (!ctx.jobs) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'this server runs no jobs (it was started without a job runner)' });
  return ctx.jobs;
}

export const jobsRouter = router({
  list: adminProcedure('viewer')
    .input(z.object({ kind: z.string().trim().min(1).max(100).optional(), status: z.enum(JOB_STATUSES as [string, ...string[]]).optional(), ...pageFields }))
    .query(({ ctx, input }) =>
      listJobs(ctx.db.sql, { kind: input.kind, status: input.status as (typeof JOB_STATUSES)[number] | undefined, ...limitOffset(input) }),
    ),
  get: adminProcedure('viewer')
    .input(z.object({ id }))
    .query(async ({ ctx, input }) => {
      const job = await getJob(ctx.db.sql, input.id);
      if (!job) throw new TRPCError({ code: 'NOT_FOUND', message: `id: no job ${input.id}` });
      return job;
    }),
  start: adminProcedure('admin')
    .input(z.object({ kind: z.enum(JOB_KINDS), params: z.record(z.string(), z.unknown()).default({}) }))
    .mutation(async ({ ctx, input }) => {
      const jobs = runner(ctx);
      return asBadRequest(async () => {
        try {
          return await jobs.start(input.kind, input.params);
        } catch (error) {
          // a pipeline of that model kind is running already
          if (error instanceof JobLockHeldError) throw new TRPCError({ code: 'CONFLICT', message: error.message, cause: error });
          throw error;
        }
      });
    }),
  cancel: adminProcedure('admin')
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => asBadRequest(() => (ctx.jobs ? ctx.jobs.cancel(input.id) : requestJobCancel(ctx.db.sql, input.id)))),
});
