// Reads a ratings file into interaction columns: MovieLens u.data (tab), ratings.dat (::) or a CSV with a
// header (userId,movieId,rating,timestamp). Ids must be integers; timestamps are Unix seconds.
import { readFileSync } from 'node:fs';
import type { InteractionColumns } from './interaction-matrix.js';

export interface RatingsColumns extends InteractionColumns {
  userIds: Int32Array;
  itemIds: Int32Array;
  values: Float32Array;
  occurredAt: Float64Array;
}

export function parseRatings(text: string, source = 'ratings'): RatingsColumns {
  const lines = text.split(/\r?\n/);
  let first = 0;
  while (first < lines.length && lines[first].trim() === '') first++;
  const sample = lines[first] ?? '';
  const sep = sample.includes('::') ? '::' : sample.includes('\t') ? '\t' : ',';
  if (sep === ',' && !/^\s*-?\d/.test(sample)) first++; // CSV header
  const n = lines.length - first;
  const userIds = new Int32Array(n);
  const itemIds = new Int32Array(n);
  const values = new Float32Array(n);
  const occurredAt = new Float64Array(n);
  let length = 0;
  for (let l = first; l < lines.length; l++) {
    const line = lines[l];
    if (line.trim() === '') continue;
    const parts = line.split(sep);
    const u = Number(parts[0]);
    const i = Number(parts[1]);
    const r = parts.length > 2 ? Number(parts[2]) : 1;
    const t = parts.length > 3 ? Number(parts[3]) : 0;
    if (!Number.isInteger(u) || !Number.isInteger(i) || !Number.isFinite(r) || !Number.isFinite(t)) {
      throw new Error(`${source}: line ${l + 1} is not "user${sep}item${sep}rating${sep}timestamp": ${line.slice(0, 80)}`);
    }
    userIds[length] = u;
    itemIds[length] = i;
    values[length] = r;
    occurredAt[length] = t * 1000;
    length++;
  }
  return {
    length,
    userIds: userIds.slice(0, length),
    itemIds: itemIds.slice(0, length),
    values: values.slice(0, length),
    occurredAt: occurredAt.slice(0, length),
  };
}

export function readRatingsFile(path: string): RatingsColumns {
  return parseRatings(readFileSync(path, 'latin1'), path);
}

/** The rows `rows` of a ratings table (for train/test splits). */
export function selectRatingRows(c: RatingsColumns, rows: ArrayLike<number>): RatingsColumns {
  const n = rows.length;
  const out: RatingsColumns = {
    length: n,
    userIds: new Int32Array(n),
    itemIds: new Int32Array(n),
    values: new Float32Array(n),
    occurredAt: new Float64Array(n),
  };
  for (let k = 0; k < n; k++) {
    const r = rows[k];
    out.userIds[k] = c.userIds[r];
    out.itemIds[k] = c.itemIds[r];
    out.values[k] = c.values[r];
    out.occurredAt[k] = c.occurredAt[r];
  }
  // Event-typed rows (from the database) keep their types, so the event weights still apply to a split.
  if (c.types) {
    const types = new Uint8Array(n);
    for (let k = 0; k < n; k++) types[k] = c.types[rows[k]];
    out.types = types;
  }
  return out;
}
