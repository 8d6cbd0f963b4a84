// Logistic regression: bias + Σ_f w_f (first-order weights of the shared field embedding only).
import { CtrModel } from './ctr-model.js';
import type { CtrHyperparameters, CtrLayout, CtrModelSpec, CtrWeights } from './ctr-model.js';

export const LR_SPEC: CtrModelSpec = { kind: 'lr', vectors: false, fm: false, dnn: false };

export function createLogisticRegression(layout: CtrLayout, hyperparameters: CtrHyperparameters, weights?: CtrWeights): CtrModel {
  return new CtrModel(LR_SPEC, layout, hyperparameters, null, weights);
}
