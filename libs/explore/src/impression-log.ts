import type { SqlClient, SqlDriver } from '@cascade/db';
import type { ArmStatsStore } from './arm-stats-store.js';
import type { ExperimentStore } from './experiment-store.js';

export interface ServedSlot {
  itemId: number;
  slot: number;
  propensity: number;
  explore: boolean;
}

export interface ServedRequest {
  requestId: string;
  placement: string;
  /** Name of the policy that filled the slots. */
  policy: string;
  userId?: string;
  experimentKey?: string;
  variant?: string;
  items: ServedSlot[];
}

export interface LoggedImpression {
  requestId: string;
  placement: string;
  itemId: number;
  slot: number;
  propensity: number;
  explore: boolean;
  policy: string;
  userId: string | null;
  clicked: boolean;
  servedAt: Date;
}

/**
 * The impression log (`explore_impressions`): every served slot keyed by request id, with its
 * propensity and explore mark. Clicks are attributed through the request id, at most once per
 * (request, item), and feed the online arm statistics and the experiment counters.
 */
export class ImpressionLog {
  constructor(
    private readonly sql: SqlDriver,
    private readonly stats: ArmStatsStore,
    private readonly experiments?: ExperimentStore,
  ) {}

  /** Logs the served slots (a repeated (request, item) is ignored) and counts their impressions. */
  async logServed(request: ServedRequest): Promise<number> {
    if (typeof request.requestId !== 'string' || request.requestId.length === 0) throw new Error('requestId must be a non-empty string');
    if (typeof request.placement !== 'string' || request.placement.length === 0) throw new Error('placement must be a non-empty string');
    if (typeof request.policy !== 'string' || request.policy.length === 0) throw new Error('policy must be a non-empty string');
    if ((request.experimentKey === undefined) !== (request.variant === undefined)) {
      throw new Error('experimentKey and variant must be given together');
    }
    request.items.forEach((item, i) => {
      if (!Number.isInteger(item.itemId)) throw new Error(`items[${i}].itemId must be an integer`);
      if (!Number.isInteger(item.slot) || item.slot < 0) throw new Error(`items[${i}].slot must be a non-negative integer`);
      if (!(item.propensity > 0 && item.propensity <= 1)) throw new Error(`items[${i}].propensity must be in (0, 1], got ${item.propensity}`);
    });
    if (request.items.length === 0) return 0;
    const inserted = await this.sql.query<{ item_id: number }>(
      `INSERT INTO explore_impressions (request_id, placement, item_id, slot, propensity, explore, policy, user_id, experiment_key, variant)
       SELECT $1, $2, i, s, p, e, $3, $4, $5, $6 FROM unnest($7::int[], $8::int[], $9::float8[], $10::bool[]) AS d(i, s, p, e)
       ON CONFLICT (request_id, item_id) DO NOTHING RETURNING item_id`,
      [
        request.requestId,
        request.placement,
        request.policy,
        request.userId ?? null,
        request.experimentKey ?? null,
        request.variant ?? null,
        request.items.map((x) => x.itemId),
        request.items.map((x) => x.slot),
        request.items.map((x) => x.propensity),
        request.items.map((x) => x.explore),
      ],
    );
    for (const row of inserted) this.stats.recordImpression(request.placement, Number(row.item_id));
    if (request.experimentKey && request.variant && this.experiments && inserted.length > 0) {
      await this.experiments.record(request.experimentKey, request.variant, inserted.length, 0);
    }
    return inserted.length;
  }

  /** Attributes a click to the impression of `itemId` in request `requestId`; false if none or already clicked. */
  async recordClick(requestId: string, itemId: number): Promise<boolean> {
    if (typeof requestId !== 'string' || requestId.length === 0) throw new Error('requestId must be a non-empty string');
    if (!Number.isInteger(itemId)) throw new Error(`itemId must be an integer, got ${itemId}`);
    const rows = await this.sql.query<{ placement: string; experiment_key: string | null; variant: string | null }>(
      `UPDATE explore_impressions SET clicked = true, clicked_at = now()
       WHERE request_id = $1 AND item_id = $2 AND NOT clicked RETURNING placement, experiment_key, variant`,
      [requestId, itemId],
    );
    if (rows.length === 0) return false;
    this.stats.recordClick(rows[0].placement, itemId);
    if (rows[0].experiment_key && rows[0].variant && this.experiments) {
      await this.experiments.record(rows[0].experiment_key, rows[0].variant, 0, 1);
    }
    return true;
  }

  /** Logged impressions of a placement (optionally since a time), oldest first, in pages. */
  async *read(placement: string, options: { since?: Date; pageSize?: number } = {}): AsyncGenerator<LoggedImpression> {
    const pageSize = options.pageSize ?? 5000;
    if (!Number.isInteger(pageSize) || pageSize <= 0) throw new Error(`pageSize must be a positive integer, got ${pageSize}`);
    let after = '0';
    for (;;) {
      const rows = await (this.sql as SqlClient).query<{
        row_id: string;
        request_id: string;
        placement: string;
        item_id: number;
        slot: number;
        propensity: number;
        explore: boolean;
        policy: string;
        user_id: string | null;
        clicked: boolean;
        served_at: Date | string;
      }>(
        `SELECT id::text AS row_id, request_id, placement, item_id, slot, propensity, explore, policy, user_id, clicked, served_at
         FROM explore_impressions WHERE placement = $1 AND id > $2::bigint AND served_at >= $3 ORDER BY id LIMIT $4`,
        [placement, after, (options.since ?? new Date(0)).toISOString(), pageSize],
      );
      for (const r of rows) {
        yield {
          requestId: r.request_id,
          placement: r.placement,
          itemId: Number(r.item_id),
          slot: Number(r.slot),
          propensity: Number(r.propensity),
          explore: r.explore,
          policy: r.policy,
          userId: r.user_id,
          clicked: r.clicked,
          servedAt: new Date(r.served_at),
        };
      }
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1].row_id;
    }
  }
}
