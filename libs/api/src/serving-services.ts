// The request-time state behind the routers: the Recommender (swappable on reload), the online arm
// statistics and the impression log that clicks are attributed through. Routers call these functions.
import {
  eventInputSchema,
  insertEvents,
  parseBatch,
  preloadIds,
  upsertItems,
  upsertUsers,
  type CascadeDatabase,
  type EventInput,
  type InsertEventsResult,
  type ItemInput,
  type UpsertResult,
  type UserInput,
  type ValidatedEventInput,
} from '@cascade/db';
import { ArmStatsStore, ExperimentStore, ImpressionLog } from '@cascade/explore';
import type { Recommender, RecommendRequestInput, RecommendResponse } from '@cascade/pipeline';
import { silentLogger, type ApiLogger } from './api-logger.js';
import type { ServingMetrics } from './serving-metrics.js';

export interface ServingServicesOptions {
  recommender?: Recommender;
  /** Rebuilds the Recommender (e.g. `Recommender.load` again) so new catalogue items reach serving. */
  reloadRecommender?: (shared: { armStats: ArmStatsStore; impressionLog: ImpressionLog }) => Promise<Recommender>;
  /** Delay before a reload, so a burst of upserts triggers one (default 1000 ms). */
  reloadDelayMs?: number;
  onReloadError?: (error: Error) => void;
  /** Records recommend stage timings, fallbacks, ingested events and the loaded model versions. */
  metrics?: ServingMetrics;
  /** Logs each recommender reload (info) and reload failure (error). */
  logger?: ApiLogger;
  /**
   * Hot reload on promotion: returns the active model version of each kind (e.g. `activeModelVersionIds` of the
   * registry); polled every `modelWatchMs`, and a change reloads the Recommender in the background and swaps it.
   */
  activeModelVersions?: () => Promise<Record<string, number | null>>;
  /** How often the active versions are polled (default 2000 ms). */
  modelWatchMs?: number;
}

export class ServingServices {
  private recommender: Recommender | undefined;
  readonly armStats: ArmStatsStore;
  readonly impressionLog: ImpressionLog;
  private reloadTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  /** The active versions the served Recommender was loaded for (JSON), as last seen by the watcher. */
  private servedVersions: string | undefined;
  /** Every user's and item's id loaded into the event writer's id cache (started on construction). */
  private readonly idsPreloaded: Promise<void>;

  constructor(
    private readonly db: CascadeDatabase,
    private readonly options: ServingServicesOptions = {},
  ) {
    this.recommender = options.recommender;
    this.armStats = options.recommender?.armStats ?? new ArmStatsStore(db.sql);
    this.impressionLog = options.recommender?.impressionLog ?? new ImpressionLog(db.sql, this.armStats, new ExperimentStore(db.sql));
    if (this.recommender) options.metrics?.setModelVersions(this.recommender.modelVersions);
    options.metrics?.watchBackground(() => {
      const follower = this.recommender?.eventFollowerStatus ?? null;
      return {
        queuedSlots: this.impressionLog.queuedSlots,
        droppedSlots: this.impressionLog.droppedRows,
        followedEventId: follower?.position ?? 0,
        followerFailing: follower?.failing ?? false,
      };
    });
    if (options.activeModelVersions && options.reloadRecommender) this.watchModelVersions(options.activeModelVersions, options.modelWatchMs ?? 2000);
    // the first event batches then resolve their ids without lookups; a failure only leaves the cache cold
    this.idsPreloaded = preloadIds(db.sql).then(
      () => undefined,
      (error: Error) => (options.logger ?? silentLogger).error({ error: error.message }, 'id cache preload failed'),
    );
  }

  /**
   * Polls the active model versions; when they change, loads a new Recommender in the background and swaps it in
   * atomically: requests in flight finish on the instance they started with, new ones get the new models.
   */
  private watchModelVersions(active: () => Promise<Record<string, number | null>>, everyMs: number): void {
    const logger = this.options.logger ?? silentLogger;
    let busy = false;
    const check = async () => {
      if (busy) return;
      busy = true;
      try {
        const seen = JSON.stringify(await active());
        if (this.servedVersions === undefined) this.servedVersions = seen;
        else if (seen !== this.servedVersions) {
          logger.info({ activeModelVersions: JSON.parse(seen) }, 'model promotion seen: reloading');
          if (await this.reloadNow()) this.servedVersions = seen;
        }
      } catch (error) {
        logger.error({ error: (error as Error).message }, 'model version check failed');
      } finally {
        busy = false;
      }
    };
    void check();
    this.watchTimer = setInterval(() => void check(), everyMs);
    this.watchTimer.unref();
  }

  /** Reloads the Recommender now (after any reload under way); true when the new one is being served. */
  async reloadNow(): Promise<boolean> {
    const reload = this.options.reloadRecommender;
    if (!reload) return false;
    const logger = this.options.logger ?? silentLogger;
    let ok = false;
    const previous = this.reloading ?? Promise.resolve();
    this.reloading = previous
      .then(() => reload({ armStats: this.armStats, impressionLog: this.impressionLog }))
      .then((next) => {
        const old = this.recommender;
        this.recommender = next;
        this.options.metrics?.setModelVersions(next.modelVersions);
        logger.info({ modelVersions: next.modelVersions }, 'recommender reloaded');
        ok = true;
        // Requests in flight keep using the old instance; free its model memory once they are surely done.
        if (old && old !== next) setTimeout(() => old.dispose(), 60_000).unref();
      })
      .catch((error: Error) => {
        logger.error({ error: error.message, ...(process.env.CASCADE_DEBUG ? { stack: error.stack } : {}) }, 'recommender reload failed');
        this.options.onReloadError?.(error);
      });
    await this.reloading;
    return ok;
  }

