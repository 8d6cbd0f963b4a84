import type { SqlClient, SqlDriver } from '@cascade/db';

export interface ArmCounts {
  itemId: number;
  impressions: number;
  clicks: number;
}

export interface ArmStatsStoreOptions {
  /** Flush automatically once this many increments are pending (default 1000; 0 = only explicit flushes). */
  flushEvery?: number;
}

interface CachedCounts {
  impressions: number;
  clicks: number;
}

function checkPlacement(placement: string): void {
  if (typeof placement !== 'string' || placement.length === 0) throw new Error('placement must be a non-empty string');
}

function checkItemId(itemId: number): void {
  if (!Number.isInteger(itemId)) throw new Error(`itemId must be an integer, got ${itemId}`);
}

/**
 * Online (placement, item) click statistics: cached in memory, persisted in `explore_arm_stats`.
 * Increments accumulate as pending deltas and are written by `flush` in one batched upsert that
 * adds them in SQL (`impressions = impressions + delta`), so several processes writing the same
 * rows lose nothing: the database is exact, the cache is this process's view (its own increments
 * included at once, the other processes' after `refresh`).
 *
 * Drifting rates: `decay` scales a placement's counts (exponential forgetting) atomically in SQL;
 * `rebuildWindow` recomputes them from the impression log over a sliding window.
 */
