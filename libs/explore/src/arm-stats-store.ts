import type { SqlClient, SqlDriver } from '@cascade/db';

export interface ArmCounts {
  itemId: number;
  impressions: number;
  clicks: number;
}

export interface ArmStatsStoreOptions {
  /** Flush automatically once this many increments are pending (default 1000; 0 = only explicit flushes). */
  flushEvery?: number;
  /**
   * Re-read a placement's rows in the background when they are older than this (ms, default 10000; 0 =
   * never): how soon other processes' increments reach this process's cache.
   */
  refreshMs?: number;
}

interface LoadedPlacement {
  counts: Map<number, CachedCounts>;
  loadedAt: number;
  reloading: boolean;
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
 * A placement's rows are read in one query on its first use, so serving a request reads no database: an
 * item without a row has 0/0 (plus this process's pending increments). They are re-read in the background
 * every `refreshMs`.
 *
 * Drifting rates: `decay` scales a placement's counts (exponential forgetting) atomically in SQL;
 * `rebuildWindow` recomputes them from the impression log over a sliding window.
 */
export class ArmStatsStore {
  private readonly cache = new Map<string, LoadedPlacement>();
  private readonly loading = new Map<string, Promise<LoadedPlacement>>();
  private pending = new Map<string, Map<number, CachedCounts>>();
  private pendingCount = 0;
  private readonly flushEvery: number;
  private readonly refreshMs: number;
  private flushing: Promise<void> = Promise.resolve();
  /** Bumped whenever a flush takes deltas out of `pending` (a read racing it cannot tell whether it saw them). */
  private flushGeneration = 0;

  constructor(
    private readonly sql: SqlDriver,
    options: ArmStatsStoreOptions = {},
  ) {
    const flushEvery = options.flushEvery ?? 1000;
    if (!Number.isInteger(flushEvery) || flushEvery < 0) throw new Error(`flushEvery must be a non-negative integer, got ${flushEvery}`);
    const refreshMs = options.refreshMs ?? 10_000;
    if (!(Number.isFinite(refreshMs) && refreshMs >= 0)) throw new Error(`refreshMs must be a non-negative number, got ${refreshMs}`);
    this.flushEvery = flushEvery;
    this.refreshMs = refreshMs;
  }

  /** Statistics of the items (0/0 for items never shown). Reads the database only on a placement's first use. */
  async get(placement: string, itemIds: readonly number[]): Promise<ArmCounts[]> {
    checkPlacement(placement);
    for (let i = 0; i < itemIds.length; i++) checkItemId(itemIds[i]);
    const loaded = this.cache.get(placement) ?? (await this.loadPlacement(placement));
    if (this.refreshMs > 0 && !loaded.reloading && Date.now() - loaded.loadedAt > this.refreshMs) {
      loaded.reloading = true;
      void this.reloadPlacement(placement, loaded);
    }
    const counts = loaded.counts;
    const out = new Array<ArmCounts>(itemIds.length);
    for (let i = 0; i < itemIds.length; i++) {
      const id = itemIds[i];
      const c = counts.get(id);
      // no entry: no row when the placement was read and no increment since
      out[i] = c ? { itemId: id, impressions: c.impressions, clicks: c.clicks } : { itemId: id, impressions: 0, clicks: 0 };
    }
    return out;
  }

  private loadPlacement(placement: string): Promise<LoadedPlacement> {
    let loading = this.loading.get(placement);
    if (!loading) {
      loading = (async () => {
        try {
          for (;;) {
            const counts = await this.readPlacement(placement);
            if (counts) {
              const loaded: LoadedPlacement = { counts, loadedAt: Date.now(), reloading: false };
              this.cache.set(placement, loaded);
              return loaded;
            }
          }
        } finally {
          this.loading.delete(placement);
        }
      })();
      this.loading.set(placement, loading);
    }
    return loading;
  }

  private async reloadPlacement(placement: string, loaded: LoadedPlacement): Promise<void> {
    try {
      const counts = await this.readPlacement(placement);
      if (counts && this.cache.get(placement) === loaded) {
        loaded.counts = counts;
        loaded.loadedAt = Date.now();
      }
    } catch {
      // keep serving the counts we have; the next get() retries
    } finally {
      loaded.reloading = false;
    }
  }

  /**
   * The placement's database counts plus this process's pending increments, or null when a flush moved
   * deltas into the database while the query ran (the result could count them twice or not at all).
   */
  private async readPlacement(placement: string): Promise<Map<number, CachedCounts> | null> {
    await this.flushing.catch(() => undefined);
    const generation = this.flushGeneration;
    const rows = await this.sql.query<{ item_id: number; impressions: number; clicks: number }>(
      'SELECT item_id, impressions, clicks FROM explore_arm_stats WHERE placement = $1',
      [placement],
    );
    if (generation !== this.flushGeneration) return null;
    const counts = new Map<number, CachedCounts>();
    for (const r of rows) counts.set(Number(r.item_id), { impressions: Number(r.impressions), clicks: Number(r.clicks) });
    for (const [id, local] of this.pending.get(placement) ?? []) {
      const c = counts.get(id) ?? { impressions: 0, clicks: 0 };
      c.impressions += local.impressions;
      c.clicks += local.clicks;
      counts.set(id, c);
    }
    return counts;
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
    // A loaded placement counts the increment at once; one not loaded yet reads it with its pending deltas.
    const loaded = this.cache.get(placement);
    if (loaded) {
      const cached = loaded.counts.get(itemId);
      if (cached) {
        cached.impressions += impressions;
        cached.clicks += clicks;
      } else loaded.counts.set(itemId, { impressions, clicks });
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
    this.flushGeneration++;
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