  /** The versions of the models being served (null without a recommender). */
  get modelVersions(): { recall: string | null; ranker: string | null } | null {
    return this.recommender?.modelVersions ?? null;
  }

  get hasRecommender(): boolean {
    return this.recommender !== undefined;
  }

  async recommend(request: RecommendRequestInput): Promise<RecommendResponse> {
    if (!this.recommender) throw new Error('no recommender is loaded on this server (start it with a models folder)');
    const response = await this.recommender.recommend(request);
    this.options.metrics?.recordRecommend(response);
    return response;
  }

  /** Writes the events (idempotent), then attributes clicks that carry a request id to their impressions. */
  logEvents(events: readonly EventInput[]): Promise<InsertEventsResult & { attributedClicks: number }> {
    return this.logValidatedEvents(parseBatch(eventInputSchema, events, 'event'));
  }

  /** logEvents for events already parsed with `eventInputSchema` (the routers' input): not validated twice. */
  async logValidatedEvents(events: readonly ValidatedEventInput[]): Promise<InsertEventsResult & { attributedClicks: number }> {
    await this.idsPreloaded;
    const result = await insertEvents(this.db.sql, events, { prevalidated: true });
    this.options.metrics?.recordEvents(events, result.duplicates);
    const clicks = events.filter((e) => e.type === 'click' && e.requestId);
    let attributedClicks = 0;
    if (clicks.length > 0) {
      const rows = await this.db.sql.query<{ id: number; external_id: string }>('SELECT id, external_id FROM items WHERE external_id = ANY($1::text[])', [
        [...new Set(clicks.map((c) => c.itemId.trim()))],
      ]);
      const internal = new Map(rows.map((r) => [r.external_id, Number(r.id)]));
      for (const click of clicks) {
        const itemId = internal.get(click.itemId.trim());
        if (itemId !== undefined && (await this.impressionLog.recordClick(click.requestId as string, itemId))) attributedClicks++;
      }
      // the arm statistics are durable before the request is acknowledged
      if (attributedClicks > 0) await this.armStats.flush();
    }
    // serving's histories (seen filter) and activity counts pick the new events up within milliseconds
    if (result.inserted > 0) this.recommender?.noteEventsWritten();
    return { ...result, attributedClicks };
  }

  /** Upserts items; known items' active flags reach serving at once, new items after a (debounced) reload. */
  async upsertItems(items: readonly ItemInput[]): Promise<UpsertResult & { reloadScheduled: boolean }> {
    const result = await upsertItems(this.db.sql, items);
    let unknown = 0;
    if (this.recommender) {
      for (const item of items) {
        const externalId = item.externalId.trim();
        try {
          if (item.active !== undefined) this.recommender.setItemActive(externalId, item.active);
          else this.recommender.setItemActive(externalId, true);
        } catch {
          unknown++; // not in the serving catalogue yet
        }
      }
    }
    const reloadScheduled = unknown > 0 && this.scheduleReload();
    return { ...result, reloadScheduled };
  }

  /** Deactivates items (never deletes: their events and models keep referring to them). */
  async deactivateItems(externalIds: readonly string[]): Promise<{ deactivated: number; unknown: string[] }> {
    const rows = await this.db.sql.query<{ external_id: string }>(
      'UPDATE items SET active = false, updated_at = now() WHERE external_id = ANY($1::text[]) RETURNING external_id',
      [[...new Set(externalIds)]],
    );
    const found = new Set(rows.map((r) => r.external_id));
    for (const id of found) {
      try {
        this.recommender?.setItemActive(id, false);
      } catch {
        // not in the serving catalogue: nothing to take out
      }
    }
    return { deactivated: found.size, unknown: [...new Set(externalIds)].filter((id) => !found.has(id)) };
  }

  upsertUsers(users: readonly UserInput[]): Promise<UpsertResult> {
    return upsertUsers(this.db.sql, users);
  }

  private scheduleReload(): boolean {
    const reload = this.options.reloadRecommender;
    if (!reload) return false;
    if (this.reloadTimer) return true;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      void this.reloadNow();
    }, this.options.reloadDelayMs ?? 1000);
    this.reloadTimer.unref();
    return true;
  }

  /** Stops a pending reload and writes the pending arm statistics. */
  async close(): Promise<void> {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    if (this.watchTimer) clearInterval(this.watchTimer);
    await this.reloading;
    await this.idsPreloaded;
    // served slots still queued (write-behind) first: their impressions feed the arm statistics
    await this.impressionLog.flushServed().catch(() => undefined);
    await this.armStats.flush().catch(() => undefined);
  }

  /** Admin console (inspector, neighbours, placement policies): the Recommender served now; it changes on reload. */
  get servedRecommender(): Recommender | undefined {
    return this.recommender;
  }
}
