// The shared embedding layer: per field a first-order weight w and a k-dim vector v, mean-pooled over the
// slots of multi-valued fields. Gather, pooling and the scatter of gradients run on typed arrays and touch only
// the rows of the batch.
import type { SeededRandom } from '@cascade/core';
import { EmbeddingTable } from './embedding-table.js';
import type { AdamSettings, LazyAdamKernel } from './embedding-table.js';

export class FieldEmbedding {
  readonly vocabularySize: number;
  readonly fieldCount: number;
  readonly slots: number;
  readonly dim: number;
  readonly slotField: Int32Array;
  /**
   * One table for both parameters of a row: column 0 is the first-order weight w (zeros initially), columns
   * 1..dim the field vector v (N(0, 0.01²) initially; absent for a purely linear model).
   */
  readonly table: EmbeddingTable;

  // Per-batch scratch (grown on demand, never per sample).
  private capacity = 0;
  /** Pooled vectors of the batch: batch × fields × dim. */
  pooled = new Float32Array(0);
  /** Σ_f pooled first-order weight per row of the batch. */
  linear = new Float32Array(0);
  private counts = new Float32Array(0);
  private slotLocal = new Int32Array(0);
  private uniqueRows = new Int32Array(0);
  private uniqueCount = 0;
  /** Open-addressing hash (row id → slot in uniqueRows) sized to the batch, not the vocabulary. */
  private hashKeys = new Int32Array(0);
  private hashValues = new Int32Array(0);
  private hashShift = 32;
  /** Optimiser steps taken (the lazy Adam bias correction uses this global count). */
  private steps = 0;
  /** Gradients of the touched rows, (1 + dim) per row in table column order. */
  private grads = new Float32Array(0);
  private batch = 0;
  private ids: Int32Array = new Int32Array(0);
  private idsStart = 0;

  constructor(options: { vocabularySize: number; slotField: Int32Array; fieldCount: number; dim: number; random?: SeededRandom; initStddev?: number }) {
    const { vocabularySize, slotField, fieldCount, dim } = options;
    if (!Number.isInteger(vocabularySize) || vocabularySize < 2) throw new Error(`vocabularySize must be an integer >= 2, got ${vocabularySize}`);
    if (!Number.isInteger(fieldCount) || fieldCount < 1) throw new Error(`fieldCount must be a positive integer, got ${fieldCount}`);
    if (!Number.isInteger(dim) || dim < 0) throw new Error(`embedding dim must be a non-negative integer, got ${dim}`);
    for (const f of slotField) if (f < 0 || f >= fieldCount) throw new Error(`slotField holds field ${f} outside 0..${fieldCount - 1}`);
    this.vocabularySize = vocabularySize;
    this.fieldCount = fieldCount;
    this.slots = slotField.length;
    this.slotField = Int32Array.from(slotField);
    this.dim = dim;
    this.table = new EmbeddingTable(vocabularySize, 1 + dim);
    if (dim > 0 && options.random) this.table.initNormal(options.random, options.initStddev ?? 0.01, 1, 1 + dim);
  }

  private ensureCapacity(batch: number): void {
    if (batch <= this.capacity) return;
    const { fieldCount: F, slots: S, dim: k } = this;
    this.capacity = batch;
    this.pooled = new Float32Array(batch * F * k);
    this.linear = new Float32Array(batch);
    this.counts = new Float32Array(batch * F);
    this.slotLocal = new Int32Array(batch * S);
    this.uniqueRows = new Int32Array(batch * S);
    let size = 16;
    while (size < 2 * batch * S) size *= 2;
    this.hashKeys = new Int32Array(size);
    this.hashValues = new Int32Array(size);
    this.hashShift = 32 - Math.log2(size);
    this.grads = new Float32Array(batch * S * (1 + k));
  }

