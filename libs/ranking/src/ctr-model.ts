// A CTR model composed from the shared layers: field embedding (first-order weights + vectors), the FM term
// and the DNN. logit = b + Σ_f w_f [+ FM(v)] [+ DNN(concat_f v_f)]; p = sigmoid(logit); loss = binary cross-entropy.
import { SeededRandom } from '@cascade/core';
import { DEFAULT_ADAM, DenseAdam } from './embedding-table.js';
import type { AdamSettings, LazyAdamKernel } from './embedding-table.js';
import { loadNativeKernels } from './native-kernels.js';
import { FieldEmbedding } from './field-embedding.js';
import { fmBackward, fmForward } from './fm-layer.js';
import { DnnLayer } from './dnn-layer.js';
import type { DnnEngine } from './dnn-layer.js';
import type { DnnPrecision } from './dnn-precision.js';

export type CtrModelKind = 'lr' | 'fm' | 'deepfm';

/** Which shared layers a model kind uses. */
export interface CtrModelSpec {
  kind: CtrModelKind;
  vectors: boolean;
  fm: boolean;
  dnn: boolean;
}

export interface CtrHyperparameters {
  embedDim: number;
  hidden: number[];
  dropout: number;
  /** L2 on the looked-up embedding rows (w and v): l2 × Σ squares / batch size. */
  l2Embedding: number;
  learningRate: number;
  seed: number;
}

export const DEFAULT_HYPERPARAMETERS: CtrHyperparameters = {
  embedDim: 10,
  hidden: [400, 400, 400],
  dropout: 0,
  l2Embedding: 0,
  learningRate: 0.001,
  seed: 42,
};

/** The id layout a model is built for (from a FeatureEncoder). */
export interface CtrLayout {
  vocabularySize: number;
  slotField: Int32Array;
  fieldCount: number;
}

/** All parameters by name: `bias`, `w`, `v`, `dnn.<i>.kernel`, `dnn.<i>.bias`. */
export type CtrWeights = Record<string, Float32Array>;

export function validateHyperparameters(h: CtrHyperparameters): void {
  if (!Number.isInteger(h.embedDim) || h.embedDim <= 0) throw new Error(`embedDim must be a positive integer, got ${h.embedDim}`);
  if (!Array.isArray(h.hidden) || h.hidden.some((x) => !Number.isInteger(x) || x <= 0)) throw new Error(`hidden must be positive integers, got ${String(h.hidden)}`);
  if (!(h.dropout >= 0 && h.dropout < 1)) throw new Error(`dropout must be in [0, 1), got ${h.dropout}`);
  if (!(h.l2Embedding >= 0)) throw new Error(`l2Embedding must be >= 0, got ${h.l2Embedding}`);
  if (!(h.learningRate > 0)) throw new Error(`learningRate must be > 0, got ${h.learningRate}`);
  if (!Number.isInteger(h.seed)) throw new Error(`seed must be an integer, got ${h.seed}`);
}

export class CtrModel {
  readonly spec: CtrModelSpec;
  readonly hyperparameters: CtrHyperparameters;
  readonly layout: CtrLayout;
  readonly embedding: FieldEmbedding;
  readonly dnn: DnnLayer | null;
  readonly bias = new Float32Array(1);
  private readonly engine: DnnEngine | null;
  private readonly adam: AdamSettings;
  private readonly biasAdam = new DenseAdam(1);
  private readonly biasGrad = new Float32Array(1);
  /** The native row-wise Adam when the native kernels load (unless CASCADE_DNN_ENGINE=tfjs); else typed-array code. */
  private readonly lazyAdamKernel: LazyAdamKernel | undefined;
  private capacity = 0;
  /** Free DNN input buffers of predictAsync (see takeInferenceInput). */
  private freeInputs: Float32Array[] = [];
  private logits = new Float32Array(0);
  private scratch = new Float32Array(0);
  private dLogit = new Float32Array(0);
  private dPooled = new Float32Array(0);

