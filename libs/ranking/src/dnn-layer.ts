// The deep part of DeepFM: Dense(h, ReLU) per hidden size (Glorot-uniform, optional inverted dropout), then
// Dense(1). Parameters and their Adam state are Float32Arrays; the matrix products run in a DnnEngine.
import { SeededRandom } from '@cascade/core';
import { DenseAdam } from './embedding-table.js';
import type { AdamKernel, AdamSettings } from './embedding-table.js';
import type { DnnPrecision } from './dnn-precision.js';

/** Runs the dense products of a DnnLayer (TensorFlow.js, or a native kernel where one is faster). */
export interface DnnEngine {
  readonly name: string;
  /** x: batch × input (row-major) → out[b]. When training, keeps what backward needs. */
  forward(layer: DnnLayer, x: Float32Array, batch: number, training: boolean, out: Float32Array): void;
  /** From dOut[b] = ∂loss/∂out[b] of the last training forward: fills layer.gradWeights/gradBiases and dX. */
  backward(layer: DnnLayer, dOut: Float32Array, dX: Float32Array): void;
  /** A faster dense Adam step for the layer's parameters, when the engine has one. */
  readonly adamKernel?: AdamKernel;
  /** Precision of infer / inferAsync (training is always fp32). */
  readonly inferencePrecision?: DnnPrecision;
  /** Packs the layer's parameters for inference now (they are re-packed when layer.version changes). */
  prepareInference?(layer: DnnLayer): void;
  /** Inference forward of x (batch × input) into out[b] in one native call; touches no training state. */
  infer?(layer: DnnLayer, x: Float32Array, batch: number, out: Float32Array): void;
  /**
   * The same off the event loop; x and out belong to the caller and must not be written until it settles.
   * Several may be pending at once.
   */
  inferAsync?(layer: DnnLayer, x: Float32Array, batch: number, out: Float32Array): Promise<void>;
  dispose(): void;
}

export class DnnLayer {
  /** [input, hidden…, 1]. */
  readonly sizes: number[];
  readonly dropout: number;
  /** weights[i]: sizes[i] × sizes[i+1], row-major. */
  readonly weights: Float32Array[];
  readonly biases: Float32Array[];
  readonly gradWeights: Float32Array[];
  readonly gradBiases: Float32Array[];
  /** Bumped whenever the parameters change, so engines can cache uploaded copies. */
  version = 0;
  private readonly adams: { w: DenseAdam; b: DenseAdam }[];
  private readonly dropoutRandom: SeededRandom;

  constructor(options: { input: number; hidden: number[]; dropout?: number; seed?: number; weights?: Float32Array[]; biases?: Float32Array[] }) {
    const { input, hidden } = options;
    const dropout = options.dropout ?? 0;
    if (!Number.isInteger(input) || input <= 0) throw new Error(`DNN input size must be a positive integer, got ${input}`);
    for (const h of hidden) if (!Number.isInteger(h) || h <= 0) throw new Error(`hidden sizes must be positive integers, got ${hidden.join(',')}`);
    if (!(dropout >= 0 && dropout < 1)) throw new Error(`dropout must be in [0, 1), got ${dropout}`);
    this.sizes = [input, ...hidden, 1];
    this.dropout = dropout;
    const seed = options.seed ?? 42;
    const random = new SeededRandom(seed + 1);
    this.dropoutRandom = new SeededRandom(seed + 100);
    this.weights = [];
    this.biases = [];
    for (let i = 0; i + 1 < this.sizes.length; i++) {
      const fanIn = this.sizes[i];
      const fanOut = this.sizes[i + 1];
      if (options.weights) {
        const w = options.weights[i];
        if (!w || w.length !== fanIn * fanOut) throw new Error(`DNN weights[${i}] must hold ${fanIn * fanOut} values`);
        this.weights.push(w);
      } else {
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        const w = new Float32Array(fanIn * fanOut);
        for (let j = 0; j < w.length; j++) w[j] = (random.next() * 2 - 1) * limit;
        this.weights.push(w);
      }
      if (options.biases) {
        const b = options.biases[i];
        if (!b || b.length !== fanOut) throw new Error(`DNN biases[${i}] must hold ${fanOut} values`);
        this.biases.push(b);
      } else {
        this.biases.push(new Float32Array(fanOut));
      }
    }
    this.gradWeights = this.weights.map((w) => new Float32Array(w.length));
    this.gradBiases = this.biases.map((b) => new Float32Array(b.length));
    this.adams = this.weights.map((w, i) => ({ w: new DenseAdam(w.length), b: new DenseAdam(this.biases[i].length) }));
  }

  get layerCount(): number {
    return this.weights.length;
  }

  get parameterCount(): number {
    return this.weights.reduce((n, w, i) => n + w.length + this.biases[i].length, 0);
  }

  /** An inverted-dropout mask (0 or 1/(1−p)) for a batch × size activation, or null without dropout. */
  dropoutMask(batch: number, size: number): Float32Array | null {
    if (this.dropout === 0) return null;
    const keep = 1 - this.dropout;
    const mask = new Float32Array(batch * size);
    for (let i = 0; i < mask.length; i++) mask[i] = this.dropoutRandom.next() < keep ? 1 / keep : 0;
    return mask;
  }

  applyAdam(adam: AdamSettings, kernel?: AdamKernel): void {
    for (let i = 0; i < this.weights.length; i++) {
      this.adams[i].w.apply(this.weights[i], this.gradWeights[i], adam, kernel);
      this.adams[i].b.apply(this.biases[i], this.gradBiases[i], adam, kernel);
    }
    this.version++;
  }

  /** Call after changing weights or biases directly (tests, loading). */
  markChanged(): void {
    this.version++;
  }
}
