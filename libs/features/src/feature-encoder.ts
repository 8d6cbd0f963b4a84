// Turns raw feature values into embedding-row ids. One id space for all fields (the layout the peer uses):
// 0 = padding (unused slots of a multi-valued field), then per field: its OOV id, then its tokens or hash buckets.
import { hashString32 } from '@cascade/core';
import { fieldWidth, parseFeatureSchema } from './schema.js';
import type { FeatureField, FeatureSchema } from './schema.js';
import { bucketIndex, logBucket } from './numeric-transform.js';

export type RawFeatureValue = string | number | boolean | null | undefined | readonly (string | number)[];
export type RawFeatureRow = Readonly<Record<string, RawFeatureValue>>;

/** The token used for a missing value (the peers' converters write the same). */
export const MISSING_TOKEN = 'NA';

/** Encoded rows: `ids[r * slots + s]` is the embedding row of slot s of row r; `slotField[s]` is that slot's field. */
export interface EncodedRows {
  readonly count: number;
  readonly slots: number;
  readonly ids: Int32Array;
}

/** What a fitted encoder saves: the schema and, for vocabulary fields, the sorted kept tokens. */
export interface FeatureEncoderState {
  schema: FeatureSchema;
  vocabularies: (string[] | null)[];
}

/** Splits one raw value into the field's tokens (strings), applying the numeric transform. */
export function fieldTokens(field: FeatureField, value: RawFeatureValue): string[] {
  if (field.type === 'multi_categorical') {
    if (value === null || value === undefined) return [];
    if (Array.isArray(value)) return value.map((v) => String(v));
    return String(value).split('|');
  }
  if (Array.isArray(value)) throw new Error(`feature "${field.name}" is single-valued but got an array`);
  if (field.type === 'numeric') {
    if (value === null || value === undefined || value === '') return [MISSING_TOKEN];
    const x = typeof value === 'number' ? value : Number(value);
    if (!Number.isFinite(x)) return [MISSING_TOKEN];
    const t = field.transform;
    return [String(t.kind === 'log' ? logBucket(x) : bucketIndex(x, t.boundaries))];
  }
  if (value === null || value === undefined) return [MISSING_TOKEN];
  return [String(value)];
}

/** Counts tokens per field over training rows and builds the encoder (vocabularies sorted, as the peer does). */
export class FeatureVocabularyBuilder {
  readonly schema: FeatureSchema;
  private readonly counts: (Map<string, number> | null)[];

  constructor(schema: FeatureSchema) {
    this.schema = parseFeatureSchema(schema);
    this.counts = this.schema.fields.map((f) => (f.encoding.kind === 'vocabulary' ? new Map<string, number>() : null));
  }

  /** Counts one value of field `fieldIndex`. */
  addValue(fieldIndex: number, value: RawFeatureValue): void {
    const counts = this.counts[fieldIndex];
    if (!counts) return;
    const field = this.schema.fields[fieldIndex];
    const tokens = fieldTokens(field, value);
    const width = fieldWidth(field);
    for (let i = 0; i < tokens.length && i < width; i++) counts.set(tokens[i], (counts.get(tokens[i]) ?? 0) + 1);
  }

  addRow(row: RawFeatureRow): void {
    for (let f = 0; f < this.schema.fields.length; f++) this.addValue(f, row[this.schema.fields[f].name]);
  }

  build(): FeatureEncoder {
    const vocabularies = this.schema.fields.map((field, f) => {
      const counts = this.counts[f];
      if (!counts || field.encoding.kind !== 'vocabulary') return null;
      const minCount = field.encoding.minCount;
      const kept: string[] = [];
      for (const [token, c] of counts) if (c >= minCount) kept.push(token);
      return kept.sort();
    });
    return new FeatureEncoder({ schema: this.schema, vocabularies });
  }
}

/** A fitted encoder: field offsets, vocabularies and the slot layout. Shared by training and serving. */
export class FeatureEncoder {
  readonly schema: FeatureSchema;
  /** Embedding slots per encoded row. */
  readonly slots: number;
  /** Field index of each slot. */
  readonly slotField: Int32Array;
  /** First slot of each field. */
  readonly fieldSlotStart: Int32Array;
  /** OOV id of each field (its tokens follow). */
  readonly fieldOffset: Int32Array;
  /** Rows of the shared embedding tables (padding + all fields). */
  readonly vocabularySize: number;
  private readonly vocabularies: (string[] | null)[];
  private readonly lookups: (Map<string, number> | null)[];

