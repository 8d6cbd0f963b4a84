// Each user's recent-activity counts (the ranker's `context.activity.<name>` features) kept in memory, so a
// request counts them without a database query: the events of the windows' types within the longest window,
// loaded once and then fed by the EventFollower. Counts are exactly what the SQL of the feature path counts:
// events of the window's types with occurredAt in [now − days, now).
import { EVENT_TYPES, type CascadeDatabase, type EventTypeName } from '@cascade/db';
import type { ActivityWindow } from '@cascade/features';

const DAY_MS = 86_400_000;

/** One user's events of the counted types: parallel arrays, append-only between prunes. */
interface UserEvents {
  times: number[];
  types: number[];
}

export class UserActivityCounts {
  /** Per window, a bit per event type index (EVENT_TYPES order). */
  private readonly masks: number[];
  private readonly countedMask: number;
  private readonly horizonMs: number;
  private readonly byUser = new Map<number, UserEvents>();

  constructor(readonly windows: readonly ActivityWindow[]) {
    windows.forEach((w, i) => {
      if (!(w.days > 0)) throw new Error(`activity[${i}].days: must be > 0, got ${w.days}`);
      for (const t of w.types) if (!EVENT_TYPES.includes(t)) throw new Error(`activity[${i}].types: unknown event type "${t}"`);
    });
    this.masks = windows.map((w) => w.types.reduce((m, t) => m | (1 << EVENT_TYPES.indexOf(t)), 0));
    this.countedMask = this.masks.reduce((m, x) => m | x, 0);
    this.horizonMs = Math.max(0, ...windows.map((w) => w.days)) * DAY_MS;
  }

  /** The event types any window counts. */
  get countedTypes(): EventTypeName[] {
    return EVENT_TYPES.filter((_, i) => (this.countedMask >> i) & 1);
  }

  /** Reads the counted events of the last `horizon` before `now` (up to event id `upToEventId`) in one query. */
  async load(db: CascadeDatabase, now: number, upToEventId: number): Promise<void> {
    const types = this.countedTypes;
    if (types.length === 0) return;
    const rows = await db.sql.query<{ user_id: number; type: string; ms: number | string }>(
      `SELECT user_id, type::text AS type, (extract(epoch from occurred_at) * 1000)::float8 AS ms
         FROM events WHERE type::text = ANY($1::text[]) AND occurred_at >= $2 AND id <= $3`,
      [types, new Date(now - this.horizonMs), upToEventId],
    );
    for (const r of rows) this.add(Number(r.user_id), r.type, Number(r.ms), now);
  }

  /** Counts one event (ignored unless a window counts its type); drops the user's events past the horizon. */
  add(userId: number, type: string, occurredAt: number, now: number): void {
    const t = EVENT_TYPES.indexOf(type as EventTypeName);
    if (t < 0 || !((this.countedMask >> t) & 1)) return;
    let events = this.byUser.get(userId);
    if (!events) {
      events = { times: [], types: [] };
      this.byUser.set(userId, events);
    }
    events.times.push(occurredAt);
    events.types.push(t);
    if (events.times.length % 64 === 0) this.prune(events, now);
  }

  private prune(events: UserEvents, now: number): void {
    const cut = now - this.horizonMs;
    let w = 0;
    for (let i = 0; i < events.times.length; i++) {
      if (events.times[i] < cut) continue;
      events.times[w] = events.times[i];
      events.types[w] = events.types[i];
      w++;
    }
    events.times.length = w;
    events.types.length = w;
  }

  /** The user's count per window name at `now`. */
  counts(userId: number, now: number): Record<string, number> {
    const result: Record<string, number> = {};
    const events = this.byUser.get(userId);
    this.windows.forEach((w, i) => {
      let n = 0;
      if (events) {
        const from = now - w.days * DAY_MS;
        const mask = this.masks[i];
        for (let j = 0; j < events.times.length; j++) {
          const at = events.times[j];
          if (at >= from && at < now && (mask >> events.types[j]) & 1) n++;
        }
      }
      result[w.name] = n;
    });
    return result;
  }
}
