// Ranker training examples straight from the events table, memory-bounded: every impression of a snapshot's
// training window becomes one compact row (user, item, time, activity counts, click label) in typed arrays;
// users and items are read once each into a cache. The feature rows are assembled only when encoding, one at
// a time through assembleFeatureRow (the serving path), straight into the encoded Int32Array: peak memory is
// the encoded rows, never millions of record objects.
import type { CascadeDatabase } from '@cascade/db';
import { EVENT_TYPES } from '@cascade/db';
import { assembleFeatureRow, type FeatureRecords, type ItemFeatures, type UserFeatures } from './assemble.js';
import { ClickLookup } from './click-lookup.js';
import type { ActivityWindow } from './database-features.js';
import { FeatureVocabularyBuilder, type EncodedRows, type FeatureEncoder } from './feature-encoder.js';
import type { FeatureSchema } from './schema.js';

export interface ImpressionExampleOptions {
  /** The snapshot: only events with an id up to this one (default: the largest id when loading starts). */
  maxEventId?: number;
  /** The training window: the latest N impressions (by event id) of the snapshot (default: all). */
  maxImpressions?: number;
  /** Recent-activity counts computed for each impression (`context.activity.<name>`). */
  activity?: readonly ActivityWindow[];
  /** Events read per query (default 50,000). */
  chunkSize?: number;
  /** Checked between chunks: when it returns true, loading stops with an Error whose message starts with "cancelled". */
  shouldStop?: () => boolean | Promise<boolean>;
}

/** One row per impression of the window, in event-id order. */
export interface ImpressionExamples {
  count: number;
  /** The snapshot bound that was applied. */
  maxEventId: number;
  eventIds: Float64Array;
  /** Internal ids (User.id, Item.id). */
  userIds: Int32Array;
  itemIds: Int32Array;
  /** Epoch ms. */
  times: Float64Array;
  /** 1 when the impression was clicked (same user, item and request). */
  labels: Float32Array;
  /** Per window: the user's counted events in [t − days, t) before each impression. */
  activity: { name: string; counts: Float32Array }[];
  users: Map<number, UserFeatures>;
  items: Map<number, ItemFeatures>;
}

