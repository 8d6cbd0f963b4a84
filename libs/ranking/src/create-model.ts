// Builds any of the three models by kind, starting the TensorFlow.js backend when the model has a DNN.
import { initTensorflowBackend } from './backend.js';
import { DEFAULT_HYPERPARAMETERS } from './ctr-model.js';
import type { CtrHyperparameters, CtrLayout, CtrModel, CtrModelKind, CtrWeights } from './ctr-model.js';
import { createDeepFm } from './deepfm.js';
import type { DnnEngine } from './dnn-layer.js';
import { createFactorizationMachine } from './fm.js';
import { createLogisticRegression } from './lr.js';
import { TfjsDnnEngine } from './tfjs-dnn-engine.js';

export const CTR_MODEL_KINDS: readonly CtrModelKind[] = ['lr', 'fm', 'deepfm'];

/** The DNN engine: TensorFlow.js on the backend chosen at run time. */
export async function createDnnEngine(): Promise<DnnEngine> {
  await initTensorflowBackend();
  return new TfjsDnnEngine();
}

export async function createCtrModel(
  kind: CtrModelKind,
  layout: CtrLayout,
  hyperparameters: Partial<CtrHyperparameters> = {},
  options: { weights?: CtrWeights; engine?: DnnEngine } = {},
): Promise<CtrModel> {
  const h: CtrHyperparameters = { ...DEFAULT_HYPERPARAMETERS, ...hyperparameters };
  switch (kind) {
    case 'lr':
      return createLogisticRegression(layout, h, options.weights);
    case 'fm':
      return createFactorizationMachine(layout, h, options.weights);
    case 'deepfm':
      return createDeepFm(layout, h, options.engine ?? (await createDnnEngine()), options.weights);
    default:
      throw new Error(`model must be one of ${CTR_MODEL_KINDS.join(', ')}, got "${String(kind)}"`);
  }
}