  /** Looks up rows `start .. start + batch` of `ids` (row-major, `slots` ids per row) and pools them per field. */
  forward(ids: Int32Array, start: number, batch: number): void {
    const { fieldCount: F, slots: S, dim: k, slotField, vocabularySize } = this;
    this.ensureCapacity(batch);
    this.batch = batch;
    this.ids = ids;
    this.idsStart = start;
    const { pooled, linear, counts } = this;
    const state = this.table.state;
    const stride = this.table.stride;
    counts.fill(0, 0, batch * F);
    pooled.fill(0, 0, batch * F * k);
    for (let b = 0; b < batch; b++) {
      const base = (start + b) * S;
      for (let s = 0; s < S; s++) {
        const id = ids[base + s];
        if (id === 0) continue;
        if (id < 0 || id >= vocabularySize) throw new Error(`feature id ${id} is outside the vocabulary (0..${vocabularySize - 1})`);
        counts[b * F + slotField[s]] += 1;
      }
      let lin = 0;
      for (let s = 0; s < S; s++) {
        const id = ids[base + s];
        if (id === 0) continue;
        const f = slotField[s];
        const inv = 1 / counts[b * F + f];
        const src = id * stride;
        lin += state[src] * inv;
        const dst = (b * F + f) * k;
        for (let d = 0; d < k; d++) pooled[dst + d] += state[src + 1 + d] * inv;
      }
      linear[b] = lin;
    }
  }

  /**
   * Accumulates gradients for the rows of the last forward batch: `dLogit[b]` is ∂loss/∂logit of row b (the
   * first-order term's gradient), `dPooled` ∂loss/∂pooled (null for LR). `l2` adds l2 × Σ(w² + v²) / batch over
   * the looked-up slots, as the peer's --l2-emb.
   */
  backward(dLogit: Float32Array, dPooled: Float32Array | null, l2: number): void {
    const { fieldCount: F, slots: S, dim: k, slotField, batch, ids, idsStart, counts, slotLocal, uniqueRows, hashKeys, hashValues, hashShift } = this;
    // Unique rows through a small open-addressing hash: no vocabulary-sized scratch (whose random accesses
    // would make a step slower on a larger vocabulary), rows numbered in order of first appearance.
    const n = batch * S;
    const mask = hashKeys.length - 1;
    hashKeys.fill(0);
    let u = 0;
    for (let i = 0; i < n; i++) {
      const id = ids[idsStart * S + i];
      if (id === 0) {
        slotLocal[i] = -1;
        continue;
      }
      let h = Math.imul(id, 0x9e3779b1) >>> hashShift;
      while (hashKeys[h] !== 0 && hashKeys[h] !== id) h = (h + 1) & mask;
      if (hashKeys[h] === 0) {
        hashKeys[h] = id;
        hashValues[h] = u;
        uniqueRows[u++] = id;
      }
      slotLocal[i] = hashValues[h];
    }
    this.uniqueCount = u;
    const { grads } = this;
    const width = 1 + k;
    grads.fill(0, 0, u * width);
    const l2Scale = (2 * l2) / batch;
    const state = this.table.state;
    const stride = this.table.stride;
    for (let b = 0; b < batch; b++) {
      const g = dLogit[b];
      for (let s = 0; s < S; s++) {
        const local = slotLocal[b * S + s];
        if (local < 0) continue;
        const f = slotField[s];
        const inv = 1 / counts[b * F + f];
        const id = uniqueRows[local];
        const dst = local * width;
        grads[dst] += g * inv;
        if (dPooled) {
          const src = (b * F + f) * k;
          for (let d = 0; d < k; d++) grads[dst + 1 + d] += dPooled[src + d] * inv;
        }
        if (l2Scale > 0) {
          const p = id * stride;
          for (let d = 0; d < width; d++) grads[dst + d] += l2Scale * state[p + d];
        }
      }
    }
  }

  /** The rows touched by the last backward pass and their gradients (for tests and diagnostics). */
  gradients(): { rows: Int32Array; grads: Float32Array } {
    const u = this.uniqueCount;
    return { rows: this.uniqueRows.slice(0, u), grads: this.grads.slice(0, u * (1 + this.dim)) };
  }

  /** Lazy Adam on the rows of the last backward pass only. */
  applyAdam(adam: AdamSettings, kernel?: LazyAdamKernel): void {
    this.steps++;
    this.table.applyLazyAdam(this.uniqueRows, this.uniqueCount, this.grads, adam, this.steps, kernel);
  }

  /** First-order weights of all rows (a copy). */
  exportFirstOrder(): Float32Array {
    return this.table.exportColumns(0, 1);
  }

  /** Field vectors of all rows, rows × dim (a copy); null for a linear model. */
  exportVectors(): Float32Array | null {
    return this.dim > 0 ? this.table.exportColumns(1, 1 + this.dim) : null;
  }

  importFirstOrder(values: Float32Array): void {
    this.table.importColumns(0, 1, values);
  }

  importVectors(values: Float32Array): void {
    if (this.dim === 0) throw new Error('importVectors: this embedding has no vectors');
    this.table.importColumns(1, 1 + this.dim, values);
  }
}
