// Trains LR / FM / DeepFM on a pair of ctr-tsv files (the peers' format), with the peer's encoding semantics.
import { encodeCtrTsv, fitCtrTsvEncoder, readCtrTsv } from '@cascade/features';
import { initTensorflowBackend } from './backend.js';
import type { TensorflowBackendName } from './backend.js';
import { saveRanker } from './artifact.js';
import { createCtrModel, CTR_MODEL_KINDS } from './create-model.js';
import type { CtrHyperparameters, CtrModelKind } from './ctr-model.js';
import { CtrRanker } from './ctr-ranker.js';
import { evaluateCtrModel, trainCtrModel } from './trainer.js';
import type { CtrExamples, EpochMetrics, TrainResult } from './trainer.js';

export interface CtrTsvTrainingOptions {
  train: string;
  test: string;
  model: CtrModelKind;
  hyperparameters?: Partial<CtrHyperparameters>;
  epochs: number;
  batchSize: number;
  minCount?: number;
  patience?: number;
  /** Keep the best validation epoch's weights (default true); false reports the last epoch, as the peer does. */
  restoreBest?: boolean;
  predictBatchSize?: number;
  /** When set, the artefact is saved under this folder. */
  outDir?: string;
  version?: string;
  onProgress?: (done: number, total: number, epoch: number) => void;
  onEpoch?: (metrics: EpochMetrics) => void;
}

export interface CtrTsvTrainingResult {
  ranker: CtrRanker;
  backend: TensorflowBackendName;
  engine: string;
  training: TrainResult;
  auc: number;
  logloss: number;
  trainRows: number;
  testRows: number;
  vocabularySize: number;
  parameters: number;
  loadSeconds: number;
  predictSeconds: number;
  predictSamplesPerSec: number;
  artifactDir: string | null;
}

export async function trainRankerOnCtrTsv(options: CtrTsvTrainingOptions): Promise<CtrTsvTrainingResult> {
  if (!CTR_MODEL_KINDS.includes(options.model)) throw new Error(`model must be one of ${CTR_MODEL_KINDS.join(', ')}, got "${options.model}"`);
  const backend = await initTensorflowBackend();
  const t0 = performance.now();
  const trainData = readCtrTsv(options.train);
  const testData = readCtrTsv(options.test);
  if (trainData.labels.length === 0) throw new Error(`train file "${options.train}" has no rows`);
  if (testData.labels.length === 0) throw new Error(`test file "${options.test}" has no rows`);
  const encoder = fitCtrTsvEncoder(trainData, { minCount: options.minCount ?? 1 });
  const trainRows = encodeCtrTsv(encoder, trainData);
  const testRows = encodeCtrTsv(encoder, testData);
  const train: CtrExamples = { ...trainRows, labels: trainData.labels };
  const test: CtrExamples = { ...testRows, labels: testData.labels };
  const loadSeconds = (performance.now() - t0) / 1000;

  const layout = { vocabularySize: encoder.vocabularySize, slotField: encoder.slotField, fieldCount: encoder.fieldCount };
  const model = await createCtrModel(options.model, layout, options.hyperparameters ?? {});
  const training = trainCtrModel(model, train, test, {
    epochs: options.epochs,
    batchSize: options.batchSize,
    patience: options.patience,
    restoreBest: options.restoreBest,
    predictBatchSize: options.predictBatchSize,
    onProgress: options.onProgress,
    onEpoch: options.onEpoch,
  });
  // Score the whole test file once more with the final weights (timed, as the peer's last predict).
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
    loadSeconds,
    predictSeconds: final.seconds,
    predictSamplesPerSec: test.count / final.seconds,
    artifactDir,
  };
}
