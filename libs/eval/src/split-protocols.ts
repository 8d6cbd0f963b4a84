// Offline evaluation protocols. Both return row indices into the caller's interaction table, so they work on
// any columnar layout (typed arrays from the database, parsed rating files).
import { SeededRandom } from '@cascade/core';

export interface RowSplit {
  train: Uint32Array;
  test: Uint32Array;
}

/** numpy's round (half to even), which python_stratified_split uses for the per-user cut. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function groupRowsByUser(users: ArrayLike<number>): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < users.length; i++) {
    const u = users[i];
    let rows = groups.get(u);
    if (!rows) {
      rows = [];
      groups.set(u, rows);
    }
    rows.push(i);
  }
  return groups;
}

/**
 * Per-user stratified random split, as Microsoft Recommenders' python_stratified_split: each user's rows are
 * shuffled and the first round(ratio × n) go to train, the rest to test. Users with fewer than `minRows` rows
 * go entirely to train. Deterministic for a seed (users are visited in order of first appearance).
 */
export function stratifiedSplit(
  users: ArrayLike<number>,
  options: { ratio?: number; seed?: number; minRows?: number } = {},
): RowSplit {
  const ratio = options.ratio ?? 0.75;
  const seed = options.seed ?? 42;
  const minRows = options.minRows ?? 1;
  if (!(ratio > 0 && ratio < 1)) throw new Error(`ratio: must be in (0, 1), got ${ratio}`);
  if (!Number.isInteger(seed)) throw new Error(`seed: must be an integer, got ${seed}`);
  if (!Number.isInteger(minRows) || minRows < 1) throw new Error(`minRows: must be a positive integer, got ${minRows}`);
  const rng = new SeededRandom(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const rows of groupRowsByUser(users).values()) {
    if (rows.length < minRows) {
      for (const r of rows) train.push(r);
      continue;
    }
    rng.shuffle(rows);
    const cut = roundHalfEven(ratio * rows.length);
    for (let i = 0; i < rows.length; i++) (i < cut ? train : test).push(rows[i]);
  }
  train.sort((a, b) => a - b);
  test.sort((a, b) => a - b);
  return { train: Uint32Array.from(train), test: Uint32Array.from(test) };
}

/**
 * Leave-last-out by time: each user's latest row (ties: the later row in the table) goes to test, the rest to
 * train. Users with fewer than `minRows` rows (default 2) stay entirely in train.
 */
export function leaveLastOutSplit(
  users: ArrayLike<number>,
  timestamps: ArrayLike<number>,
  options: { minRows?: number } = {},
): RowSplit {
  if (timestamps.length !== users.length) {
    throw new Error(`timestamps: length ${timestamps.length} differs from users length ${users.length}`);
  }
  const minRows = options.minRows ?? 2;
  if (!Number.isInteger(minRows) || minRows < 1) throw new Error(`minRows: must be a positive integer, got ${minRows}`);
  const isTest = new Uint8Array(users.length);
  for (const rows of groupRowsByUser(users).values()) {
    if (rows.length < minRows) continue;
    let last = rows[0];
    for (const r of rows) if (timestamps[r] >= timestamps[last]) last = r;
    isTest[last] = 1;
  }
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < users.length; i++) (isTest[i] ? test : train).push(i);
  return { train: Uint32Array.from(train), test: Uint32Array.from(test) };
}

/** Groups test rows into user → set of relevant items (the ground truth that evaluateTopK takes). */
export function relevantItemsByUser(
  users: ArrayLike<number>,
  items: ArrayLike<number>,
  rows: ArrayLike<number>,
): Map<number, Set<number>> {
  const result = new Map<number, Set<number>>();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const u = users[r];
    let set = result.get(u);
    if (!set) {
      set = new Set();
      result.set(u, set);
    }
    set.add(items[r]);
  }
  return result;
}