  constructor(spec: CtrModelSpec, layout: CtrLayout, hyperparameters: CtrHyperparameters, engine: DnnEngine | null, weights?: CtrWeights) {
    validateHyperparameters(hyperparameters);
    if (spec.dnn && !engine) throw new Error(`model "${spec.kind}" needs a DnnEngine`);
    this.spec = spec;
    this.hyperparameters = { ...hyperparameters, hidden: [...hyperparameters.hidden] };
    this.layout = layout;
    this.engine = spec.dnn ? engine : null;
    this.adam = { ...DEFAULT_ADAM, learningRate: hyperparameters.learningRate };
    const native = loadNativeKernels();
    this.lazyAdamKernel = native ? (...args) => native.kernels.lazyAdam(...args) : undefined;
    const dim = spec.vectors ? hyperparameters.embedDim : 0;
    this.embedding = new FieldEmbedding({
      vocabularySize: layout.vocabularySize,
      slotField: layout.slotField,
      fieldCount: layout.fieldCount,
      dim,
      random: weights ? undefined : new SeededRandom(hyperparameters.seed),
    });
    this.dnn = spec.dnn
      ? new DnnLayer({
          input: layout.fieldCount * dim,
          hidden: hyperparameters.hidden,
          dropout: hyperparameters.dropout,
          seed: hyperparameters.seed,
          weights: weights ? hyperparameters.hidden.concat(1).map((_, i) => need(weights, `dnn.${i}.kernel`)) : undefined,
          biases: weights ? hyperparameters.hidden.concat(1).map((_, i) => need(weights, `dnn.${i}.bias`)) : undefined,
        })
      : null;
    if (weights) {
      this.importWeights(weights);
    }
  }

  get kind(): CtrModelKind {
    return this.spec.kind;
  }

  get parameterCount(): number {
    return 1 + this.layout.vocabularySize * (1 + this.embedding.dim) + (this.dnn?.parameterCount ?? 0);
  }

  get engineName(): string {
    return this.engine?.name ?? 'typed-arrays';
  }

  /** Precision of predictAsync's DNN (fp32 without a DNN or on TensorFlow.js); training is always fp32. */
  get inferencePrecision(): DnnPrecision {
    return this.engine?.inferencePrecision ?? 'fp32';
  }

  /** Packs the DNN's parameters for inference now rather than on the first predictAsync (cheap; idempotent). */
  prepareInference(): void {
    if (this.dnn && this.engine?.prepareInference) this.engine.prepareInference(this.dnn);
  }

  private ensureCapacity(batch: number): void {
    if (batch <= this.capacity) return;
    this.capacity = batch;
    this.logits = new Float32Array(batch);
    this.scratch = new Float32Array(batch);
    this.dLogit = new Float32Array(batch);
    this.dPooled = new Float32Array(batch * this.layout.fieldCount * this.embedding.dim);
  }

  /** Logits of rows start..start+batch of `ids` into the returned view (valid until the next call). */
  private forward(ids: Int32Array, start: number, batch: number, training: boolean): Float32Array {
    this.ensureCapacity(batch);
    const { embedding, logits, scratch } = this;
    embedding.forward(ids, start, batch);
    const F = this.layout.fieldCount;
    const k = embedding.dim;
    const b0 = this.bias[0];
    for (let b = 0; b < batch; b++) logits[b] = b0 + embedding.linear[b];
    if (this.spec.fm) {
      fmForward(embedding.pooled, batch, F, k, scratch);
      for (let b = 0; b < batch; b++) logits[b] += scratch[b];
    }
    if (this.dnn && this.engine) {
      this.engine.forward(this.dnn, embedding.pooled, batch, training, scratch);
      for (let b = 0; b < batch; b++) logits[b] += scratch[b];
    }
    return logits;
  }

