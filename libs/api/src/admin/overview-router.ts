// admin.overview: counts, the active model versions, the recommend stages' latency since start, and the
// daily click-through series.
import { z } from 'zod';
import { countEntities } from '@cascade/db';
import { activeModelVersion, MODEL_KINDS } from '@cascade/pipeline';
import { router } from '../trpc.js';
import { adminProcedure } from './admin-procedure.js';
import { ctrSeries } from './overview-queries.js';
import { placementName } from './placement-policies.js';

export const overviewRouter = router({
  summary: adminProcedure('viewer').query(async ({ ctx }) => {
    const [counts, active, stageLatency] = await Promise.all([
      countEntities(ctx.db.sql),
      Promise.all(MODEL_KINDS.map((kind) => activeModelVersion(ctx.db.sql, kind))),
      ctx.metrics ? ctx.metrics.stageLatency() : Promise.resolve([]),
    ]);
    return { counts, activeModels: active.filter((v) => v !== null), servedModelVersions: ctx.services?.modelVersions ?? null, stageLatency };
  }),
  ctrSeries: adminProcedure('viewer')
    .input(z.object({ days: z.number().int().min(1).max(365).default(30), placement: placementName.optional() }))
    .query(({ ctx, input }) => ctrSeries(ctx.db.sql, input)),
});
