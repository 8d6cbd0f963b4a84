// Implicit ALS (Hu, Koren & Volinsky 2008) with a conjugate-gradient solve per row; rows are shared out in
// chunks between the main thread and worker threads on shared memory when the matrix is large enough to pay.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { SeededRandom } from '@cascade/core';
import { alsHalfStep, computeGram, type AlsHalfStepInput } from './als-kernel.js';
import { bm25Weighted } from './bm25-weighting.js';
import type { CsrMatrix, InteractionMatrix } from './interaction-matrix.js';
import { checkNonNegative, checkPositiveInt, type FactorModel } from './mf-model.js';
import { startKernelWorker } from './worker-url.js';

export interface AlsOptions {
  factors?: number;
  regularization?: number;
  /** Confidence C = 1 + alpha · weight. */
  alpha?: number;
  iterations?: number;
  cgSteps?: number;
  seed?: number;
  /** Re-weight the matrix before training: 'bm25' (default) damps popular items and long rows; 'none' keeps it. */
  weighting?: 'bm25' | 'none';
  bm25K1?: number;
  bm25B?: number;
  /** Threads (main + workers); default 2 when the matrix has ≥ 50k non-zeros and ≥ 2 cores, else 1. */
  threads?: number;
  onIteration?: (iteration: number) => void;
}

/**
 * Tuned on a validation split carved from ML-100K's training part (ratings as weights): BM25 weighting, strong
 * L2 and a low alpha.
 */
export const DEFAULT_ALS_OPTIONS = {
  factors: 64,
  regularization: 40,
  alpha: 0.5,
  iterations: 10,
  cgSteps: 3,
  weighting: 'bm25' as 'bm25' | 'none',
  bm25K1: 100,
  bm25B: 0.8,
  seed: 42,
};

function sharedCopy<T extends Float32Array | Int32Array>(src: T, shared: boolean): T {
  if (!shared) return src;
  const buf = new SharedArrayBuffer(src.byteLength);
  const out = (src instanceof Float32Array ? new Float32Array(buf) : new Int32Array(buf)) as T;
  out.set(src);
  return out;
}

export async function trainImplicitAls(input: InteractionMatrix, options: AlsOptions = {}): Promise<FactorModel> {
  const o = { ...DEFAULT_ALS_OPTIONS, ...options };
  if (o.weighting !== 'bm25' && o.weighting !== 'none') throw new Error(`weighting: must be bm25 or none, got "${String(o.weighting)}"`);
  const matrix = o.weighting === 'bm25' ? bm25Weighted(input, o.bm25K1, o.bm25B) : input;
  checkPositiveInt(o.factors, 'factors');
  checkNonNegative(o.regularization, 'regularization');
  checkNonNegative(o.alpha, 'alpha');
  checkPositiveInt(o.iterations, 'iterations');
  checkPositiveInt(o.cgSteps, 'cgSteps');
  if (!Number.isInteger(o.seed)) throw new Error(`seed: must be an integer, got ${o.seed}`);
  const threads =
    options.threads ?? (matrix.nnz >= 50_000 && availableParallelism() >= 2 ? 2 : 1);
  checkPositiveInt(threads, 'threads');
  const f = o.factors;
  const nUsers = matrix.byUser.rows;
  const nItems = matrix.byItem.rows;
  const shared = threads > 1;
  const rng = new SeededRandom(o.seed);
  const init = (n: number): Float32Array => {
    const a = shared ? new Float32Array(new SharedArrayBuffer(n * f * 4)) : new Float32Array(n * f);
    for (let k = 0; k < a.length; k++) a[k] = rng.next() * 0.01;
    return a;
  };
  const userFactors = init(nUsers);
  const itemFactors = init(nItems);
  const sides = [matrix.byUser, matrix.byItem].map((m) => ({
    rows: m.rows,
    cols: m.cols,
    ptr: sharedCopy(m.ptr, shared),
    idx: sharedCopy(m.idx, shared),
    vals: sharedCopy(m.vals, shared),
  }));
  const workers: Worker[] = [];
  try {
    for (let t = 1; t < threads; t++) workers.push(startKernelWorker(alsHalfStep));
    const counter = new Int32Array(shared ? new SharedArrayBuffer(4) : new ArrayBuffer(4));
    const halfStep = async (x: Float32Array, y: Float32Array, m: CsrMatrix, yRows: number): Promise<void> => {
      const gram = computeGram(y, yRows, f, o.regularization);
      counter[0] = 0;
      const job: AlsHalfStepInput = {
        x,
        y,
        gram,
        ptr: m.ptr,
        idx: m.idx,
        vals: m.vals,
        factors: f,
        alpha: o.alpha,
        cgSteps: o.cgSteps,
        rowStart: 0,
        rowEnd: m.rows,
        counter,
        // small enough chunks that the threads finish together, large enough that the counter is not contended
        chunkRows: Math.max(8, Math.ceil(m.rows / (threads * 32))),
      };
      if (workers.length === 0) {
        alsHalfStep(job);
        return;
      }
      const sharedGram = new Float64Array(new SharedArrayBuffer(gram.byteLength));
      sharedGram.set(gram);
      job.gram = sharedGram;
      const pending = workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onError = (e: Error): void => reject(e);
            w.once('error', onError);
            w.once('message', () => {
              w.off('error', onError);
              resolve();
            });
            w.postMessage(job);
          }),
      );
      alsHalfStep(job);
      await Promise.all(pending);
    };
    for (let it = 0; it < o.iterations; it++) {
      await halfStep(userFactors, itemFactors, sides[0], nItems);
      await halfStep(itemFactors, userFactors, sides[1], nUsers);
      o.onIteration?.(it + 1);
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  // hand back plain (non-shared) arrays so that callers can transfer or save them freely
  return {
    factors: f,
    users: nUsers,
    items: nItems,
    userFactors: shared ? new Float32Array(userFactors) : userFactors,
    itemFactors: shared ? new Float32Array(itemFactors) : itemFactors,
  };
}
