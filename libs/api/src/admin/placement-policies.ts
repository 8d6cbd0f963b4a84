// Slot-filling policies per placement set in the console (table placement_policies), the placements the
// console lists, and the online arm statistics of one placement with 95% Wilson intervals.
import { z } from 'zod';
import type { SqlClient } from '@cascade/db';
import { wilsonInterval, type SlotPolicyConfig } from '@cascade/explore';
import { parseJson, toDate } from './admin-input.js';

/** The policies the serving slot filler implements, with their parameters' ranges. */
export const slotPolicySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('thompson'), propensityDraws: z.number().int().min(1).max(100_000).optional() }).strict(),
  z.object({ kind: z.literal('ucb1'), explorationConstant: z.number().min(0).max(100).optional() }).strict(),
  z.object({ kind: z.literal('egreedy'), epsilon: z.number().min(0).max(1), decayConstant: z.number().positive().optional() }).strict(),
]);

export const placementName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200)
  .regex(/^[\w.:/-]+$/, "must be letters, digits, '_', '.', ':', '/' or '-'");

export interface ConfiguredPolicy {
  policy: SlotPolicyConfig;
  updatedAt: Date;
  updatedBy: string | null;
}

export async function configuredPolicies(sql: SqlClient): Promise<Map<string, ConfiguredPolicy>> {
  const rows = await sql.query<{ placement: string; policy: unknown; updated_at: Date | string; updated_by: string | null }>(
    'SELECT placement, policy, updated_at, updated_by FROM placement_policies ORDER BY placement',
  );
  const out = new Map<string, ConfiguredPolicy>();
  for (const r of rows) out.set(r.placement, { policy: parseJson(r.policy) as SlotPolicyConfig, updatedAt: toDate(r.updated_at)!, updatedBy: r.updated_by });
  return out;
}

/** Stores (or, with null, removes) the configured policy of a placement; the policy is validated first. */
export async function savePlacementPolicy(sql: SqlClient, placement: string, policy: SlotPolicyConfig | null, updatedBy: string | null): Promise<void> {
  const name = placementName.safeParse(placement);
  if (!name.success) throw new Error(`placement: ${name.error.issues[0].message}`);
  if (policy === null) {
    await sql.execute('DELETE FROM placement_policies WHERE placement = $1', [name.data]);
    return;
  }
  const parsed = slotPolicySchema.safeParse(policy);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`policy${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`);
  }
  await sql.execute(
    `INSERT INTO placement_policies (placement, policy, updated_at, updated_by) VALUES ($1, $2::jsonb, now(), $3)
     ON CONFLICT (placement) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    [name.data, JSON.stringify(parsed.data), updatedBy],
  );
}

/** Placements that have online statistics (served at least once through the exploration layer). */
export async function servedPlacements(sql: SqlClient): Promise<string[]> {
  const rows = await sql.query<{ placement: string }>('SELECT DISTINCT placement FROM explore_arm_stats ORDER BY placement LIMIT 1000');
  return rows.map((r) => r.placement);
}

export interface ArmStatRow {
  itemId: string;
  title: string;
  impressions: number;
  clicks: number;
  ctr: number;
  /** 95% Wilson interval of the click rate. */
  lower: number;
  upper: number;
}

/** One placement's arms, most shown first. */
export async function armStatsPage(sql: SqlClient, placement: string, limit: number, offset: number): Promise<{ rows: ArmStatRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    sql.query<{ external_id: string | null; item_id: number; title: string | null; impressions: number; clicks: number }>(
      `SELECT s.item_id, i.external_id, i.title, s.impressions, s.clicks
         FROM explore_arm_stats s LEFT JOIN items i ON i.id = s.item_id
        WHERE s.placement = $1 ORDER BY s.impressions DESC, s.item_id LIMIT $2 OFFSET $3`,
      [placement, limit, offset],
    ),
    sql.query<{ n: number }>('SELECT count(*)::int AS n FROM explore_arm_stats WHERE placement = $1', [placement]),
  ]);
  return {
    rows: rows.map((r) => {
      const impressions = Math.max(0, Number(r.impressions));
      const clicks = Math.min(Math.max(0, Number(r.clicks)), impressions);
      const interval = wilsonInterval(clicks, impressions);
      return { itemId: r.external_id ?? `#${r.item_id}`, title: r.title ?? '', impressions, clicks, ctr: interval.rate, lower: interval.lower, upper: interval.upper };
    }),
    total: Number(count[0].n),
  };
}
