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
import { asAttributes, lowerBound } from './row-values.js';

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

// Enum values compared with constants (cheap), not cast to text or looked up in enum_range per row.
const TYPE_INDEX = `CASE type ${EVENT_TYPES.map((t, i) => `WHEN '${t}' THEN ${i}`).join(' ')} END`;

/**
 * One chunk of events, newest first, as a single string_agg row: transferring one text value instead of
 * tens of thousands of rows is several times cheaper, above all in the embedded database.
 */
const CHUNK_QUERY = `SELECT count(*)::int, string_agg(i || ',' || u || ',' || it || ',' || ty || ',' || tm || ',' || coalesce(h::text, 'n'), ';' ORDER BY i DESC)
  FROM (SELECT id AS i, user_id AS u, item_id AS it, ${TYPE_INDEX} AS ty, (extract(epoch FROM occurred_at) * 1000)::int8 AS tm, hashtext(request_id) AS h
          FROM events WHERE id < $1 AND id <= $2 AND type = ANY($4::text[]::"EventType"[])
         ORDER BY events.id DESC LIMIT $3) x`;

/** Parsed columns of one chunk; `requests` is NaN where the event has no request id. */
interface EventChunk {
  length: number;
  ids: Float64Array;
  users: Int32Array;
  items: Int32Array;
  types: Int32Array;
  times: Float64Array;
  requests: Float64Array;
}

/** Parses CHUNK_QUERY's `id,user,item,type,ms,hash;…` text without allocating per value. */
function parseChunk(text: string, length: number): EventChunk {
  const chunk: EventChunk = {
    length,
    ids: new Float64Array(length),
    users: new Int32Array(length),
    items: new Int32Array(length),
    types: new Int32Array(length),
    times: new Float64Array(length),
    requests: new Float64Array(length),
  };
  if (length === 0) return chunk;
  const columns = [chunk.ids, chunk.users, chunk.items, chunk.types, chunk.times, chunk.requests];
  let row = 0;
  let field = 0;
  let value = 0;
  let negative = false;
  let missing = false;
  for (let p = 0; p <= text.length; p++) {
    const c = p < text.length ? text.charCodeAt(p) : 59;
    if (c >= 48 && c <= 57) value = value * 10 + (c - 48);
    else if (c === 45) negative = true;
    else if (c === 110) missing = true;
    else if (c === 44 || c === 59) {
      columns[field][row] = missing ? NaN : negative ? -value : value;
      value = 0;
      negative = false;
      missing = false;
      if (c === 44) field++;
      else {
        if (field !== 5) throw new Error(`database: malformed event chunk at row ${row}`);
        field = 0;
        row++;
      }
    } else throw new Error(`database: unexpected character in an event chunk at row ${row}`);
  }
  if (row !== length) throw new Error(`database: event chunk has ${row} rows, expected ${length}`);
  return chunk;
}

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

/** Distinct ids in batches, so one query never carries more than `size` parameters' worth of ids. */
async function loadInBatches(ids: Set<number>, size: number, load: (batch: number[]) => Promise<void>): Promise<void> {
  const all = [...ids];
  for (let s = 0; s < all.length; s += size) await load(all.slice(s, s + size));
}

