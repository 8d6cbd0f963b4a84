// DnnEngine on the native kernels (see native-kernels.ts): the same forward/backward as TfjsDnnEngine, on
// preallocated Float32Arrays with no copies in or out. Inference has its own path: the parameters packed once per
// layer version (bf16 where the CPU has AVX512-BF16, else fp32) and the whole MLP in one native call, on the
// calling thread (infer) or on the libuv thread pool (inferAsync, at most CASCADE_DNN_ASYNC_CONCURRENCY at once).
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import type { DnnEngine, DnnLayer } from './dnn-layer.js';
import { dnnAsyncConcurrency, resolveInferencePrecision } from './dnn-precision.js';
import type { DnnPrecision } from './dnn-precision.js';
import type { AdamKernel } from './embedding-table.js';
import type { NativeKernels } from './native-kernels.js';

let forwardLimiter: ConcurrencyLimiter | null = null;

/**
 * The process-wide queue of native forwards run off the event loop (shared by every model, so that on a small
 * machine one core stays with the event loop). Its limit is read from CASCADE_DNN_ASYNC_CONCURRENCY on first use.
 */
export function nativeForwardLimiter(): ConcurrencyLimiter {
  forwardLimiter ??= new ConcurrencyLimiter(dnnAsyncConcurrency());
  return forwardLimiter;
}

interface InferencePlan {
  version: number;
  plan: Uint8Array;
}

export class NativeDnnEngine implements DnnEngine {
  /** The kernels' name and the inference precision, e.g. `native-avx512 (bf16 inference)`. */
  readonly name: string;
  readonly inferencePrecision: DnnPrecision;
  private readonly k: NativeKernels;
  private capacity = 0;
  private sizesKey = '';
  /** outputs[i]: output of dense layer i (batch × sizes[i+1]). */
  private outputs: Float32Array[] = [];
  /** grads[i]: ∂loss/∂(input of layer i), batch × sizes[i]. */
  private grads: Float32Array[] = [];
  private masks: (Float32Array | null)[] = [];
  private input: Float32Array = new Float32Array(0);
  private batch = 0;
  private trained = false;
  /** Packed inference parameters per layer; an in-flight async forward keeps its own plan alive. */
  private plans = new WeakMap<DnnLayer, InferencePlan>();

  readonly adamKernel: AdamKernel;

  /** precision: the inference precision (default: CASCADE_DNN_PRECISION, else bf16 where supported). */
  constructor(kernels: NativeKernels, name: string, options: { precision?: DnnPrecision } = {}) {
    this.k = kernels;
    this.inferencePrecision = resolveInferencePrecision(kernels.bf16Supported(), options.precision);
    dnnAsyncConcurrency(); // a bad CASCADE_DNN_ASYNC_CONCURRENCY fails here, at start-up, not on the first request
    this.name = `${name} (${this.inferencePrecision} inference)`;
    this.adamKernel = (x, g, m, v, alpha, beta1, beta2, epsilon) => kernels.adam(x, g, m, v, alpha, beta1, beta2, epsilon);
  }

  private ensure(layer: DnnLayer, batch: number): void {
    const key = layer.sizes.join(',');
    if (batch <= this.capacity && key === this.sizesKey) return;
    this.capacity = Math.max(batch, key === this.sizesKey ? this.capacity : 0);
    this.sizesKey = key;
    const cap = this.capacity;
    this.outputs = layer.sizes.slice(1).map((n) => new Float32Array(cap * n));
    this.grads = layer.sizes.slice(0, -1).map((n) => new Float32Array(cap * n));
  }

  forward(layer: DnnLayer, x: Float32Array, batch: number, training: boolean, out: Float32Array): void {
    this.ensure(layer, batch);
    const { k, outputs } = this;
    const sizes = layer.sizes;
    const L = layer.layerCount;
    this.batch = batch;
    this.input = x;
    this.masks = [];
    let h = x;
    for (let i = 0; i < L; i++) {
      const o = outputs[i];
      k.gemm(0, 0, batch, sizes[i + 1], sizes[i], h, layer.weights[i], o);
      k.biasActivation(o, layer.biases[i], batch, sizes[i + 1], i < L - 1 ? 1 : 0);
      const mask = training && i < L - 1 ? layer.dropoutMask(batch, sizes[i + 1]) : null;
      if (mask) for (let j = 0; j < mask.length; j++) o[j] *= mask[j];
      this.masks.push(mask);
      h = o;
    }
    out.set(outputs[L - 1].subarray(0, batch));
    this.trained = training;
  }

  backward(layer: DnnLayer, dOut: Float32Array, dX: Float32Array): void {
    if (!this.trained) throw new Error('DNN backward needs a training forward first');
    const { k, outputs, grads, batch } = this;
    const sizes = layer.sizes;
    let dz = dOut;
    for (let i = layer.layerCount - 1; i >= 0; i--) {
      const a = i === 0 ? this.input : outputs[i - 1];
      k.gemm(1, 0, sizes[i], sizes[i + 1], batch, a, dz, layer.gradWeights[i]);
      k.columnSums(layer.gradBiases[i], dz, batch, sizes[i + 1]);
      const dh = grads[i];
      k.gemm(0, 1, batch, sizes[i], sizes[i + 1], dz, layer.weights[i], dh);
      if (i > 0) {
        const mask = this.masks[i - 1];
        if (mask) for (let j = 0; j < batch * sizes[i]; j++) dh[j] *= mask[j];
        k.reluBackward(dh, a, batch * sizes[i]);
      }
      dz = dh;
    }
    dX.set(dz.subarray(0, batch * sizes[0]));
    this.trained = false;
  }

  /** The layer's packed inference parameters, re-packed when its version moved on. */
  private plan(layer: DnnLayer): Uint8Array {
    const cached = this.plans.get(layer);
    if (cached && cached.version === layer.version) return cached.plan;
    const plan = this.k.mlpPlan(Int32Array.from(layer.sizes), layer.weights, layer.biases, this.inferencePrecision === 'bf16' ? 1 : 0);
    this.plans.set(layer, { version: layer.version, plan });
    return plan;
  }

  prepareInference(layer: DnnLayer): void {
    this.plan(layer);
  }

  infer(layer: DnnLayer, x: Float32Array, batch: number, out: Float32Array): void {
    checkInferArgs(layer, x, batch, out);
    this.k.mlpForward(this.plan(layer), x, batch, out);
  }

  /** Uses the parameters as they are when called (a later training step does not change this result). */
  inferAsync(layer: DnnLayer, x: Float32Array, batch: number, out: Float32Array): Promise<void> {
    try {
      checkInferArgs(layer, x, batch, out);
      const plan = this.plan(layer);
      return nativeForwardLimiter().run(() => this.k.mlpForwardAsync(plan, x, batch, out));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** Frees the buffers and plans; async forwards in flight hold their own plan and finish normally. */
  dispose(): void {
    this.outputs = [];
    this.grads = [];
    this.capacity = 0;
    this.sizesKey = '';
    this.plans = new WeakMap();
  }
}

function checkInferArgs(layer: DnnLayer, x: Float32Array, batch: number, out: Float32Array): void {
  if (!Number.isInteger(batch) || batch <= 0) throw new Error(`infer: batch must be a positive integer, got ${batch}`);
  if (x.length < batch * layer.sizes[0]) throw new Error(`infer: x must hold batch × ${layer.sizes[0]} = ${batch * layer.sizes[0]} values, got ${x.length}`);
  if (out.length < batch) throw new Error(`infer: out must hold ${batch} values, got ${out.length}`);
}
