// Factorisation machine: LR plus the pairwise term ½ Σ_k [(Σ_f v_fk)² − Σ_f v_fk²] over the field vectors.
import { CtrModel } from './ctr-model.js';
import type { CtrHyperparameters, CtrLayout, CtrModelSpec, CtrWeights } from './ctr-model.js';

export const FM_SPEC: CtrModelSpec = { kind: 'fm', vectors: true, fm: true, dnn: false };

export function createFactorizationMachine(layout: CtrLayout, hyperparameters: CtrHyperparameters, weights?: CtrWeights): CtrModel {
  return new CtrModel(FM_SPEC, layout, hyperparameters, null, weights);
}
