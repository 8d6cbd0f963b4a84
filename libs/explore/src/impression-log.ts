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

export interface ImpressionLogOptions {
  /** Write-behind: queued requests are written at most this many ms after the first of them (default 20). */
  flushMs?: number;
  /** Write at once when this many slots are queued (default 2000). */
  flushRows?: number;
  /** Slots kept queued while the database refuses writes; older ones beyond this are dropped (default 200000). */
  maxQueuedRows?: number;
}

function checkServedRequest(request: ServedRequest): void {
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
}

function positiveOption(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!(Number.isFinite(v) && v > 0)) throw new Error(`${name} must be a positive number, got ${value}`);
  return v;
}

/**
 * The impression log (`explore_impressions`): every served slot keyed by request id, with its
 * propensity and explore mark. Clicks are attributed through the request id, at most once per
 * (request, item), and feed the online arm statistics and the experiment counters.
 *
 * Serving logs through `enqueueServed` (write-behind): requests are queued and written together, one
 * statement per `flushMs`, so a recommend request waits for no database write. A click on a queued request
 * writes the queue first; a crash loses at most the last `flushMs` of served slots (never an event).
 */
export class ImpressionLog {
  private queue: ServedRequest[] = [];
  private queuedRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly flushMs: number;
  private readonly flushRows: number;
  private readonly maxQueuedRows: number;
  /** Slots dropped because the database refused writes for longer than the queue could hold. */
  droppedRows = 0;

  constructor(
    private readonly sql: SqlDriver,
    private readonly stats: ArmStatsStore,
    private readonly experiments?: ExperimentStore,
    options: ImpressionLogOptions = {},
  ) {
    this.flushMs = positiveOption('flushMs', options.flushMs, 20);
    this.flushRows = positiveOption('flushRows', options.flushRows, 2000);
    this.maxQueuedRows = positiveOption('maxQueuedRows', options.maxQueuedRows, 200_000);
  }

  /** Logs the served slots now (a repeated (request, item) is ignored) and counts their impressions. */
  async logServed(request: ServedRequest): Promise<number> {
    checkServedRequest(request);
    if (request.items.length === 0) return 0;
    return this.write([request]);
  }

  /** Queues the served slots for the next write-behind flush (validated now; see the class comment). */
  enqueueServed(request: ServedRequest): void {
    checkServedRequest(request);
    if (request.items.length === 0) return;
    this.queue.push(request);
    this.queuedRows += request.items.length;
    if (this.queuedRows >= this.flushRows) this.flushInBackground();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flushInBackground(), this.flushMs);
      this.timer.unref?.();
    }
  }

  /** Slots queued and not yet written. */
  get queuedSlots(): number {
    return this.queuedRows;
  }

  private flushInBackground(): void {
    this.flushServed().catch(() => {
      // kept queued (see flushServed); retried on the next timer
      if (!this.timer && this.queue.length > 0) {
        this.timer = setTimeout(() => this.flushInBackground(), Math.max(this.flushMs, 250));
        this.timer.unref?.();
      }
    });
  }

  /** Writes every queued request (one statement); resolves when they and any write in flight are durable. */
  flushServed(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.queue;
    if (batch.length === 0) return this.writing;
    this.queue = [];
    this.queuedRows = 0;
    const run = async () => {
      try {
        await this.write(batch);
      } catch (error) {
        // put them back in front of what was queued meanwhile, keeping the newest within the bound
        this.queue = [...batch, ...this.queue];
        this.queuedRows = this.queue.reduce((n, r) => n + r.items.length, 0);
        while (this.queuedRows > this.maxQueuedRows && this.queue.length > 0) {
          const dropped = this.queue.shift()!;
          this.queuedRows -= dropped.items.length;
          this.droppedRows += dropped.items.length;
        }
        throw error;
      }
    };
    const result = this.writing.then(run, run);
    this.writing = result.catch(() => undefined);
    return result;
  }

  /** One INSERT for all slots of the requests; counts the new impressions. Returns the slots written. */
  private async write(requests: readonly ServedRequest[]): Promise<number> {
    const cols = {
      request: [] as string[],
      placement: [] as string[],
      policy: [] as string[],
      user: [] as (string | null)[],
      experiment: [] as (string | null)[],
      variant: [] as (string | null)[],
      item: [] as number[],
      slot: [] as number[],
      propensity: [] as number[],
      explore: [] as boolean[],
    };
    for (const r of requests) {
      for (const x of r.items) {
        cols.request.push(r.requestId);
        cols.placement.push(r.placement);
        cols.policy.push(r.policy);
        cols.user.push(r.userId ?? null);
        cols.experiment.push(r.experimentKey ?? null);
        cols.variant.push(r.variant ?? null);
        cols.item.push(x.itemId);
        cols.slot.push(x.slot);
        cols.propensity.push(x.propensity);
        cols.explore.push(x.explore);
      }
    }
    const inserted = await this.sql.query<{ placement: string; item_id: number; experiment_key: string | null; variant: string | null }>(
      `INSERT INTO explore_impressions (request_id, placement, item_id, slot, propensity, explore, policy, user_id, experiment_key, variant)
       SELECT r, pl, i, s, p, e, po, u, ek, v
         FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::float8[], $6::bool[], $7::text[], $8::text[], $9::text[], $10::text[])
           AS d(r, pl, i, s, p, e, po, u, ek, v)
       ON CONFLICT (request_id, item_id) DO NOTHING RETURNING placement, item_id, experiment_key, variant`,
      [cols.request, cols.placement, cols.item, cols.slot, cols.propensity, cols.explore, cols.policy, cols.user, cols.experiment, cols.variant],
    );
    const byVariant = new Map<string, { key: string; variant: string; n: number }>();
    for (const row of inserted) {
      this.stats.recordImpression(row.placement, Number(row.item_id));
      if (row.experiment_key && row.variant) {
        const id = `${row.experiment_key}\u0000${row.variant}`;
        const entry = byVariant.get(id) ?? { key: row.experiment_key, variant: row.variant, n: 0 };
        entry.n++;
        byVariant.set(id, entry);
      }
    }
    if (this.experiments) for (const e of byVariant.values()) await this.experiments.record(e.key, e.variant, e.n, 0);
    return inserted.length;
  }

  /** Attributes a click to the impression of `itemId` in request `requestId`; false if none or already clicked. */
  async recordClick(requestId: string, itemId: number): Promise<boolean> {
    if (typeof requestId !== 'string' || requestId.length === 0) throw new Error('requestId must be a non-empty string');
    if (!Number.isInteger(itemId)) throw new Error(`itemId must be an integer, got ${itemId}`);
    // the impression may still be queued (write-behind); if that write fails the UPDATE below reports it
    await this.flushServed().catch(() => undefined);
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
    await this.flushServed();
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
