// Trains LR / FM / DeepFM on a pair of ctr-tsv files (the peers' format), with the peer's encoding semantics.
import { encodeCtrTsv, fitCtrTsvEncoder, readCtrTsv } from '@cascade/features';
import { initTensorflowBackend } from './backend.js';
import { CTR_MODEL_KINDS } from './create-model.js';
import type { CtrHyperparameters, CtrModelKind } from './ctr-model.js';
import { trainRanker } from './train-ranker.js';
import type { RankerTrainingResult } from './train-ranker.js';
import type { CtrExamples, EpochMetrics } from './trainer.js';

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

export interface CtrTsvTrainingResult extends RankerTrainingResult {
  loadSeconds: number;
}

export async function trainRankerOnCtrTsv(options: CtrTsvTrainingOptions): Promise<CtrTsvTrainingResult> {
  if (!CTR_MODEL_KINDS.includes(options.model)) throw new Error(`model must be one of ${CTR_MODEL_KINDS.join(', ')}, got "${options.model}"`);
  await initTensorflowBackend(); // before the timed load, as the peer imports TensorFlow first
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

  return {
    ...(await trainRanker({
      encoder,
      train,
      test,
      model: options.model,
      hyperparameters: options.hyperparameters,
      epochs: options.epochs,
      batchSize: options.batchSize,
      patience: options.patience,
      restoreBest: options.restoreBest,
      predictBatchSize: options.predictBatchSize,
      outDir: options.outDir,
      version: options.version,
      onProgress: options.onProgress,
      onEpoch: options.onEpoch,
    })),
    loadSeconds,
  };
}