  /**
   * Forward and backward on rows start..start+batch (labels indexed the same way): fills the gradients of the
   * touched embedding rows, the DNN and the bias, and returns the mean binary cross-entropy. Applies nothing.
   */
  computeGradients(ids: Int32Array, labels: Float32Array, start: number, batch: number): number {
    if (batch <= 0) throw new Error(`batch must be positive, got ${batch}`);
    const logits = this.forward(ids, start, batch, true);
    const { dLogit, embedding } = this;
    let loss = 0;
    let biasGrad = 0;
    for (let b = 0; b < batch; b++) {
      const z = logits[b];
      const y = labels[start + b];
      loss += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
      const p = 1 / (1 + Math.exp(-z));
      const g = (p - y) / batch;
      dLogit[b] = g;
      biasGrad += g;
    }
    this.biasGrad[0] = biasGrad;
    let dPooled: Float32Array | null = null;
    if (this.spec.vectors) {
      dPooled = this.dPooled;
      const n = batch * this.layout.fieldCount * embedding.dim;
      if (this.dnn && this.engine) this.engine.backward(this.dnn, dLogit, dPooled);
      else dPooled.fill(0, 0, n);
      if (this.spec.fm) fmBackward(embedding.pooled, dLogit, batch, this.layout.fieldCount, embedding.dim, dPooled);
    }
    embedding.backward(dLogit, dPooled, this.hyperparameters.l2Embedding);
    return loss / batch;
  }

  /** One Adam step from the gradients of the last computeGradients. */
  applyGradients(): void {
    this.biasAdam.apply(this.bias, this.biasGrad, this.adam);
    this.embedding.applyAdam(this.adam, this.lazyAdamKernel);
    this.dnn?.applyAdam(this.adam, this.engine?.adamKernel);
  }

  /** One training step on a mini-batch; returns its mean loss. */
  trainBatch(ids: Int32Array, labels: Float32Array, start: number, batch: number): number {
    const loss = this.computeGradients(ids, labels, start, batch);
    this.applyGradients();
    return loss;
  }

  /** The last computed bias gradient (tests). */
  get biasGradient(): number {
    return this.biasGrad[0];
  }

  /** Mean loss of rows start..start+batch without touching gradients (tests). */
  loss(ids: Int32Array, labels: Float32Array, start: number, batch: number): number {
    const logits = this.forward(ids, start, batch, false);
    let loss = 0;
    for (let b = 0; b < batch; b++) {
      const z = logits[b];
      const y = labels[start + b];
      loss += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    }
    return loss / batch;
  }

  /** pCTR of `count` encoded rows (`slots` ids each), in chunks of `batchSize`. */
  predict(ids: Int32Array, count: number, batchSize = 8192, out = new Float32Array(count)): Float32Array {
    if (ids.length < count * this.layout.slotField.length) throw new Error(`ids must hold count × slots = ${count * this.layout.slotField.length} values`);
    for (let start = 0; start < count; start += batchSize) {
      const batch = Math.min(batchSize, count - start);
      const logits = this.forward(ids, start, batch, false);
      for (let b = 0; b < batch; b++) out[start + b] = 1 / (1 + Math.exp(-logits[b]));
    }
    return out;
  }

