// Trains a CTR model on already encoded train/test examples and wraps it as a CtrRanker (optionally saved as a
// versioned artefact): the flow shared by the ctr-tsv path and the database path (@cascade/pipeline).
import type { FeatureEncoder } from '@cascade/features';
import { initTensorflowBackend } from './backend.js';
import type { TensorflowBackendName } from './backend.js';
import { saveRanker } from './artifact.js';
import { createCtrModel, CTR_MODEL_KINDS } from './create-model.js';
import type { CtrHyperparameters, CtrModelKind } from './ctr-model.js';
import { CtrRanker } from './ctr-ranker.js';
import { evaluateCtrModel, trainCtrModelEpochs } from './trainer.js';
import type { CtrExamples, EpochMetrics, TrainResult } from './trainer.js';

export interface RankerTrainingOptions {
  encoder: FeatureEncoder;
  train: CtrExamples;
  test: CtrExamples;
  model: CtrModelKind;
  hyperparameters?: Partial<CtrHyperparameters>;
  epochs: number;
  batchSize: number;
  patience?: number;
  /** Keep the best validation epoch's weights (default true); false reports the last epoch. */
  restoreBest?: boolean;
  predictBatchSize?: number;
  /** When set, the artefact is saved under this folder. */
  outDir?: string;
  version?: string;
  onProgress?: (done: number, total: number, epoch: number) => void;
  onEpoch?: (metrics: EpochMetrics) => void;
  /** Checked between epochs: when it returns true, training stops with an Error whose message starts with "cancelled". */
  shouldStop?: () => boolean | Promise<boolean>;
  /** Yield to the event loop after this many ms of training (for training inside a serving process). */
  yieldEveryMs?: number;
}

export interface RankerTrainingResult {
  ranker: CtrRanker;
  backend: TensorflowBackendName;
  engine: string;
  training: TrainResult;
  /** Of the final weights on the test examples. */
  auc: number;
  logloss: number;
  trainRows: number;
  testRows: number;
  vocabularySize: number;
  parameters: number;
  predictSeconds: number;
  predictSamplesPerSec: number;
  artifactDir: string | null;
}

export async function trainRanker(options: RankerTrainingOptions): Promise<RankerTrainingResult> {
  if (!CTR_MODEL_KINDS.includes(options.model)) throw new Error(`model must be one of ${CTR_MODEL_KINDS.join(', ')}, got "${options.model}"`);
  if (options.train.count === 0) throw new Error('train: no examples');
  if (options.test.count === 0) throw new Error('test: no examples');
  const backend = await initTensorflowBackend();
  const { encoder, train, test } = options;
  const layout = { vocabularySize: encoder.vocabularySize, slotField: encoder.slotField, fieldCount: encoder.fieldCount };
  const model = await createCtrModel(options.model, layout, options.hyperparameters ?? {});
  const steps = trainCtrModelEpochs(model, train, test, {
    epochs: options.epochs,
    batchSize: options.batchSize,
    patience: options.patience,
    restoreBest: options.restoreBest,
    predictBatchSize: options.predictBatchSize,
    onProgress: options.onProgress,
    onEpoch: options.onEpoch,
    yieldEveryMs: options.yieldEveryMs,
  });
  let training: TrainResult;
  for (;;) {
    const step = steps.next();
    if (step.done) {
      training = step.value;
      break;
    }
    if (step.value === null) {
      // a cooperative pause: let the process's other work (requests) run
      await new Promise<void>((resolve) => setImmediate(resolve));
      continue;
    }
    if (options.shouldStop && (await options.shouldStop())) {
      model.dispose();
      throw new Error(`cancelled after epoch ${step.value.epoch} of ${options.epochs}`);
    }
  }
  // Score the whole test set once more with the final weights (timed, as the peer's last predict).
  const final = evaluateCtrModel(model, test, options.predictBatchSize);
  const ranker = new CtrRanker(encoder, model, {
    auc: final.auc,
    logloss: final.logloss,
    bestEpoch: training.bestEpoch,
    trainRows: train.count,
    testRows: test.count,
    trainSamplesPerSec: training.trainSamplesPerSec,
    perEpoch: training.epochs.map((e) => ({ ...e })),
  });
  const artifactDir = options.outDir ? saveRanker(ranker, options.outDir, { version: options.version }) : null;
  return {
    ranker,
    backend,
    engine: model.engineName,
    training,
    auc: final.auc,
    logloss: final.logloss,
    trainRows: train.count,
    testRows: test.count,
    vocabularySize: encoder.vocabularySize,
    parameters: model.parameterCount,
    predictSeconds: final.seconds,
    predictSamplesPerSec: test.count / final.seconds,
    artifactDir,
  };
}