/**
 * Loads the impressions of the training window with their click labels and activity counts in one walk down
 * the events' primary key from the snapshot bound: the window's impressions and clicks (into a ClickLookup)
 * until `maxImpressions` impressions are found, then, further down, only the events the activity windows count
 * until `days` (plus a day's slack) before the window's earliest impression. Labels and activity counts are
 * then computed in event-id order. A click labels an impression when it has the same user, item and request
 * (request ids compared by hash); clicks logged before the window's first impression are not read. The walk
 * assumes event ids roughly follow event time: counted events logged more than a day out of order, before
 * the window, may be missed by the activity counts.
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
  const maxImpressions = options.maxImpressions ?? Infinity;

  let maxEventId = options.maxEventId;
  if (maxEventId === undefined) {
    const rows = await db.sql.query<{ m: number | null }>('SELECT max(id)::float8 AS m FROM events');
    maxEventId = Number(rows[0]?.m ?? 0);
  }

  // The walk keeps, newest first: the window's impressions and every counted event back to the history start.
  const impression = EVENT_TYPES.indexOf('impression');
  const click = EVENT_TYPES.indexOf('click');
  const countedTypes = [...new Set(windows.flatMap((w) => w.types))];
  const isCounted = new Uint8Array(EVENT_TYPES.length);
  for (const t of countedTypes) isCounted[EVENT_TYPES.indexOf(t)] = 1;
  const maxDays = Math.max(0, ...windows.map((w) => w.days));
  const keptIds = new Column((n) => new Float64Array(n));
  const keptUsers = new Column((n) => new Int32Array(n));
  const keptItems = new Column((n) => new Int32Array(n));
  const keptTypes = new Column((n) => new Int32Array(n));
  const keptTimes = new Column((n) => new Float64Array(n));
  const keptRequests = new Column((n) => new Float64Array(n));
  let kept = 0;
  const clicks = new ClickLookup();
  let impressions = 0;
  let windowComplete = false;
  let earliestImpression = Infinity;
  let historyStart = -Infinity;
  const params: unknown[] = [maxEventId + 1, maxEventId, chunkSize, [...new Set(['impression', 'click', ...countedTypes])]];
  for (;;) {
    const [[rowCount, text]] = await db.sql.queryArrays(CHUNK_QUERY, params);
    const rows = parseChunk(typeof text === 'string' ? text : '', Number(rowCount));
    const n = rows.length;
    let newest = -Infinity;
    for (const c of [keptIds, keptUsers, keptItems, keptTypes, keptTimes, keptRequests]) c.ensure(kept + n);
    for (let r = 0; r < n; r++) {
      const type = rows.types[r];
      const at = rows.times[r];
      if (at > newest) newest = at;
      let keep = false;
      if (!windowComplete) {
        if (type === impression) {
          keep = true;
          if (at < earliestImpression) earliestImpression = at;
          if (++impressions >= maxImpressions) {
            windowComplete = true;
            historyStart = earliestImpression - maxDays * 86_400_000;
          }
        } else {
          if (type === click) clicks.add(rows.users[r], rows.items[r], Number.isNaN(rows.requests[r]) ? null : rows.requests[r], at);
          keep = isCounted[type] === 1;
        }
      } else {
        keep = isCounted[type] === 1 && at >= historyStart;
      }
      if (!keep) continue;
      keptIds.data[kept] = rows.ids[r];
      keptUsers.data[kept] = rows.users[r];
      keptItems.data[kept] = rows.items[r];
      keptTypes.data[kept] = type;
      keptTimes.data[kept] = at;
      keptRequests.data[kept] = rows.requests[r];
      kept++;
    }
    if (n < chunkSize) break;
    if (windowComplete) {
      if (countedTypes.length === 0) break;
      // Past the window only the counted events matter, until a whole chunk is older than the history start.
      params[3] = countedTypes;
      if (newest < historyStart - 86_400_000) break;
    }
    params[0] = rows.ids[n - 1];
    await checkStop(options.shouldStop, 'reading impressions');
  }
  if (!windowComplete) historyStart = earliestImpression - maxDays * 86_400_000;

  // Forward in event-id order: activity counts from the counted events seen so far, labels from the clicks.
  const count = impressions;
  const eventIds = new Float64Array(count);
  const userIds = new Int32Array(count);
  const itemIds = new Int32Array(count);
  const times = new Float64Array(count);
  const labels = new Float32Array(count);
  const activity = windows.map(() => new Float32Array(count));
  const windowTypes = windows.map((w) => w.types.map((t) => EVENT_TYPES.indexOf(t)));
  const history = windows.map(() => new Map<number, number[]>());
  const users = new Map<number, UserFeatures>();
  const items = new Map<number, ItemFeatures>();
  const wantedUsers = new Set<number>();
  const wantedItems = new Set<number>();
  let n = 0;
  for (let k = kept - 1; k >= 0; k--) {
    const type = keptTypes.data[k];
    const user = keptUsers.data[k];
    const at = keptTimes.data[k];
    if (type === impression) {
      const item = keptItems.data[k];
      const request = keptRequests.data[k];
      eventIds[n] = keptIds.data[k];
      userIds[n] = user;
      itemIds[n] = item;
      times[n] = at;
      labels[n] = clicks.clicked(user, item, Number.isNaN(request) ? null : request, at) ? 1 : 0;
      for (let w = 0; w < windows.length; w++) {
        const past = history[w].get(user);
        activity[w][n] = past ? lowerBound(past, at) - lowerBound(past, at - windows[w].days * 86_400_000) : 0;
      }
      wantedUsers.add(user);
      wantedItems.add(item);
      n++;
    }
    for (let w = 0; w < windows.length; w++) {
      if (!windowTypes[w].includes(type)) continue;
      let past = history[w].get(user);
      if (!past) history[w].set(user, (past = []));
      past.splice(lowerBound(past, at + 0.5), 0, at);
      // Forget what no later event can count (events arriving far out of order lose those counts).
      if (past.length > 256) past.splice(0, lowerBound(past, past[past.length - 1] - windows[w].days * 86_400_000));
    }
  }
  await loadInBatches(wantedUsers, 20_000, (batch) => loadUsers(db, batch, users));
  await loadInBatches(wantedItems, 20_000, (batch) => loadItems(db, batch, items));
  for (let i = 0; i < count; i++) {
    if (!users.has(userIds[i]) || !items.has(itemIds[i])) throw new Error(`database: event ${eventIds[i]} refers to a missing user or item`);
  }
  return {
    count,
    maxEventId,
    eventIds,
    userIds,
    itemIds,
    times,
    labels,
    activity: windows.map((w, k) => ({ name: w.name, counts: activity[k] })),
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

/** Counts the listed examples' tokens into `builder` (call it slice by slice to pause in between). */
export function addImpressionVocabulary(builder: FeatureVocabularyBuilder, examples: ImpressionExamples, rows: ArrayLike<number>): void {
  forEachRecords(examples, rows, (records) => builder.addRow(assembleFeatureRow(builder.schema, records)));
}