  /**
   * pCTR of `count` encoded rows with the DNN run off the event loop (native engine: on the libuv thread pool, in
   * the engine's inference precision). The embedding lookup and the FM term run here, synchronously; every call
   * has its own buffers, so several may be pending at once. Without a native DNN it is predict() resolved.
   */
  async predictAsync(ids: Int32Array, count: number, batchSize = 8192): Promise<Float32Array> {
    if (!Number.isInteger(count) || count < 0) throw new Error(`count must be a non-negative integer, got ${count}`);
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    if (ids.length < count * this.layout.slotField.length) throw new Error(`ids must hold count × slots = ${count * this.layout.slotField.length} values`);
    const out = new Float32Array(count);
    const { dnn, engine, embedding } = this;
    if (!dnn || !engine?.inferAsync) return this.predict(ids, count, batchSize, out);
    const F = this.layout.fieldCount;
    const k = embedding.dim;
    const b0 = this.bias[0];
    const pending: Promise<void>[] = [];
    for (let start = 0; start < count; start += batchSize) {
      const batch = Math.min(batchSize, count - start);
      embedding.forward(ids, start, batch);
      // the shared pooled buffer is overwritten by the next call: the DNN gets a copy of its own, from a small
      // free list (serving would otherwise allocate a fresh ~240 KB input per request)
      const x = this.takeInferenceInput(batch * F * k);
      x.set(embedding.pooled.subarray(0, batch * F * k));
      const fm = new Float32Array(batch);
      if (this.spec.fm) fmForward(x, batch, F, k, fm);
      for (let b = 0; b < batch; b++) out[start + b] = b0 + embedding.linear[b] + fm[b];
      const deep = fm; // reused as the DNN's output: the FM term is already summed in
      const first = start;
      pending.push(
        engine
          .inferAsync(dnn, x, batch, deep)
          .then(() => {
            for (let b = 0; b < batch; b++) out[first + b] = 1 / (1 + Math.exp(-(out[first + b] + deep[b])));
          })
          .finally(() => this.returnInferenceInput(x)),
      );
    }
    await Promise.all(pending);
    return out;
  }

  /** A buffer of at least `length` floats for predictAsync's DNN input (reused once its forward has finished). */
  private takeInferenceInput(length: number): Float32Array {
    const free = this.freeInputs;
    for (let i = free.length - 1; i >= 0; i--) {
      if (free[i].length >= length) return free.splice(i, 1)[0];
    }
    return new Float32Array(length);
  }

  private returnInferenceInput(x: Float32Array): void {
    if (this.freeInputs.length < 16) this.freeInputs.push(x);
  }

  /** Copies of all parameters by name. */
  exportWeights(): CtrWeights {
    const weights: CtrWeights = { bias: Float32Array.from(this.bias), w: this.embedding.exportFirstOrder() };
    const v = this.embedding.exportVectors();
    if (v) weights.v = v;
    if (this.dnn) {
      this.dnn.weights.forEach((w, i) => (weights[`dnn.${i}.kernel`] = Float32Array.from(w)));
      this.dnn.biases.forEach((b, i) => (weights[`dnn.${i}.bias`] = Float32Array.from(b)));
    }
    return weights;
  }

  /** Overwrites all parameters (e.g. restoring the best epoch); optimizer state is kept. */
  importWeights(weights: CtrWeights): void {
    copyInto(this.bias, need(weights, 'bias'), 'bias');
    const w = need(weights, 'w');
    if (w.length !== this.layout.vocabularySize) throw new Error(`weights: "w" has ${w.length} values, expected ${this.layout.vocabularySize}`);
    this.embedding.importFirstOrder(w);
    if (this.embedding.dim > 0) {
      const v = need(weights, 'v');
      if (v.length !== this.layout.vocabularySize * this.embedding.dim) throw new Error(`weights: "v" has ${v.length} values, expected ${this.layout.vocabularySize * this.embedding.dim}`);
      this.embedding.importVectors(v);
    }
    if (this.dnn) {
      this.dnn.weights.forEach((w, i) => copyInto(w, need(weights, `dnn.${i}.kernel`), `dnn.${i}.kernel`));
      this.dnn.biases.forEach((b, i) => copyInto(b, need(weights, `dnn.${i}.bias`), `dnn.${i}.bias`));
      this.dnn.markChanged();
    }
  }

  dispose(): void {
    this.engine?.dispose();
  }
}

function need(weights: CtrWeights, name: string): Float32Array {
  const w = weights[name];
  if (!(w instanceof Float32Array)) throw new Error(`weights: missing "${name}"`);
  return w;
}

function copyInto(target: Float32Array, source: Float32Array, name: string): void {
  if (source.length !== target.length) throw new Error(`weights: "${name}" has ${source.length} values, expected ${target.length}`);
  target.set(source);
}
