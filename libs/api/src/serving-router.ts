// The serving procedures: recommend, events, catalogue. Thin: validation here, logic in ServingServices.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { eventInputSchema, itemInputSchema, userInputSchema } from '@cascade/db';
import { router, scopedProcedure, type ApiContext } from './trpc.js';
import type { ServingServices } from './serving-services.js';

/** Largest batch of events, items, users or ids one request may carry. */
export const MAX_BATCH = 1000;

const recommendInput = z.object({
  userId: z.string().trim().min(1, 'must not be empty').max(512),
  placement: z.string().trim().min(1, 'must not be empty').max(200),
  k: z.number().int().min(1).max(500),
  context: z
    .object({
      category: z.string().min(1).max(200).optional(),
      values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    })
    .optional(),
  exclude: z.array(z.string().min(1).max(512)).max(MAX_BATCH).optional(),
  /** Write the served slots to the impression log (default true: clicks are attributed through it). */
  log: z.boolean().optional(),
});

function services(ctx: ApiContext): ServingServices {
  if (!ctx.services) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'this server has no serving services configured' });
  return ctx.services;
}

/** Library errors that name a field (unknown ids and the like) are the caller's: BAD_REQUEST. */
async function asBadRequest<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Error && /field "|^invalid |unknown (user|item)/.test(error.message)) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
    }
    throw error;
  }
}

export const servingRouter = {
  recommend: scopedProcedure('recommend')
    .input(recommendInput)
    .mutation(async ({ ctx, input }) => {
      const s = services(ctx);
      if (!s.hasRecommender) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'no recommender is loaded: start the server with a models folder (npm start trains one)' });
      const response = await asBadRequest(() => s.recommend({ ...input, log: input.log ?? true }));
      return response;
    }),
  events: router({
    log: scopedProcedure('ingest')
      .input(eventInputSchema)
      .mutation(({ ctx, input }) => asBadRequest(() => services(ctx).logValidatedEvents([input]))),
    logBatch: scopedProcedure('ingest')
      .input(z.object({ events: z.array(eventInputSchema).min(1, 'must hold at least one event').max(MAX_BATCH) }))
      .mutation(({ ctx, input }) => asBadRequest(() => services(ctx).logValidatedEvents(input.events))),
  }),
  items: router({
    upsert: scopedProcedure('ingest', 'admin')
      .input(z.object({ items: z.array(itemInputSchema).min(1, 'must hold at least one item').max(MAX_BATCH) }))
      .mutation(({ ctx, input }) => asBadRequest(() => services(ctx).upsertItems(input.items))),
    delete: scopedProcedure('ingest', 'admin')
      .input(z.object({ itemIds: z.array(z.string().trim().min(1, 'must not be empty').max(512)).min(1, 'must hold at least one id').max(MAX_BATCH) }))
      .mutation(({ ctx, input }) => services(ctx).deactivateItems(input.itemIds)),
  }),
  users: router({
    upsert: scopedProcedure('ingest', 'admin')
      .input(z.object({ users: z.array(userInputSchema).min(1, 'must hold at least one user').max(MAX_BATCH) }))
      .mutation(({ ctx, input }) => asBadRequest(() => services(ctx).upsertUsers(input.users))),
  }),
};
