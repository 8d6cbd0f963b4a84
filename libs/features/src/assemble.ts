// One code path from plain user / item / context records to encoded rows, used by training and serving alike,
// so a feature can never be computed differently online and offline.
import type { EncodedRows, FeatureEncoder, RawFeatureRow, RawFeatureValue } from './feature-encoder.js';
import { fieldWidth, type FeatureSchema } from './schema.js';

export interface UserFeatures {
  id: string | number;
  attributes?: Readonly<Record<string, unknown>>;
}

export interface ItemFeatures {
  id: string | number;
  categories?: readonly string[];
  tags?: readonly string[];
  attributes?: Readonly<Record<string, unknown>>;
}

export interface ContextFeatures {
  /** When the request happens (epoch ms or Date): gives `context.hour` (UTC hour) and `context.dayOfWeek`. */
  timestamp?: number | Date;
  /** Recent activity counts (e.g. the user's clicks in the last 7 days): `context.activity.<name>`. */
  activity?: Readonly<Record<string, number>>;
  /** Any other request values (placement, device, …): `context.<name>`. */
  values?: Readonly<Record<string, RawFeatureValue>>;
}

export interface FeatureRecords {
  user: UserFeatures;
  item: ItemFeatures;
  context?: ContextFeatures;
}

function toRawValue(value: unknown): RawFeatureValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'number' ? v : String(v)));
  return JSON.stringify(value);
}

function attribute(attributes: Readonly<Record<string, unknown>> | undefined, path: string[]): RawFeatureValue {
  let node: unknown = attributes;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return null;
    node = (node as Record<string, unknown>)[key];
  }
  return toRawValue(node);
}

function epochMs(t: number | Date): number {
  return t instanceof Date ? t.getTime() : t;
}

type SourceReader = (records: FeatureRecords) => RawFeatureValue;

/**
 * Compiles one source path into a reader: `user.id`, `user.attributes.<path>`, `item.id`, `item.categories`,
 * `item.tags`, `item.attributes.<path>`, `context.hour`, `context.dayOfWeek`, `context.activity.<name>`,
 * `context.<name>`. Throws for anything else.
 */
export function compileSource(source: string): SourceReader {
  const [scope, key, ...rest] = source.split('.');
  if (scope === 'user') {
    if (key === 'id' && rest.length === 0) return (r) => r.user.id;
    if (key === 'attributes' && rest.length > 0) return (r) => attribute(r.user.attributes, rest);
  } else if (scope === 'item') {
    if (rest.length === 0) {
      if (key === 'id') return (r) => r.item.id;
      if (key === 'categories') return (r) => r.item.categories ?? [];
      if (key === 'tags') return (r) => r.item.tags ?? [];
    }
    if (key === 'attributes' && rest.length > 0) return (r) => attribute(r.item.attributes, rest);
  } else if (scope === 'context' && key) {
    if ((key === 'hour' || key === 'dayOfWeek') && rest.length === 0) {
      return (r) => {
        const t = r.context?.timestamp;
        if (t === undefined) return null;
        const d = new Date(epochMs(t));
        return key === 'hour' ? d.getUTCHours() : d.getUTCDay();
      };
    }
    if (key === 'activity' && rest.length === 1) return (r) => r.context?.activity?.[rest[0]] ?? 0;
    if (rest.length === 0) return (r) => r.context?.values?.[key] ?? null;
  }
  throw new Error(`unknown feature source "${source}"`);
}

/** Reads one source path from the records (see compileSource for the paths). */
export function resolveSource(source: string, records: FeatureRecords): RawFeatureValue {
  return compileSource(source)(records);
}

// Readers compiled once per schema: serving assembles hundreds of candidates per request.
const compiledSchemas = new WeakMap<FeatureSchema, SourceReader[]>();

function readersFor(schema: FeatureSchema): SourceReader[] {
  let readers = compiledSchemas.get(schema);
  if (!readers) {
    readers = schema.fields.map((f) => compileSource(f.source ?? f.name));
    compiledSchemas.set(schema, readers);
  }
  return readers;
}