function asAttributes(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') {
    try {
      return asAttributes(JSON.parse(value));
    } catch {
      return {};
    }
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** First index of sorted `a` whose value is >= x. */
function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const TIME_MS = `extract(epoch FROM occurred_at) * 1000`;
const SINCE_MS = (p: number) => `occurred_at >= to_timestamp($${p}::float8 / 1000.0) AT TIME ZONE 'UTC'`;

async function checkStop(shouldStop: ImpressionExampleOptions['shouldStop'], what: string): Promise<void> {
  if (shouldStop && (await shouldStop())) throw new Error(`cancelled while ${what}`);
}

/** Growable typed column. */
class Column<T extends Float64Array | Int32Array | Float32Array> {
  data: T;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  ensure(n: number): void {
    if (n <= this.data.length) return;
    const next = this.make(Math.max(n, this.data.length * 2));
    next.set(this.data);
    this.data = next;
  }
}

async function loadUsers(db: CascadeDatabase, ids: number[], into: Map<number, UserFeatures>): Promise<void> {
  const rows = await db.sql.queryArrays('SELECT id, external_id, attributes FROM users WHERE id = ANY($1::int[])', [ids]);
  for (const r of rows) into.set(Number(r[0]), { id: String(r[1]), attributes: asAttributes(r[2]) });
}

async function loadItems(db: CascadeDatabase, ids: number[], into: Map<number, ItemFeatures>): Promise<void> {
  const rows = await db.sql.queryArrays('SELECT id, external_id, categories, tags, attributes FROM items WHERE id = ANY($1::int[])', [ids]);
  for (const r of rows) {
    into.set(Number(r[0]), {
      id: String(r[1]),
      categories: Array.isArray(r[2]) ? (r[2] as string[]) : [],
      tags: Array.isArray(r[3]) ? (r[3] as string[]) : [],
      attributes: asAttributes(r[4]),
    });
  }
}

/**
 * Loads the impressions of the training window with their click labels and activity counts. Two streamed
 * passes: the window's clicks into a ClickLookup, then the window's impressions (and, from `days` before the
 * window, the events the activity windows count). A click labels an impression when it has the same user,
 * item and request (request ids compared by hash); clicks logged before the window's first impression are
 * not read.
 */
export async function loadImpressionExamples(db: CascadeDatabase, options: ImpressionExampleOptions = {}): Promise<ImpressionExamples> {
  const chunkSize = options.chunkSize ?? 50_000;
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new Error(`chunkSize: must be a positive integer, got ${chunkSize}`);
  if (options.maxEventId !== undefined && !(Number.isInteger(options.maxEventId) && options.maxEventId >= 0)) {
    throw new Error(`maxEventId: must be a non-negative integer, got ${options.maxEventId}`);
  }
  if (options.maxImpressions !== undefined && !(Number.isInteger(options.maxImpressions) && options.maxImpressions > 0)) {
    throw new Error(`maxImpressions: must be a positive integer, got ${options.maxImpressions}`);
  }
  const windows = options.activity ?? [];
  for (const w of windows) {
    if (!w.name) throw new Error('activity: window name is required');
    if (!(w.days > 0)) throw new Error(`activity: window "${w.name}": days must be > 0, got ${w.days}`);
    for (const t of w.types) if (!EVENT_TYPES.includes(t)) throw new Error(`activity: window "${w.name}": unknown event type "${t}"`);
  }

  // The snapshot bound, then the window: the latest maxImpressions impressions up to it.
  let maxEventId = options.maxEventId;
  if (maxEventId === undefined) {
    const rows = await db.sql.query<{ m: number | null }>('SELECT max(id)::float8 AS m FROM events');
    maxEventId = Number(rows[0]?.m ?? 0);
  }
  const limit = options.maxImpressions ? `LIMIT ${options.maxImpressions}` : '';
  const [bounds] = await db.sql.query<{ first_id: number | null; first_ms: number | null }>(
    `SELECT min(id)::float8 AS first_id, min(t) AS first_ms
       FROM (SELECT id, ${TIME_MS} AS t FROM events WHERE type = 'impression' AND id <= $1 ORDER BY id DESC ${limit}) w`,
    [maxEventId],
  );
  const users = new Map<number, UserFeatures>();
  const items = new Map<number, ItemFeatures>();
  const empty: ImpressionExamples = {
    count: 0,
    maxEventId,
    eventIds: new Float64Array(0),
    userIds: new Int32Array(0),
    itemIds: new Int32Array(0),
    times: new Float64Array(0),
    labels: new Float32Array(0),
    activity: windows.map((w) => ({ name: w.name, counts: new Float32Array(0) })),
    users,
    items,
  };
  if (bounds?.first_id === null || bounds?.first_id === undefined) return empty;
  const firstId = Number(bounds.first_id);
  const firstMs = Number(bounds.first_ms);

  // Pass 1: the clicks of the window.
  const clicks = new ClickLookup();
  {
    const params: unknown[] = [firstId - 1, maxEventId, chunkSize];
    for (;;) {
      const rows = await db.sql.queryArrays(
        `SELECT id::float8, user_id, item_id, hashtext(request_id), ${TIME_MS}
           FROM events WHERE id > $1 AND id <= $2 AND type = 'click' ORDER BY id LIMIT $3`,
        params,
      );
      for (const r of rows) clicks.add(Number(r[1]), Number(r[2]), r[3] === null ? null : Number(r[3]), Number(r[4]));
      if (rows.length < chunkSize) break;
      params[0] = Number(rows[rows.length - 1][0]);
      await checkStop(options.shouldStop, 'reading clicks');
    }
  }

  // Pass 2: the window's impressions, and the events the activity windows count from `days` before it.
  const counted = [...new Set(windows.flatMap((w) => w.types))];
  const historyStart = firstMs - Math.max(0, ...windows.map((w) => w.days)) * 86_400_000;
  const windowTypeMasks = windows.map((w) => w.types.map((t) => EVENT_TYPES.indexOf(t)));
  const history = windows.map(() => new Map<number, number[]>());
  const eventIds = new Column((n) => new Float64Array(n));
  const userIds = new Column((n) => new Int32Array(n));
  const itemIds = new Column((n) => new Int32Array(n));
  const times = new Column((n) => new Float64Array(n));
  const labels = new Column((n) => new Float32Array(n));
  const activity = windows.map(() => new Column((n) => new Float32Array(n)));
  const impression = EVENT_TYPES.indexOf('impression');
  let count = 0;
  const params: unknown[] = [counted.length > 0 ? 0 : firstId - 1, maxEventId, chunkSize, firstId, counted, historyStart];
  for (;;) {
    const rows = await db.sql.queryArrays(
      `SELECT id::float8, user_id, item_id, array_position(enum_range(NULL::"EventType"), type) - 1, ${TIME_MS}, hashtext(request_id)
         FROM events
        WHERE id > $1 AND id <= $2 AND ((type = 'impression' AND id >= $4) OR (type::text = ANY($5::text[]) AND ${SINCE_MS(6)}))
        ORDER BY id LIMIT $3`,
      params,
    );
    const missingUsers = new Set<number>();
    const missingItems = new Set<number>();
    for (const r of rows) {
      if (Number(r[3]) !== impression) continue;
      const u = Number(r[1]);
      const i = Number(r[2]);
      if (!users.has(u)) missingUsers.add(u);
      if (!items.has(i)) missingItems.add(i);
    }
    if (missingUsers.size > 0) await loadUsers(db, [...missingUsers], users);
    if (missingItems.size > 0) await loadItems(db, [...missingItems], items);
    const need = count + rows.length;
    for (const c of [eventIds, userIds, itemIds, times, labels, ...activity]) c.ensure(need);
    for (const r of rows) {
      const type = Number(r[3]);
      const user = Number(r[1]);
      const at = Number(r[4]);
      const id = Number(r[0]);
      if (type === impression && id >= firstId) {
        const item = Number(r[2]);
        if (!users.has(user) || !items.has(item)) throw new Error(`database: event ${id} refers to a missing user or item`);
        eventIds.data[count] = id;
        userIds.data[count] = user;
        itemIds.data[count] = item;
        times.data[count] = at;
        labels.data[count] = clicks.clicked(user, item, r[5] === null ? null : Number(r[5]), at) ? 1 : 0;
        for (let k = 0; k < windows.length; k++) {
          const past = history[k].get(user);
          activity[k].data[count] = past ? lowerBound(past, at) - lowerBound(past, at - windows[k].days * 86_400_000) : 0;
        }
        count++;
      }
      for (let k = 0; k < windows.length; k++) {
        if (!windowTypeMasks[k].includes(type)) continue;
        let past = history[k].get(user);
        if (!past) history[k].set(user, (past = []));
        past.splice(lowerBound(past, at + 0.5), 0, at);
        // Forget what no later event can count (events arriving far out of order lose those counts).
        if (past.length > 256) past.splice(0, lowerBound(past, past[past.length - 1] - windows[k].days * 86_400_000));
      }
    }
    if (rows.length < chunkSize) break;
    params[0] = Number(rows[rows.length - 1][0]);
    await checkStop(options.shouldStop, 'reading impressions');
  }
  return {
    count,
    maxEventId,
    eventIds: eventIds.data.slice(0, count),
    userIds: userIds.data.slice(0, count),
    itemIds: itemIds.data.slice(0, count),
    times: times.data.slice(0, count),
    labels: labels.data.slice(0, count),
    activity: windows.map((w, k) => ({ name: w.name, counts: activity[k].data.slice(0, count) })),
    users,
    items,
  };
}

/** Calls `fn` with the feature records of each listed example (one reused object: read it, do not keep it). */
function forEachRecords(examples: ImpressionExamples, rows: ArrayLike<number>, fn: (records: FeatureRecords, n: number) => void): void {
  const activity: Record<string, number> = {};
  const context = { timestamp: 0, activity };
  const records: FeatureRecords = { user: { id: '' }, item: { id: '' }, context };
  for (let n = 0; n < rows.length; n++) {
    const r = rows[n];
    if (!(r >= 0 && r < examples.count)) throw new Error(`rows: ${r} is not an example index (0..${examples.count - 1})`);
    records.user = examples.users.get(examples.userIds[r])!;
    records.item = examples.items.get(examples.itemIds[r])!;
    context.timestamp = examples.times[r];
    for (const a of examples.activity) activity[a.name] = a.counts[r];
    fn(records, n);
  }
}

/** Vocabularies from the listed examples only (the training part), as serving will see them. */
export function fitImpressionVocabulary(schema: FeatureSchema, examples: ImpressionExamples, rows: ArrayLike<number>): FeatureEncoder {
  const builder = new FeatureVocabularyBuilder(schema);
  forEachRecords(examples, rows, (records) => builder.addRow(assembleFeatureRow(builder.schema, records)));
  return builder.build();
}

/** The listed examples encoded by `encoder` (through assembleFeatureRow, as serving assembles) with their labels. */
export function encodeImpressionExamples(encoder: FeatureEncoder, examples: ImpressionExamples, rows: ArrayLike<number>): EncodedRows & { labels: Float32Array } {
  const slots = encoder.slots;
  const ids = new Int32Array(rows.length * slots);
  const labels = new Float32Array(rows.length);
  forEachRecords(examples, rows, (records, n) => {
    encoder.encodeRow(assembleFeatureRow(encoder.schema, records), ids, n * slots);
    labels[n] = examples.labels[rows[n]];
  });
  return { count: rows.length, slots, ids, labels };
}
