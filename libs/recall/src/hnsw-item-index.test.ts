import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '@cascade/core';
import { HnswItemIndex } from './hnsw-item-index.js';
import { loadNativeHnsw } from './native-hnsw-binding.js';

const dim = 8;
const n = 200;
const rng = new SeededRandom(11);
const vectors = Float32Array.from({ length: n * dim }, () => rng.normal());
const ids = Int32Array.from({ length: n }, (_, i) => 1000 + i);
const dir = mkdtempSync(path.join(tmpdir(), 'hnsw-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function exactTop(query: Float32Array, k: number, exclude: Set<number> = new Set()): number[] {
  const scored: [number, number][] = [];
  for (let r = 0; r < n; r++) {
    if (exclude.has(ids[r])) continue;
    let s = 0;
    for (let a = 0; a < dim; a++) s += query[a] * vectors[r * dim + a];
    scored.push([ids[r], s]);
  }
  return scored.sort((x, y) => y[1] - x[1]).slice(0, k).map((x) => x[0]);
}

describe('HnswItemIndex', () => {
  const index = HnswItemIndex.build(vectors, ids, { dim, M: 16, efConstruction: 200, ef: 200 });
  const queries = Array.from({ length: 20 }, () => Float32Array.from({ length: dim }, () => rng.normal()));

  it('returns the exact inner-product neighbours on a tiny set', () => {
    for (const q of queries) expect(Array.from(index.query(q, 10).ids)).toEqual(exactTop(q, 10));
    const r = index.query(queries[0], 1);
    let dot = 0;
    const row = r.ids[0] - 1000;
    for (let a = 0; a < dim; a++) dot += queries[0][a] * vectors[row * dim + a];
    expect(r.scores[0]).toBeCloseTo(dot, 4);
  });
  it('excludes filtered items', () => {
    const q = queries[1];
    const exclude = new Set(exactTop(q, 15));
    expect(Array.from(index.query(q, 10, { exclude }).ids)).toEqual(exactTop(q, 10, exclude));
  });
  it('falls back to the graph filter when the exclusions crowd out the top k', () => {
    const q = queries[3];
    const exclude = new Set(exactTop(q, 190));
    expect(Array.from(index.query(q, 5, { exclude }).ids)).toEqual(exactTop(q, 5, exclude));
    const big = new Set(Array.from(ids).slice(0, 150));
    expect(Array.from(index.query(q, 10, { exclude: big }).ids)).toEqual(exactTop(q, 10, big));
    // more exclusions than the widening cap (256): the filter-free search cannot return enough
    const m = 400;
    const many = Float32Array.from({ length: m * dim }, () => rng.normal());
    const local = HnswItemIndex.build(many, Int32Array.from({ length: m }, (_, i) => i), { dim, ef: 400 });
    const scores = Array.from({ length: m }, (_, r) => {
      let s = 0;
      for (let a = 0; a < dim; a++) s += q[a] * many[r * dim + a];
      return [r, s] as const;
    }).sort((x, y) => y[1] - x[1]);
    const seen = new Set(scores.slice(0, 300).map((x) => x[0]));
    expect(Array.from(local.query(q, 10, { exclude: seen }).ids)).toEqual(scores.slice(300, 310).map((x) => x[0]));
  });
  it('marks deleted items and brings them back on upsert', () => {
    const local = HnswItemIndex.build(vectors, ids, { dim, ef: 200 });
    const q = queries[2];
    const best = exactTop(q, 1)[0];
    expect(local.markDeleted(best)).toBe(true);
    expect(Array.from(local.query(q, 10).ids)).toEqual(exactTop(q, 10, new Set([best])));
    local.upsert(best, vectors.subarray((best - 1000) * dim, (best - 999) * dim));
    expect(local.query(q, 1).ids[0]).toBe(best);
  });
  it('adds and updates items without a rebuild, growing when full', () => {
    const local = HnswItemIndex.create({ dim, maxElements: 4 });
    for (let r = 0; r < 10; r++) local.upsert(ids[r], vectors.subarray(r * dim, (r + 1) * dim));
    expect(local.size).toBe(10);
    expect(local.capacity).toBeGreaterThanOrEqual(10);
    const target = Float32Array.from({ length: dim }, (_, a) => (a === 0 ? 100 : 0));
    local.upsert(ids[3], target);
    expect(local.size).toBe(10);
    expect(local.query(target, 1).ids[0]).toBe(ids[3]);
  });
  it('round-trips through save/load bit for bit', () => {
    const file = path.join(dir, 'items.hnsw');
    index.save(file);
    const loaded = HnswItemIndex.load(file);
    const file2 = path.join(dir, 'items2.hnsw');
    loaded.save(file2);
    expect(readFileSync(file2).equals(readFileSync(file))).toBe(true);
    expect(readFileSync(`${file2}.json`, 'utf8')).toBe(readFileSync(`${file}.json`, 'utf8'));
    for (const q of queries) {
      const a = index.query(q, 10);
      const b = loaded.query(q, 10);
      expect(Array.from(b.ids)).toEqual(Array.from(a.ids));
      expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
    }
  });
  it('validates input', () => {
    expect(() => index.query(new Float32Array(3), 5)).toThrow(/vector/);
    expect(() => index.query(queries[0], 0)).toThrow(/k/);
    expect(() => HnswItemIndex.create({ dim: 0 })).toThrow(/dim/);
    expect(() => HnswItemIndex.load(path.join(dir, 'missing'))).toThrow(/path/);
    expect(() => index.queryBatch(new Float32Array(dim + 1), 5)).toThrow(/queries/);
    expect(() => index.queryBatch(new Float32Array(dim), 0)).toThrow(/k/);
    expect(() => HnswItemIndex.create({ dim, engine: 'faiss' as 'auto' })).toThrow(/engine/);
  });
  it('reports its engine', () => {
    if (process.env.CASCADE_HNSW_ENGINE === 'hnswlib-node') expect(index.engine).toBe('hnswlib-node');
    else expect(index.engine).toMatch(/^(native-\w+|hnswlib-node)$/);
    expect(HnswItemIndex.create({ dim, engine: 'hnswlib-node' }).engine).toBe('hnswlib-node');
  });
  it('answers a batch of queries as one query each, -1 past the stored items', () => {
    const flat = new Float32Array(queries.length * dim);
    queries.forEach((q, j) => flat.set(q, j * dim));
    const batch = index.queryBatch(flat, 10);
    expect(batch.k).toBe(10);
    for (let j = 0; j < queries.length; j++) {
      const one = index.query(queries[j], 10);
      expect(Array.from(batch.ids.subarray(j * 10, j * 10 + 10))).toEqual(Array.from(one.ids));
      expect(Array.from(batch.scores.subarray(j * 10, j * 10 + 10))).toEqual(Array.from(one.scores));
    }
    const small = HnswItemIndex.build(vectors.subarray(0, 5 * dim), ids.subarray(0, 5), { dim });
    const few = small.queryBatch(flat.subarray(0, 2 * dim), 8);
    expect(Array.from(few.ids.subarray(5, 8))).toEqual([-1, -1, -1]);
    expect(few.scores[7]).toBe(-Infinity);
    expect(new Set(few.ids.subarray(8, 13))).toEqual(new Set(ids.subarray(0, 5)));
    expect(Array.from(HnswItemIndex.create({ dim }).queryBatch(flat.subarray(0, dim), 3).ids)).toEqual([-1, -1, -1]);
  });
});

// The native binding and the hnswlib-node addon run the same hnswlib code: a file written by one loads in the other.
describe.skipIf(loadNativeHnsw() === null)('HnswItemIndex across engines', () => {
  const queries = Array.from({ length: 20 }, () => Float32Array.from({ length: dim }, () => rng.normal()));
  const expectSameAnswers = (a: HnswItemIndex, b: HnswItemIndex): void => {
    for (const q of queries) {
      const x = a.query(q, 10);
      const y = b.query(q, 10);
      expect(Array.from(y.ids)).toEqual(Array.from(x.ids));
      // the native build sums the inner products with wider SIMD registers: the same value up to rounding
      for (let r = 0; r < x.scores.length; r++) expect(Math.abs(y.scores[r] - x.scores[r])).toBeLessThan(1e-5);
    }
  };
  it('loads a native index with hnswlib-node and back, bit for bit', () => {
    const native = HnswItemIndex.build(vectors, ids, { dim, ef: 200, engine: 'native' });
    expect(native.engine).toMatch(/^native-/);
    expect(native.markDeleted(ids[7])).toBe(true);
    const file = path.join(dir, 'native.hnsw');
    native.save(file);
    const addon = HnswItemIndex.load(file, { engine: 'hnswlib-node' });
    expect(addon.engine).toBe('hnswlib-node');
    expectSameAnswers(native, addon);
    const file2 = path.join(dir, 'native-via-addon.hnsw');
    addon.save(file2);
    expect(readFileSync(file2).equals(readFileSync(file))).toBe(true);
  });
  it('answers exactly as hnswlib-node on the same graph at a small ef (an approximate search)', () => {
    const m = 3000;
    const d = 16;
    const many = Float32Array.from({ length: m * d }, () => rng.normal());
    const native = HnswItemIndex.build(many, Int32Array.from({ length: m }, (_, i) => i), { dim: d, ef: 10, engine: 'native' });
    const file = path.join(dir, 'approx.hnsw');
    native.save(file);
    const addon = HnswItemIndex.load(file, { engine: 'hnswlib-node' });
    const qs = Float32Array.from({ length: 200 * d }, () => rng.normal());
    const a = native.queryBatch(qs, 10);
    const b = addon.queryBatch(qs, 10);
    expect(Array.from(a.ids)).toEqual(Array.from(b.ids));
    for (let i = 0; i < a.scores.length; i++) expect(Math.abs(a.scores[i] - b.scores[i])).toBeLessThan(1e-4);
    // with deleted points the native binding runs hnswlib's own search
    for (let i = 0; i < 50; i++) {
      native.markDeleted(i * 7);
      addon.markDeleted(i * 7);
    }
    expect(Array.from(native.queryBatch(qs, 10).ids)).toEqual(Array.from(addon.queryBatch(qs, 10).ids));
  });
  it('keeps its points when the native base layer moves to huge pages (create, resize, load)', () => {
    // 256-d: 2100 points make a base layer above the 4 MiB where the binding moves it to 2 MiB pages
    const d = 256;
    const m = 2100;
    const big = Float32Array.from({ length: m * d }, () => rng.normal());
    const local = HnswItemIndex.create({ dim: d, maxElements: 2000, efConstruction: 16, ef: 64, engine: 'native' });
    for (let r = 0; r < m; r++) local.upsert(r, big.subarray(r * d, (r + 1) * d));
    expect(local.capacity).toBe(4000);
    const file = path.join(dir, 'huge.hnsw');
    local.save(file);
    const loaded = HnswItemIndex.load(file, { engine: 'native' });
    for (const r of [0, 1999, 2000, 2099]) {
      const self = big.subarray(r * d, (r + 1) * d);
      let dot = 0;
      for (let a = 0; a < d; a++) dot += self[a] * self[a];
      for (const index of [local, loaded]) {
        const top = index.query(self, 1);
        expect(top.ids[0]).toBe(r);
        expect(top.scores[0]).toBeCloseTo(dot, 2);
      }
    }
  });
  it('loads an hnswlib-node index natively, bit for bit', () => {
    const addon = HnswItemIndex.build(vectors, ids, { dim, ef: 200, engine: 'hnswlib-node' });
    const file = path.join(dir, 'addon.hnsw');
    addon.save(file);
    const native = HnswItemIndex.load(file, { engine: 'native' });
    expectSameAnswers(addon, native);
    const seen = new Set(Array.from(ids).slice(0, 150));
    expect(Array.from(native.query(queries[0], 10, { exclude: seen }).ids)).toEqual(Array.from(addon.query(queries[0], 10, { exclude: seen }).ids));
    const file2 = path.join(dir, 'addon-via-native.hnsw');
    native.save(file2);
    expect(readFileSync(file2).equals(readFileSync(file))).toBe(true);
  });
});
