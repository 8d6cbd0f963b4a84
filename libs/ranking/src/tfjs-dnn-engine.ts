// DnnEngine on TensorFlow.js. The backward pass is written out (no autodiff) with explicit transposes: on the
// wasm backend a transposed matMul is several times slower than a plain one.
import { tf } from './backend.js';
import type { DnnEngine, DnnLayer } from './dnn-layer.js';

export class TfjsDnnEngine implements DnnEngine {
  readonly name: string;
  private cachedVersion = -1;
  private cachedLayer: DnnLayer | null = null;
  private w: tf.Tensor2D[] = [];
  private wT: tf.Tensor2D[] = [];
  private b: tf.Tensor1D[] = [];
  /** Input of each dense layer from the last training forward (post-ReLU, post-dropout). */
  private acts: tf.Tensor2D[] = [];
  private masks: (tf.Tensor2D | null)[] = [];
  private batch = 0;

  constructor() {
    this.name = `tfjs-${tf.getBackend()}`;
  }

  private upload(layer: DnnLayer): void {
    if (this.cachedLayer === layer && this.cachedVersion === layer.version) return;
    this.disposeWeights();
    for (let i = 0; i < layer.layerCount; i++) {
      const w = tf.tensor2d(layer.weights[i], [layer.sizes[i], layer.sizes[i + 1]]);
      this.w.push(w);
      this.wT.push(tf.transpose(w));
      this.b.push(tf.tensor1d(layer.biases[i]));
    }
    this.cachedLayer = layer;
    this.cachedVersion = layer.version;
  }

  private disposeWeights(): void {
    for (const t of [...this.w, ...this.wT, ...this.b]) t.dispose();
    this.w = [];
    this.wT = [];
    this.b = [];
  }

  private disposeActivations(): void {
    for (const t of this.acts) t.dispose();
    for (const t of this.masks) t?.dispose();
    this.acts = [];
    this.masks = [];
  }

  forward(layer: DnnLayer, x: Float32Array, batch: number, training: boolean, out: Float32Array): void {
    this.upload(layer);
    this.disposeActivations();
    this.batch = batch;
    const L = layer.layerCount;
    let h = tf.tensor2d(x.subarray(0, batch * layer.sizes[0]), [batch, layer.sizes[0]]);
    for (let i = 0; i < L - 1; i++) {
      if (training) this.acts.push(h);
      let next = tf.fused.matMul({ a: h, b: this.w[i], bias: this.b[i], activation: 'relu' }) as tf.Tensor2D;
      if (!training) h.dispose();
      const maskValues = training ? layer.dropoutMask(batch, layer.sizes[i + 1]) : null;
      if (maskValues) {
        const mask = tf.tensor2d(maskValues, [batch, layer.sizes[i + 1]]);
        const dropped = tf.mul(next, mask) as tf.Tensor2D;
        next.dispose();
        next = dropped;
        this.masks.push(mask);
      } else {
        this.masks.push(null);
      }
      h = next;
    }
    if (training) this.acts.push(h);
    const logits = tf.fused.matMul({ a: h, b: this.w[L - 1], bias: this.b[L - 1] });
    if (!training) h.dispose();
    out.set(logits.dataSync() as Float32Array);
    logits.dispose();
  }

  backward(layer: DnnLayer, dOut: Float32Array, dX: Float32Array): void {
    if (this.acts.length !== layer.layerCount) throw new Error('DNN backward needs a training forward first');
    const batch = this.batch;
    let dz = tf.tensor2d(dOut.subarray(0, batch), [batch, 1]);
    for (let i = layer.layerCount - 1; i >= 0; i--) {
      const a = this.acts[i];
      const next = tf.tidy(() => {
        const dW = tf.matMul(tf.transpose(a), dz);
        layer.gradWeights[i].set(dW.dataSync() as Float32Array);
        layer.gradBiases[i].set(tf.sum(dz, 0).dataSync() as Float32Array);
        let dh = tf.matMul(dz, this.wT[i]);
        if (i === 0) return dh as tf.Tensor2D;
        const mask = this.masks[i - 1];
        if (mask) dh = tf.mul(dh, mask);
        return tf.mul(dh, tf.step(a)) as tf.Tensor2D;
      });
      dz.dispose();
      dz = next;
    }
    dX.set(dz.dataSync() as Float32Array);
    dz.dispose();
    this.disposeActivations();
  }

  dispose(): void {
    this.disposeActivations();
    this.disposeWeights();
    this.cachedLayer = null;
  }
}
