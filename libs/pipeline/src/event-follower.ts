// Follows the events table from a known id, so a serving process's in-memory state (recent histories, activity
// counts, popularity) sees every new event, whichever process wrote it: indexed range reads by primary key every
// `intervalMs`, or sooner after `syncSoon()`, returning only the event types the state uses (impressions, most
// of an ingest stream, stay in the database). On PostgreSQL, transactions can commit out of id order, so each
// read goes back `overlapIds` ids and skips the ones already applied.
import type { CascadeDatabase } from '@cascade/db';

export interface FollowedEvent {
  id: number;
  userId: number;
  itemId: number;
  type: string;
  value: number;
  /** occurredAt, epoch ms. */
  occurredAt: number;
}

export interface EventFollowerOptions {
  /** The last event id already reflected in the state (events after it are delivered). */
  afterId: number;
  /** Receives each batch, in id order. */
  onEvents: (events: readonly FollowedEvent[]) => void;
  /** Poll period in ms (default 1000). */
  intervalMs?: number;
  /** Delay of syncSoon() in ms (default 50). */
  soonMs?: number;
  /** Ids per range read (default 20000). */
  pageSize?: number;
  /** Only events of these types are delivered (default all). */
  types?: readonly string[];
  /** Ids re-read behind the newest seen (default 0 on the embedded database, 5000 on PostgreSQL). */
  overlapIds?: number;
}

/** The newest event id (0 when there are none): where a state loaded now starts following. */
export async function latestEventId(db: CascadeDatabase): Promise<number> {
  const rows = await db.sql.query<{ id: number | string | null }>('SELECT max(id) AS id FROM events');
  return Number(rows[0]?.id ?? 0);
}

export class EventFollower {
  private lastId: number;
  private readonly applied = new Set<number>();
  private readonly intervalMs: number;
  private readonly soonMs: number;
  private readonly pageSize: number;
  private readonly overlapIds: number;
  private timer: NodeJS.Timeout | undefined;
  private soonTimer: NodeJS.Timeout | undefined;
  private running: Promise<number> | null = null;
  private stopped = false;
  /** Whether the last read failed: the state goes stale until one succeeds. */
  failing = false;

  constructor(
    private readonly db: CascadeDatabase,
    private readonly options: EventFollowerOptions,
  ) {
    if (!Number.isInteger(options.afterId) || options.afterId < 0) throw new Error(`afterId: must be a non-negative integer, got ${options.afterId}`);
    this.lastId = options.afterId;
    this.intervalMs = options.intervalMs ?? 1000;
    this.soonMs = options.soonMs ?? 50;
    this.pageSize = options.pageSize ?? 20_000;
    this.overlapIds = options.overlapIds ?? (db.kind === 'postgres' ? 5000 : 0);
    if (!(this.intervalMs > 0)) throw new Error(`intervalMs: must be > 0, got ${options.intervalMs}`);
    if (!(this.soonMs >= 0)) throw new Error(`soonMs: must be >= 0, got ${options.soonMs}`);
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) throw new Error(`pageSize: must be a positive integer, got ${options.pageSize}`);
    if (!Number.isInteger(this.overlapIds) || this.overlapIds < 0) throw new Error(`overlapIds: must be a non-negative integer, got ${options.overlapIds}`);
    if (options.types !== undefined && (!Array.isArray(options.types) || options.types.some((t) => typeof t !== 'string'))) {
      throw new Error('types: must be an array of event type names');
    }
  }

  /** The newest event id applied. */
  get position(): number {
    return this.lastId;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.syncNow().catch(() => undefined), this.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.timer = undefined;
    this.soonTimer = undefined;
  }

  /** Schedules a read within `soonMs` (several calls share one read). */
  syncSoon(): void {
    if (this.soonTimer || this.stopped) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = undefined;
      void this.syncNow().catch(() => undefined);
    }, this.soonMs);
    this.soonTimer.unref?.();
  }

  /** Reads and applies every event written since the last read; resolves with how many were new. */
  syncNow(): Promise<number> {
    if (this.running) {
      // one read at a time; a caller that arrives during a read wants what was written before it called
      return this.running.then(() => this.syncNow());
    }
    this.running = this.readAll().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async readAll(): Promise<number> {
    let delivered = 0;
    try {
      const top = Number((await this.db.sql.query<{ id: number | string | null }>('SELECT max(id) AS id FROM events'))[0]?.id ?? 0);
      const types = this.options.types;
      let cursor = Math.max(0, this.lastId - this.overlapIds);
      while (cursor < top) {
        const upTo = Math.min(top, cursor + this.pageSize);
        const rows = await this.db.sql.query<{ id: number | string; user_id: number; item_id: number; type: string; value: number; ms: number | string }>(
          `SELECT id, user_id, item_id, type::text AS type, value, (extract(epoch from occurred_at) * 1000)::float8 AS ms
             FROM events WHERE id > $1 AND id <= $2${types ? ' AND type::text = ANY($3::text[])' : ''} ORDER BY id`,
          types ? [cursor, upTo, types] : [cursor, upTo],
        );
        const fresh: FollowedEvent[] = [];
        for (const r of rows) {
          const id = Number(r.id);
          if (id <= this.lastId && (this.overlapIds === 0 || this.applied.has(id))) continue;
          if (this.overlapIds > 0) this.applied.add(id);
          fresh.push({ id, userId: Number(r.user_id), itemId: Number(r.item_id), type: r.type, value: Number(r.value), occurredAt: Number(r.ms) });
        }
        if (fresh.length > 0) {
          this.options.onEvents(fresh);
          delivered += fresh.length;
        }
        cursor = upTo;
        if (upTo > this.lastId) this.lastId = upTo;
      }
      if (this.overlapIds > 0 && this.applied.size > 4 * this.overlapIds) {
        const floor = this.lastId - this.overlapIds;
        for (const id of this.applied) if (id <= floor) this.applied.delete(id);
      }
      this.failing = false;
    } catch (error) {
      this.failing = true;
      throw error;
    }
    return delivered;
  }
}