  constructor(state: FeatureEncoderState) {
    this.schema = parseFeatureSchema(state.schema);
    const fields = this.schema.fields;
    if (!Array.isArray(state.vocabularies) || state.vocabularies.length !== fields.length) {
      throw new Error('FeatureEncoder: vocabularies must have one entry per schema field');
    }
    this.vocabularies = state.vocabularies.map((v) => (v ? [...v] : null));
    this.lookups = [];
    this.fieldOffset = new Int32Array(fields.length);
    this.fieldSlotStart = new Int32Array(fields.length);
    let offset = 1;
    let slots = 0;
    fields.forEach((field, f) => {
      const vocab = this.vocabularies[f];
      if (field.encoding.kind === 'vocabulary' && !vocab) throw new Error(`FeatureEncoder: field "${field.name}" needs a vocabulary`);
      this.fieldOffset[f] = offset;
      this.fieldSlotStart[f] = slots;
      if (field.encoding.kind === 'vocabulary' && vocab) {
        const lookup = new Map<string, number>();
        vocab.forEach((t, i) => lookup.set(t, offset + 1 + i));
        this.lookups.push(lookup);
        offset += vocab.length + 1;
      } else if (field.encoding.kind === 'hash') {
        this.lookups.push(null);
        offset += field.encoding.buckets + 1;
      }
      slots += fieldWidth(field);
    });
    this.vocabularySize = offset;
    this.slots = slots;
    this.slotField = new Int32Array(slots);
    fields.forEach((field, f) => this.slotField.fill(f, this.fieldSlotStart[f], this.fieldSlotStart[f] + fieldWidth(field)));
  }

  get fieldCount(): number {
    return this.schema.fields.length;
  }

  /** Number of ids a field owns (OOV + tokens or buckets). */
  fieldSize(fieldIndex: number): number {
    const field = this.schema.fields[fieldIndex];
    if (field.encoding.kind === 'hash') return field.encoding.buckets + 1;
    return (this.vocabularies[fieldIndex]?.length ?? 0) + 1;
  }

  /** Id of one token of a field (its OOV id when unknown). */
  tokenId(fieldIndex: number, token: string): number {
    const field = this.schema.fields[fieldIndex];
    const offset = this.fieldOffset[fieldIndex];
    if (field.encoding.kind === 'hash') {
      return offset + 1 + (hashString32(token, hashString32(field.name)) % field.encoding.buckets);
    }
    return this.lookups[fieldIndex]?.get(token) ?? offset;
  }

  /** Writes the ids of one field's value into out[at ...] (a multi-valued field's unused slots get 0 = padding). */
  encodeValue(fieldIndex: number, value: RawFeatureValue, out: Int32Array, at: number): void {
    const field = this.schema.fields[fieldIndex];
    if (field.type === 'categorical' && (typeof value === 'string' || typeof value === 'number')) {
      // The common serving case without the token array fieldTokens would build.
      out[at + this.fieldSlotStart[fieldIndex]] = this.tokenId(fieldIndex, typeof value === 'string' ? value : String(value));
      return;
    }
    const width = fieldWidth(field);
    const tokens = fieldTokens(field, value);
    const start = at + this.fieldSlotStart[fieldIndex];
    for (let i = 0; i < width; i++) out[start + i] = i < tokens.length ? this.tokenId(fieldIndex, tokens[i]) : 0;
  }

  /** Writes one row's ids into out[at ... at + slots). A field absent from the row is encoded as missing. */
  encodeRow(row: RawFeatureRow, out: Int32Array, at: number): void {
    const fields = this.schema.fields;
    for (let f = 0; f < fields.length; f++) this.encodeValue(f, row[fields[f].name], out, at);
  }

  encodeRows(rows: readonly RawFeatureRow[]): EncodedRows {
    const ids = new Int32Array(rows.length * this.slots);
    for (let r = 0; r < rows.length; r++) this.encodeRow(rows[r], ids, r * this.slots);
    return { count: rows.length, slots: this.slots, ids };
  }

  /**
   * The same encoder (vocabularies, ids) with `source` paths set for some fields, e.g. to serve a model trained
   * on a ctr-tsv file from user / item / context records through assembleFeatures.
   */
  withSources(sources: Readonly<Record<string, string>>): FeatureEncoder {
    const names = new Set(this.schema.fields.map((f) => f.name));
    for (const name of Object.keys(sources)) if (!names.has(name)) throw new Error(`withSources: no field named "${name}"`);
    const schema = { ...this.schema, fields: this.schema.fields.map((f) => (sources[f.name] ? { ...f, source: sources[f.name] } : f)) };
    return new FeatureEncoder({ schema, vocabularies: this.vocabularies });
  }

  toJSON(): FeatureEncoderState {
    return { schema: this.schema, vocabularies: this.vocabularies.map((v) => (v ? [...v] : null)) };
  }

  /** A short description of each field (name, multi-valued, ids incl. OOV, slots). */
  describeFields(): { name: string; multi: boolean; vocab: number; width: number }[] {
    return this.schema.fields.map((field, f) => ({
      name: field.name,
      multi: field.type === 'multi_categorical',
      vocab: this.fieldSize(f),
      width: fieldWidth(field),
    }));
  }
}
