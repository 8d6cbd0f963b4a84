// The generic `ctr-tsv` format of ../shared/peers/README.md: header `label<TAB>field…`, one row per example,
// `|`-separated multi-valued cells. Every column is a categorical field; vocabularies come from the train file.
import { readFileSync } from 'node:fs';
import { FeatureVocabularyBuilder } from './feature-encoder.js';
import type { EncodedRows, FeatureEncoder } from './feature-encoder.js';
import { parseFeatureSchema } from './schema.js';
import type { FeatureSchema } from './schema.js';

export interface CtrTsvData {
  /** Field names (the header without `label`). */
  readonly fields: string[];
  readonly labels: Float32Array;
  /** columns[f][r]: the raw cell text of field f in row r. */
  readonly columns: string[][];
}

/** Parses ctr-tsv text; `source` names the file in error messages. */
export function parseCtrTsv(text: string, source = 'ctr-tsv'): CtrTsvData {
  let end = text.indexOf('\n');
  if (end < 0) end = text.length;
  const header = text.slice(0, end).replace(/\r$/, '').split('\t');
  if (header[0] !== 'label') throw new Error(`${source}: the first header column must be "label", got "${header[0]}"`);
  if (header.length < 2) throw new Error(`${source}: the header needs at least one field after "label"`);
  const fields = header.slice(1);
  const columns: string[][] = fields.map(() => []);
  const labels: number[] = [];
  let pos = end + 1;
  let line = 1;
  while (pos < text.length) {
    let next = text.indexOf('\n', pos);
    if (next < 0) next = text.length;
    line++;
    let row = text.slice(pos, next);
    pos = next + 1;
    if (row.endsWith('\r')) row = row.slice(0, -1);
    if (row.length === 0) continue;
    const cells = row.split('\t');
    if (cells.length !== header.length) {
      throw new Error(`${source}: line ${line} has ${cells.length} columns, the header has ${header.length}`);
    }
    const label = cells[0];
    if (label !== '0' && label !== '1') throw new Error(`${source}: line ${line}: label must be 0 or 1, got "${label}"`);
    labels.push(label === '1' ? 1 : 0);
    for (let f = 0; f < fields.length; f++) columns[f].push(cells[f + 1]);
  }
  return { fields, labels: Float32Array.from(labels), columns };
}

export function readCtrTsv(path: string): CtrTsvData {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ctr-tsv file "${path}": ${(error as Error).message}`);
  }
  return parseCtrTsv(text, path);
}

/**
 * The schema the peer infers: a field is multi-valued when any train cell contains `|` (its width is the most
 * tokens in one cell), every field uses a vocabulary with `minCount`.
 */
export function inferCtrTsvSchema(train: CtrTsvData, options: { minCount?: number } = {}): FeatureSchema {
  const minCount = options.minCount ?? 1;
  if (!Number.isInteger(minCount) || minCount < 1) throw new Error(`minCount must be a positive integer, got ${minCount}`);
  return parseFeatureSchema({
    version: 1,
    fields: train.fields.map((name, f) => {
      let width = 1;
      for (const cell of train.columns[f]) {
        if (cell.includes('|')) width = Math.max(width, cell.split('|').length);
      }
      const encoding = { kind: 'vocabulary' as const, minCount };
      return width > 1
        ? { name, type: 'multi_categorical' as const, maxValues: width, encoding }
        : { name, type: 'categorical' as const, encoding };
    }),
  });
}

/** Builds the vocabularies of a ctr-tsv train file. */
export function fitCtrTsvEncoder(train: CtrTsvData, options: { minCount?: number } = {}): FeatureEncoder {
  const builder = new FeatureVocabularyBuilder(inferCtrTsvSchema(train, options));
  for (let f = 0; f < train.fields.length; f++) {
    for (const cell of train.columns[f]) builder.addValue(f, cell);
  }
  return builder.build();
}

/** Encodes a ctr-tsv file with a fitted encoder (the file's header must match the encoder's fields). */
export function encodeCtrTsv(encoder: FeatureEncoder, data: CtrTsvData): EncodedRows {
  const names = encoder.schema.fields.map((f) => f.name);
  if (names.length !== data.fields.length || names.some((n, i) => n !== data.fields[i])) {
    throw new Error(`ctr-tsv header (${data.fields.join(',')}) differs from the model's fields (${names.join(',')})`);
  }
  const n = data.labels.length;
  const ids = new Int32Array(n * encoder.slots);
  for (let f = 0; f < names.length; f++) {
    const column = data.columns[f];
    for (let r = 0; r < n; r++) encoder.encodeValue(f, column[r], ids, r * encoder.slots);
  }
  return { count: n, slots: encoder.slots, ids };
}
