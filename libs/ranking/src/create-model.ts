// Builds any of the three models by kind, starting the TensorFlow.js backend when the model has a DNN.
import { initTensorflowBackend } from './backend.js';
import { DEFAULT_HYPERPARAMETERS } from './ctr-model.js';
import type { CtrHyperparameters, CtrLayout, CtrModel, CtrModelKind, CtrWeights } from './ctr-model.js';
import { createDeepFm } from './deepfm.js';
import type { DnnEngine } from './dnn-layer.js';
import { createFactorizationMachine } from './fm.js';
import { createLogisticRegression } from './lr.js';
import { TfjsDnnEngine } from './tfjs-dnn-engine.js';
import { NativeDnnEngine } from './native-dnn-engine.js';
import { loadNativeKernels, nativeKernelsFailure } from './native-kernels.js';
import { parseDnnPrecision, resolveInferencePrecision } from './dnn-precision.js';
import type { DnnPrecision } from './dnn-precision.js';

export const CTR_MODEL_KINDS: readonly CtrModelKind[] = ['lr', 'fm', 'deepfm'];

export type DnnEngineKind = 'native' | 'tfjs';

/**
 * The DNN engine: the native kernels when they build on this machine (several times faster than the wasm
 * backend, see the ranking benchmark), else TensorFlow.js on the backend chosen at run time. `kind` (or
 * `CASCADE_DNN_ENGINE`) forces one; forcing `native` where it cannot load throws with the reason.
 * `options.precision` (or `CASCADE_DNN_PRECISION=fp32|bf16`) sets the native engine's inference precision
 * (default bf16 where the CPU has AVX512-BF16); training is always fp32, and TensorFlow.js is fp32 only.
 */
export async function createDnnEngine(kind?: DnnEngineKind, options: { precision?: DnnPrecision } = {}): Promise<DnnEngine> {
  const wanted = kind ?? (process.env.CASCADE_DNN_ENGINE as DnnEngineKind | undefined);
  if (wanted !== undefined && wanted !== 'native' && wanted !== 'tfjs') {
    throw new Error(`DNN engine must be native or tfjs, got "${String(wanted)}"`);
  }
  const precision = options.precision !== undefined ? parseDnnPrecision(options.precision, 'precision') : parseDnnPrecision();
  if (wanted !== 'tfjs') {
    const native = loadNativeKernels();
    if (native) return new NativeDnnEngine(native.kernels, native.name, { precision });
    if (wanted === 'native') throw new Error(`native DNN kernels unavailable: ${nativeKernelsFailure()}`);
  }
  // TensorFlow.js infers in fp32: an explicit bf16 request fails here with its source named
  if (precision === 'bf16') resolveInferencePrecision(false, options.precision);
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