/** Vocabularies from the listed examples only (the training part), as serving will see them. */
export function fitImpressionVocabulary(schema: FeatureSchema, examples: ImpressionExamples, rows: ArrayLike<number>): FeatureEncoder {
  const builder = new FeatureVocabularyBuilder(schema);
  addImpressionVocabulary(builder, examples, rows);
  return builder.build();
}

/**
 * Encodes the listed examples (through assembleFeatureRow, as serving assembles) into `out` from row `at` on,
 * with their labels (call it slice by slice to pause in between).
 */
export function encodeImpressionExamplesInto(
  encoder: FeatureEncoder,
  examples: ImpressionExamples,
  rows: ArrayLike<number>,
  out: { ids: Int32Array; labels: Float32Array },
  at: number,
): void {
  const slots = encoder.slots;
  if (!(Number.isInteger(at) && at >= 0) || (at + rows.length) * slots > out.ids.length || at + rows.length > out.labels.length) {
    throw new Error(`at: ${rows.length} rows from row ${at} do not fit the output arrays`);
  }
  forEachRecords(examples, rows, (records, n) => {
    encoder.encodeRow(assembleFeatureRow(encoder.schema, records), out.ids, (at + n) * slots);
    out.labels[at + n] = examples.labels[rows[n]];
  });
}

/** The listed examples encoded by `encoder` (through assembleFeatureRow, as serving assembles) with their labels. */
export function encodeImpressionExamples(encoder: FeatureEncoder, examples: ImpressionExamples, rows: ArrayLike<number>): EncodedRows & { labels: Float32Array } {
  const out = { ids: new Int32Array(rows.length * encoder.slots), labels: new Float32Array(rows.length) };
  encodeImpressionExamplesInto(encoder, examples, rows, out, 0);
  return { count: rows.length, slots: encoder.slots, ...out };
}
