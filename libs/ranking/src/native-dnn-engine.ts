// DnnEngine on the native kernels (see native-kernels.ts): the same forward/backward as TfjsDnnEngine, on
// preallocated Float32Arrays with no copies in or out.
import type { DnnEngine, DnnLayer } from './dnn-layer.js';
import type { AdamKernel } from './embedding-table.js';
import type { NativeKernels } from './native-kernels.js';

export class NativeDnnEngine implements DnnEngine {
  readonly name: string;
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

  readonly adamKernel: AdamKernel;

  constructor(kernels: NativeKernels, name: string) {
    this.k = kernels;
    this.name = name;
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

  dispose(): void {
    this.outputs = [];
    this.grads = [];
    this.capacity = 0;
    this.sizesKey = '';
  }
}
