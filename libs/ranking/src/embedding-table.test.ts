import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@cascade/core';
import { DEFAULT_ADAM, DenseAdam, EmbeddingTable } from './embedding-table.js';
import { loadNativeKernels } from './native-kernels.js';

describe('EmbeddingTable lazy Adam', () => {
  it('updates only the given rows, with the Keras Adam step', () => {
    const table = new EmbeddingTable(5, 2);
    table.initNormal(new SeededRandom(1), 1);
    const before = table.exportColumns(0, 2);
    table.applyLazyAdam(Int32Array.from([3, 1]), 2, Float32Array.from([0.5, -2, 1, 0]), DEFAULT_ADAM, 1);
    const after = table.exportColumns(0, 2);
    // First step: m = 0.1 g, v = 0.001 g², alpha = lr·√0.001/0.1, so each moved coordinate moves by ~lr·sign(g).
    expect(after[6] - before[6]).toBeCloseTo(-0.001, 5);
    expect(after[7] - before[7]).toBeCloseTo(0.001, 5);
    expect(after[2] - before[2]).toBeCloseTo(-0.001, 5);
    expect(after[3]).toBe(before[3]); // zero gradient
    for (const r of [0, 2, 4]) expect([after[2 * r], after[2 * r + 1]]).toEqual([before[2 * r], before[2 * r + 1]]);
  });

  it.skipIf(!loadNativeKernels())('native kernels match the typed-array code', () => {
    const native = loadNativeKernels()!.kernels;
    const r = new SeededRandom(4);
    const a = new EmbeddingTable(50, 11);
    a.initNormal(r, 0.1);
    const b = new EmbeddingTable(50, 11);
    b.state.set(a.state);
    const rows = Int32Array.from([7, 3, 49, 0, 12]);
    for (let step = 1; step <= 5; step++) {
      const grads = Float32Array.from({ length: rows.length * 11 }, () => r.normal());
      a.applyLazyAdam(rows, rows.length, grads, DEFAULT_ADAM, step);
      b.applyLazyAdam(rows, rows.length, grads, DEFAULT_ADAM, step, (...args) => native.lazyAdam(...args));
    }
    for (let i = 0; i < a.state.length; i++) expect(b.state[i]).toBeCloseTo(a.state[i], 5);
    const x = Float32Array.from({ length: 40 }, () => r.normal());
    const y = Float32Array.from(x);
    const g = Float32Array.from({ length: 40 }, () => r.normal());
    const adamA = new DenseAdam(40);
    const adamB = new DenseAdam(40);
    for (let step = 0; step < 3; step++) {
      adamA.apply(x, g, DEFAULT_ADAM);
      adamB.apply(y, g, DEFAULT_ADAM, (...args) => native.adam(...args));
    }
    for (let i = 0; i < 40; i++) expect(y[i]).toBeCloseTo(x[i], 5);
  });
});