export class ArmStatsStore {
  private readonly cache = new Map<string, Map<number, CachedCounts>>();
  private pending = new Map<string, Map<number, CachedCounts>>();
  private pendingCount = 0;
  private readonly flushEvery: number;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: SqlDriver,
    options: ArmStatsStoreOptions = {},
  ) {
    const flushEvery = options.flushEvery ?? 1000;
    if (!Number.isInteger(flushEvery) || flushEvery < 0) throw new Error(`flushEvery must be a non-negative integer, got ${flushEvery}`);
    this.flushEvery = flushEvery;
  }

  /** Statistics of the items (cache first, then the database; 0/0 for items never shown). */
  async get(placement: string, itemIds: readonly number[]): Promise<ArmCounts[]> {
    checkPlacement(placement);
    itemIds.forEach(checkItemId);
    const cached = this.cache.get(placement) ?? new Map<number, CachedCounts>();
    this.cache.set(placement, cached);
    const missing = [...new Set(itemIds.filter((id) => !cached.has(id)))];
    if (missing.length > 0) {
      await this.flushing.catch(() => undefined);
      const rows = await this.sql.query<{ item_id: number; impressions: number; clicks: number }>(
        'SELECT item_id, impressions, clicks FROM explore_arm_stats WHERE placement = $1 AND item_id = ANY($2::int[])',
        [placement, missing],
      );
      const loaded = new Map(rows.map((r) => [Number(r.item_id), r]));
      for (const id of missing) {
        if (cached.has(id)) continue; // a concurrent record() created it meanwhile
        const row = loaded.get(id);
        // Database counts plus this process's increments not yet written.
        const local = this.pending.get(placement)?.get(id);
        cached.set(id, {
          impressions: (row ? Number(row.impressions) : 0) + (local?.impressions ?? 0),
          clicks: (row ? Number(row.clicks) : 0) + (local?.clicks ?? 0),
        });
      }
    }
    return itemIds.map((id) => {
      const c = cached.get(id) as CachedCounts;
      return { itemId: id, impressions: c.impressions, clicks: c.clicks };
    });
  }

  recordImpression(placement: string, itemId: number, count = 1): void {
    this.add(placement, itemId, count, 0);
  }

  recordClick(placement: string, itemId: number, count = 1): void {
    this.add(placement, itemId, 0, count);
  }

  private add(placement: string, itemId: number, impressions: number, clicks: number): void {
    checkPlacement(placement);
    checkItemId(itemId);
    if (!(impressions >= 0 && clicks >= 0 && Number.isFinite(impressions + clicks))) {
      throw new Error(`increments must be finite and >= 0, got impressions=${impressions} clicks=${clicks}`);
    }
    this.addPending(placement, itemId, impressions, clicks);
    // Only items whose database counts were loaded are cached; the others are read on their next get().
    const cached = this.cache.get(placement)?.get(itemId);
    if (cached) {
      cached.impressions += impressions;
      cached.clicks += clicks;
    }
    if (this.flushEvery > 0 && this.pendingCount >= this.flushEvery) {
      this.flush().catch(() => {
        // The deltas stay pending and the next flush retries them.
      });
    }
  }

  /** Number of increments not yet written. */
  get pendingIncrements(): number {
    return this.pendingCount;
  }

  /** Writes every pending delta in one statement; concurrent flushes are serialised. */
  flush(): Promise<void> {
    const batch = this.pending;
    if (batch.size === 0) return this.flushing;
    this.pending = new Map();
    this.pendingCount = 0;
    const run = async () => {
      const placements: string[] = [];
      const items: number[] = [];
      const impressions: number[] = [];
      const clicks: number[] = [];
      for (const [placement, byItem] of batch) {
        for (const [itemId, c] of byItem) {
          placements.push(placement);
          items.push(itemId);
          impressions.push(c.impressions);
          clicks.push(c.clicks);
        }
      }
      try {
        await upsertDeltas(this.sql, placements, items, impressions, clicks);
      } catch (error) {
        // Keep the deltas for the next flush instead of losing them.
        for (let i = 0; i < items.length; i++) this.addPending(placements[i], items[i], impressions[i], clicks[i]);
        throw error;
      }
    };
    const result = this.flushing.then(run, run);
    this.flushing = result.catch(() => undefined);
    return result;
  }

  private addPending(placement: string, itemId: number, impressions: number, clicks: number): void {
    const byItem = this.pending.get(placement) ?? new Map<number, CachedCounts>();
    this.pending.set(placement, byItem);
    const c = byItem.get(itemId) ?? { impressions: 0, clicks: 0 };
    c.impressions += impressions;
    c.clicks += clicks;
    byItem.set(itemId, c);
    this.pendingCount++;
  }

  /** Flushes, then drops the cache (of one placement or all) so the next `get` reads the database. */
  async refresh(placement?: string): Promise<void> {
    await this.flush();
    if (placement === undefined) this.cache.clear();
    else this.cache.delete(placement);
  }

  /** Exponential forgetting: multiplies a placement's counts by `factor` ∈ (0, 1] in SQL. */
  async decay(placement: string, factor: number): Promise<number> {
    checkPlacement(placement);
    if (!(factor > 0 && factor <= 1)) throw new Error(`factor must be in (0, 1], got ${factor}`);
    await this.flush();
    const rows = await this.sql.execute(
      'UPDATE explore_arm_stats SET impressions = impressions * $2, clicks = clicks * $2, updated_at = now() WHERE placement = $1',
      [placement, factor],
    );
    this.cache.delete(placement);
    return rows;
  }

  /**
   * Sliding window: replaces a placement's counts with those of the impression log since `since`
   * (impressions and attributed clicks), in one transaction.
   */
  async rebuildWindow(placement: string, since: Date): Promise<number> {
    checkPlacement(placement);
    if (!(since instanceof Date) || Number.isNaN(since.getTime())) throw new Error('since must be a valid Date');
    await this.flush();
    const rows = await this.sql.transaction(async (tx: SqlClient) => {
      await tx.execute('DELETE FROM explore_arm_stats WHERE placement = $1', [placement]);
      return tx.execute(
        `INSERT INTO explore_arm_stats (placement, item_id, impressions, clicks, updated_at)
         SELECT placement, item_id, count(*)::float8, count(*) FILTER (WHERE clicked)::float8, now()
         FROM explore_impressions WHERE placement = $1 AND served_at >= $2
         GROUP BY placement, item_id`,
        [placement, since.toISOString()],
      );
    });
    this.cache.delete(placement);
    return rows;
  }
}

/** Adds deltas to (placement, item) rows in one statement, creating missing rows. */
export async function upsertDeltas(
  sql: SqlClient,
  placements: string[],
  itemIds: number[],
  impressions: number[],
  clicks: number[],
): Promise<void> {
  if (itemIds.length === 0) return;
  await sql.execute(
    `INSERT INTO explore_arm_stats (placement, item_id, impressions, clicks, updated_at)
     SELECT p, i, im, c, now() FROM unnest($1::text[], $2::int[], $3::float8[], $4::float8[]) AS d(p, i, im, c)
     ON CONFLICT (placement, item_id) DO UPDATE SET
       impressions = explore_arm_stats.impressions + EXCLUDED.impressions,
       clicks = explore_arm_stats.clicks + EXCLUDED.clicks,
       updated_at = now()`,
    [placements, itemIds, impressions, clicks],
  );
}
