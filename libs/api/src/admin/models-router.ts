// admin.models: the model registry (versions per kind, newest first), one version against the active one of
// its kind (metric differences), promotion and rollback (the serving processes hot-reload the active ones).
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { activeModelVersion, getModelVersion, listModelVersions, MODEL_KINDS, promoteModelVersion, rollbackModel } from '@cascade/pipeline';
import { router } from '../trpc.js';
import { asBadRequest, limitOffset, pageFields } from './admin-input.js';
import { adminProcedure } from './admin-procedure.js';

/** The numeric metrics both versions have, flattened one level (e.g. holdout.ndcg), as candidate − active. */
export function metricDifferences(candidate: Record<string, unknown>, active: Record<string, unknown>): { metric: string; value: number; active: number; difference: number }[] {
  const flat = (m: Record<string, unknown>): Map<string, number> => {
    const out = new Map<string, number>();
    for (const [k, v] of Object.entries(m ?? {})) {
      if (k === 'baseline' || k === 'gate') continue; // the comparison itself, not this version's metrics
      if (typeof v === 'number' && Number.isFinite(v)) out.set(k, v);
      else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) if (typeof v2 === 'number' && Number.isFinite(v2)) out.set(`${k}.${k2}`, v2);
      }
    }
    return out;
  };
  const a = flat(active);
  const rows: { metric: string; value: number; active: number; difference: number }[] = [];
  for (const [metric, value] of flat(candidate)) {
    const base = a.get(metric);
    if (base !== undefined) rows.push({ metric, value, active: base, difference: value - base });
  }
  return rows;
}

const id = z.number().int().positive();

export const modelsRouter = router({
  list: adminProcedure('viewer')
    .input(z.object({ kind: z.enum(MODEL_KINDS).optional(), ...pageFields }))
    .query(({ ctx, input }) => listModelVersions(ctx.db.sql, { kind: input.kind, ...limitOffset(input) })),
  get: adminProcedure('viewer')
    .input(z.object({ id }))
    .query(async ({ ctx, input }) => {
      const version = await getModelVersion(ctx.db.sql, input.id);
      if (!version) throw new TRPCError({ code: 'NOT_FOUND', message: `id: no model version ${input.id}` });
      const active = await activeModelVersion(ctx.db.sql, version.kind);
      // A pipeline version was measured next to the then-active one on the same holdout: when that one is still
      // active, compare with those figures (like with like) rather than with the active one's own older holdout.
      const baseline = version.metrics.baseline;
      const sameHoldout = active !== null && version.parentId === active.id && baseline !== null && typeof baseline === 'object';
      const activeMetrics = sameHoldout ? (baseline as Record<string, unknown>) : (active?.metrics ?? {});
      return { version, active, sameHoldout, differences: active && active.id !== version.id ? metricDifferences(version.metrics, activeMetrics) : [] };
    }),
  promote: adminProcedure('admin')
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => asBadRequest(() => promoteModelVersion(ctx.db.sql, input.id))),
  rollback: adminProcedure('admin')
    .input(z.object({ kind: z.enum(MODEL_KINDS) }))
    .mutation(({ ctx, input }) => asBadRequest(() => rollbackModel(ctx.db.sql, input.kind))),
});
