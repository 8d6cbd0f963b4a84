// DeepFM (Guo et al. 2017): the FM and a DNN over the concatenated field vectors share one embedding; their
// logits are summed with the first-order term into one sigmoid.
import { CtrModel } from './ctr-model.js';
import type { CtrHyperparameters, CtrLayout, CtrModelSpec, CtrWeights } from './ctr-model.js';
import type { DnnEngine } from './dnn-layer.js';

export const DEEPFM_SPEC: CtrModelSpec = { kind: 'deepfm', vectors: true, fm: true, dnn: true };

export function createDeepFm(layout: CtrLayout, hyperparameters: CtrHyperparameters, engine: DnnEngine, weights?: CtrWeights): CtrModel {
  return new CtrModel(DEEPFM_SPEC, layout, hyperparameters, engine, weights);
}
