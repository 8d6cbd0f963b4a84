// Bayesian Personalised Ranking (Rendle et al. 2009): SGD over (user, positive, sampled negative) triples
// with item biases, AdaGrad-style per-row step sizes (rows of rare items keep larger steps), typed arrays and
// no allocation in the sampling loop. Deterministic for a seed.
import { SeededRandom } from '@cascade/core';
import type { InteractionMatrix } from './interaction-matrix.js';
import { checkNonNegative, checkPositive, checkPositiveInt, type FactorModel } from './mf-model.js';

export interface BprOptions {
  factors?: number;
  learningRate?: number;
  regularization?: number;
  /** Passes over the positive interactions. */
  iterations?: number;
  /** Negatives sampled per positive. */
  negatives?: number;
  /** Per-row AdaGrad scaling of the learning rate. */
  adaptive?: boolean;
  seed?: number;
  onIteration?: (iteration: number) => void;
}

/** Tuned on a validation split of ML-100K's training part. */
export const DEFAULT_BPR_OPTIONS = {
  factors: 64,
  learningRate: 0.3,
  regularization: 0.01,
  iterations: 40,
  negatives: 1,
  adaptive: true,
  seed: 42,
};

function rowContains(idx: Int32Array, start: number, end: number, value: number): boolean {
  let lo = start;
  let hi = end - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = idx[mid];
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

export function trainBpr(matrix: InteractionMatrix, options: BprOptions = {}): FactorModel {
  const o = { ...DEFAULT_BPR_OPTIONS, ...options };
  checkPositiveInt(o.factors, 'factors');
  checkPositive(o.learningRate, 'learningRate');
  checkNonNegative(o.regularization, 'regularization');
  checkPositiveInt(o.iterations, 'iterations');
  checkPositiveInt(o.negatives, 'negatives');
  if (!Number.isInteger(o.seed)) throw new Error(`seed: must be an integer, got ${o.seed}`);
  const f = o.factors;
  const { ptr, idx } = matrix.byUser;
  const nUsers = matrix.byUser.rows;
  const nItems = matrix.byItem.rows;
  const nnz = idx.length;
  const rng = new SeededRandom(o.seed);
  const U = new Float32Array(nUsers * f);
  const V = new Float32Array(nItems * f);
  const scale = 1 / Math.sqrt(f);
  for (let k = 0; k < U.length; k++) U[k] = rng.normal() * 0.1 * scale;
  for (let k = 0; k < V.length; k++) V[k] = rng.normal() * 0.1 * scale;
  const bias = new Float32Array(nItems);
  const userG = new Float64Array(nUsers).fill(1);
  const itemG = new Float64Array(nItems).fill(1);
  // the user of each non-zero, for uniform sampling of positives
  const rowOf = new Int32Array(nnz);
  for (let u = 0; u < nUsers; u++) for (let k = ptr[u]; k < ptr[u + 1]; k++) rowOf[k] = u;
  const tmp = new Float64Array(f);
  const reg = o.regularization;
  if (nnz === 0 || nItems < 2) {
    return { factors: f, users: nUsers, items: nItems, userFactors: U, itemFactors: V, itemBias: bias };
  }
  for (let it = 0; it < o.iterations; it++) {
    const lr0 = o.learningRate;
    for (let s = 0; s < nnz; s++) {
      const k = rng.int(nnz);
      const u = rowOf[k];
      const i = idx[k];
      const rowStart = ptr[u];
      const rowEnd = ptr[u + 1];
      if (rowEnd - rowStart >= nItems) continue;
      const uo = u * f;
      const io = i * f;
      for (let n = 0; n < o.negatives; n++) {
        let j = rng.int(nItems);
        while (rowContains(idx, rowStart, rowEnd, j)) j = rng.int(nItems);
        const jo = j * f;
        let x = bias[i] - bias[j];
        for (let a = 0; a < f; a++) x += U[uo + a] * (V[io + a] - V[jo + a]);
        const g = 1 / (1 + Math.exp(x)); // sigmoid(-x)
        let lrU = lr0;
        let lrI = lr0;
        let lrJ = lr0;
        if (o.adaptive) {
          // AdaGrad on the gradient magnitude per row
          const gg = g * g;
          userG[u] += gg;
          itemG[i] += gg;
          itemG[j] += gg;
          lrU = lr0 / Math.sqrt(userG[u]);
          lrI = lr0 / Math.sqrt(itemG[i]);
          lrJ = lr0 / Math.sqrt(itemG[j]);
        }
        for (let a = 0; a < f; a++) {
          const uf = U[uo + a];
          const d = V[io + a] - V[jo + a];
          tmp[a] = uf;
          U[uo + a] = uf + lrU * (g * d - reg * uf);
        }
        for (let a = 0; a < f; a++) {
          const uf = tmp[a];
          V[io + a] += lrI * (g * uf - reg * V[io + a]);
          V[jo + a] += lrJ * (-g * uf - reg * V[jo + a]);
        }
        bias[i] += lrI * (g - reg * bias[i]);
        bias[j] += lrJ * (-g - reg * bias[j]);
      }
    }
    o.onIteration?.(it + 1);
  }
  return { factors: f, users: nUsers, items: nItems, userFactors: U, itemFactors: V, itemBias: bias };
}