/** The raw row of one (user, item, context): each field read from its `source` (default: the field name as a path). */
export function assembleFeatureRow(schema: FeatureSchema, records: FeatureRecords): RawFeatureRow {
  const readers = readersFor(schema);
  const row: Record<string, RawFeatureValue> = {};
  for (let f = 0; f < readers.length; f++) row[schema.fields[f].name] = readers[f](records);
  return row;
}

/** Whether a field's value depends on the item alone (its source is an `item.*` path). */
function isItemField(source: string): boolean {
  return source.startsWith('item.');
}

/**
 * Encodes the candidates of one request (one user and context, many items) into rows ready for scoring.
 * The user and context fields are encoded once per request; with `itemCache`, each item's own fields are
 * encoded once and reused by later requests (serving scores the same catalogue items over and over).
 */
export function assembleFeatures(
  encoder: FeatureEncoder,
  request: { user: UserFeatures; context?: ContextFeatures },
  items: readonly ItemFeatures[],
  options: { itemCache?: EncodedItemCache } = {},
): EncodedRows {
  if (!request || !request.user) throw new Error('assembleFeatures: request.user is required');
  const cache = options.itemCache;
  if (cache && cache.encoder !== encoder) throw new Error('assembleFeatures: itemCache was made for another encoder');
  const readers = readersFor(encoder.schema);
  const slots = encoder.slots;
  const ids = new Int32Array(items.length * slots);
  if (items.length === 0) return { count: 0, slots, ids };
  const fields = encoder.schema.fields;
  const records: FeatureRecords = { user: request.user, item: items[0], context: request.context };
  // the request's own fields, once: slots of the item fields stay 0 here and are filled per item below
  const template = new Int32Array(slots);
  const itemFields: number[] = [];
  for (let f = 0; f < readers.length; f++) {
    if (isItemField(fields[f].source ?? fields[f].name)) itemFields.push(f);
    else encoder.encodeValue(f, readers[f](records), template, 0);
  }
  for (let i = 0; i < items.length; i++) {
    const at = i * slots;
    ids.set(template, at);
    const cached = cache?.get(items[i]);
    if (cached) {
      const positions = cache!.positions;
      for (let j = 0; j < positions.length; j++) ids[at + positions[j]] = cached[j];
      continue;
    }
    records.item = items[i];
    for (const f of itemFields) encoder.encodeValue(f, readers[f](records), ids, at);
    cache?.put(items[i], ids, at);
  }
  return { count: items.length, slots, ids };
}

/**
 * Memoised encodings of items' own fields (`item.*` sources) for one encoder, keyed by the item record's
 * identity: the records must not be mutated after they are first encoded (serving builds a fresh record
 * when an item changes). Entries go with their records (a WeakMap).
 */
export class EncodedItemCache {
  /** Slot positions (within a row) of the item fields, in the order the cached ids are stored. */
  readonly positions: Int32Array;
  private readonly rows = new WeakMap<ItemFeatures, Int32Array>();

  constructor(readonly encoder: FeatureEncoder) {
    const positions: number[] = [];
    encoder.schema.fields.forEach((field, f) => {
      if (!isItemField(field.source ?? field.name)) return;
      for (let s = 0; s < fieldWidth(field); s++) positions.push(encoder.fieldSlotStart[f] + s);
    });
    this.positions = Int32Array.from(positions);
  }

  get(item: ItemFeatures): Int32Array | undefined {
    return this.rows.get(item);
  }

  /** Stores the item-field slots of the row encoded at ids[at …]. */
  put(item: ItemFeatures, ids: Int32Array, at: number): void {
    const positions = this.positions;
    const row = new Int32Array(positions.length);
    for (let j = 0; j < positions.length; j++) row[j] = ids[at + positions[j]];
    this.rows.set(item, row);
  }
}

/** Encodes training examples (each with its own user, item and context) through the same path as serving. */
export function assembleTrainingRows(encoder: FeatureEncoder, examples: readonly FeatureRecords[]): EncodedRows {
  const ids = new Int32Array(examples.length * encoder.slots);
  for (let i = 0; i < examples.length; i++) {
    encoder.encodeRow(assembleFeatureRow(encoder.schema, examples[i]), ids, i * encoder.slots);
  }
  return { count: examples.length, slots: encoder.slots, ids };
}
