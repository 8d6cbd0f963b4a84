// admin.overview: counts, the active model versions, the recommend stages' latency since start, and the
// daily click-through series.
import { z } from 'zod';
import { countEntities, type SqlClient } from '@cascade/db';
import { activeModelVersion, MODEL_KINDS } from '@cascade/pipeline';
import { router } from '../trpc.js';
import { adminProcedure } from './admin-procedure.js';
import { ctrSeries, type CtrDay } from './overview-queries.js';
import { placementName } from './placement-policies.js';

/** A series scans the window's events (~1 s per million on PGlite): each one is kept for 15 s per database. */
const SERIES_TTL_MS = 15_000;
const seriesCache = new WeakMap<SqlClient, Map<string, { until: number; value: Promise<CtrDay[]> }>>();

function cachedCtrSeries(sql: SqlClient, input: { days: number; placement?: string }): Promise<CtrDay[]> {
  let cache = seriesCache.get(sql);
  if (!cache) seriesCache.set(sql, (cache = new Map()));
  const key = `${input.days}|${input.placement ?? ''}`;
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.value;
  for (const [k, v] of cache) if (v.until <= now) cache.delete(k);
  const value = ctrSeries(sql, input);
  cache.set(key, { until: now + SERIES_TTL_MS, value });
  value.catch(() => cache.delete(key));
  return value;
}

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
    .query(({ ctx, input }) => cachedCtrSeries(ctx.db.sql, input)),
});
