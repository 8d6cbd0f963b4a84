// A trained ranker for serving: the feature encoder plus a CTR model. score() assembles the candidates'
// features through the same path as training and returns pCTR per candidate.
import { assembleFeatures } from '@cascade/features';
import type { ContextFeatures, EncodedRows, FeatureEncoder, ItemFeatures, UserFeatures } from '@cascade/features';
import type { CtrModel } from './ctr-model.js';
import type { DnnPrecision } from './dnn-precision.js';

export type RankerMetrics = Record<string, number | string | null | number[] | Record<string, unknown>[]>;

export class CtrRanker {
  readonly encoder: FeatureEncoder;
  readonly model: CtrModel;
  readonly metrics: RankerMetrics;

  constructor(encoder: FeatureEncoder, model: CtrModel, metrics: RankerMetrics = {}) {
    if (encoder.vocabularySize !== model.layout.vocabularySize || encoder.slots !== model.layout.slotField.length) {
      throw new Error('CtrRanker: the encoder and the model were built for different feature layouts');
    }
    this.encoder = encoder;
    this.model = model;
    this.metrics = metrics;
  }

  /** pCTR of each candidate item for one request (user + context). */
  score(request: { user: UserFeatures; context?: ContextFeatures }, candidates: readonly ItemFeatures[]): Float32Array {
    if (!Array.isArray(candidates)) throw new Error('score: candidates must be an array of items');
    if (candidates.length === 0) return new Float32Array(0);
    return this.scoreEncoded(assembleFeatures(this.encoder, request, candidates));
  }

  /** pCTR of already encoded rows. */
  scoreEncoded(rows: EncodedRows): Float32Array {
    if (rows.slots !== this.encoder.slots) throw new Error(`scoreEncoded: rows have ${rows.slots} slots, expected ${this.encoder.slots}`);
    return this.model.predict(rows.ids, rows.count);
  }

  /**
   * score() with the DNN off the event loop (see CtrModel.predictAsync): the features and the FM term are computed
   * before this returns its promise, the DNN runs on the libuv thread pool in the model's inference precision.
   */
  async scoreAsync(request: { user: UserFeatures; context?: ContextFeatures }, candidates: readonly ItemFeatures[]): Promise<Float32Array> {
    if (!Array.isArray(candidates)) throw new Error('scoreAsync: candidates must be an array of items');
    if (candidates.length === 0) return new Float32Array(0);
    return this.scoreEncodedAsync(assembleFeatures(this.encoder, request, candidates));
  }

  /** scoreEncoded() with the DNN off the event loop. */
  scoreEncodedAsync(rows: EncodedRows): Promise<Float32Array> {
    if (rows.slots !== this.encoder.slots) return Promise.reject(new Error(`scoreEncodedAsync: rows have ${rows.slots} slots, expected ${this.encoder.slots}`));
    return this.model.predictAsync(rows.ids, rows.count);
  }

  /** Packs the DNN for inference now (loadRanker does), so the first scoreAsync does not pay for it. */
  prepareInference(): void {
    this.model.prepareInference();
  }

  /** The model's inference precision (`bf16` or `fp32`), for logs and health output. */
  get inferencePrecision(): DnnPrecision {
    return this.model.inferencePrecision;
  }

  dispose(): void {
    this.model.dispose();
  }
}
