// admin.inspector: one request through the live pipeline with every stage shown (no impressions logged);
// with model version ids, through those versions' artefacts instead of the served ones.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { getModelVersion, type ModelKind, type Recommender } from '@cascade/pipeline';
import type { ApiContext } from '../trpc.js';
import { router } from '../trpc.js';
import { asBadRequest, servingServices } from './admin-input.js';
import { adminProcedure } from './admin-procedure.js';
import { placementName } from './placement-policies.js';
import { InspectorRecommenders } from './inspector-recommenders.js';
import type { ServingServices } from '../serving-services.js';

const caches = new WeakMap<ServingServices, InspectorRecommenders>();

async function artefactOf(ctx: ApiContext, id: number, kind: ModelKind, field: string): Promise<string> {
  const version = await getModelVersion(ctx.db.sql, id);
  if (!version) throw new TRPCError({ code: 'BAD_REQUEST', message: `${field}: no model version ${id}` });
  if (version.kind !== kind) throw new TRPCError({ code: 'BAD_REQUEST', message: `${field}: version ${id} is a ${version.kind} model, not a ${kind} model` });
  if (!version.artifactPath) throw new TRPCError({ code: 'BAD_REQUEST', message: `${field}: version ${id} has no artefact` });
  return version.artifactPath;
}

/** The served Recommender, or one over the requested versions (the served artefact for a kind not given). */
async function recommenderFor(ctx: ApiContext, input: { recallModelVersionId?: number; rankerModelVersionId?: number }): Promise<Recommender> {
  const services = servingServices(ctx);
  const served = services.servedRecommender;
  if (input.recallModelVersionId === undefined && input.rankerModelVersionId === undefined) {
    if (!served) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'no recommender is loaded on this server (start it with a models folder)' });
    return served;
  }
  const recallModelDir =
    input.recallModelVersionId !== undefined ? await artefactOf(ctx, input.recallModelVersionId, 'recall', 'recallModelVersionId') : (served?.artefacts.recallModelDir ?? null);
  const rankerDir =
    input.rankerModelVersionId !== undefined ? await artefactOf(ctx, input.rankerModelVersionId, 'ranker', 'rankerModelVersionId') : (served?.artefacts.rankerDir ?? null);
  let cache = caches.get(services);
  if (!cache) {
    cache = new InspectorRecommenders(ctx.db, { armStats: services.armStats, impressionLog: services.impressionLog });
    caches.set(services, cache);
  }
  return cache.get({ recallModelDir, rankerDir });
}

export const inspectorRouter = router({
  run: adminProcedure('viewer')
    .input(
      z.object({
        userId: z.string().trim().min(1, 'must not be empty').max(512),
        placement: placementName,
        k: z.number().int().min(1).max(500),
        context: z
          .object({
            category: z.string().min(1).max(200).optional(),
            values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
          })
          .optional(),
        recallModelVersionId: z.number().int().positive().optional(),
        rankerModelVersionId: z.number().int().positive().optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const recommender = await recommenderFor(ctx, input);
      const r = await asBadRequest(() => recommender.inspect({ userId: input.userId, placement: input.placement, k: input.k, context: input.context }));
      return {
        requestId: r.requestId,
        recall: r.recall,
        ranking: r.ranking,
        exploration: r.exploration,
        final: r.items,
        policy: r.policy,
        candidates: r.candidates,
        timings: r.timings,
        fallbacks: r.fallbacks,
        modelVersions: r.modelVersions,
      };
    }),
});
