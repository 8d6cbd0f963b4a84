// Mini-batch training with seeded shuffling, validation AUC / log loss after each epoch and early stopping.
import { SeededRandom } from '@cascade/core';
import { auc, logLoss } from '@cascade/eval';
import type { CtrModel } from './ctr-model.js';

/** Encoded examples: `ids` holds `slots` ids per row, `labels` 0/1 per row. */
export interface CtrExamples {
  readonly count: number;
  readonly slots: number;
  readonly ids: Int32Array;
  readonly labels: Float32Array;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  /** Stop after this many epochs without a better validation AUC (default: never). */
  patience?: number;
  /** Restore the weights of the best validation epoch at the end (default true). */
  restoreBest?: boolean;
  seed?: number;
  predictBatchSize?: number;
  /** Called after every batch with the rows done so far and the total for the run. */
  onProgress?: (done: number, total: number, epoch: number) => void;
  onEpoch?: (metrics: EpochMetrics) => void;
  /**
   * Cooperative training (inside a serving process): the generator also yields `null` between batches once this
   * many ms of work have passed, so an async driver can let the event loop serve requests. Unset: never.
   */
  yieldEveryMs?: number;
}

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  auc: number | null;
  logloss: number | null;
  trainSeconds: number;
  predictSeconds: number;
}

export interface TrainResult {
  epochs: EpochMetrics[];
  bestEpoch: number;
  /** Validation metrics of the weights the model ends with (best epoch when restored, else the last). */
  auc: number | null;
  logloss: number | null;
  trainSeconds: number;
  /** Process CPU time of the training loops (all threads); ≈ trainSeconds when the process had its core. */
  trainCpuSeconds: number;
  trainSamplesPerSec: number;
  stoppedEarly: boolean;
}

export function validateExamples(name: string, data: CtrExamples, slots: number): void {
  if (!data || !Number.isInteger(data.count) || data.count <= 0) throw new Error(`${name}: needs at least one row`);
  if (data.slots !== slots) throw new Error(`${name}: rows have ${data.slots} slots, the model expects ${slots}`);
  if (data.ids.length < data.count * slots) throw new Error(`${name}: ids must hold count × slots values`);
  if (data.labels.length < data.count) throw new Error(`${name}: labels must hold count values`);
}

/** pCTR of every row of `data` plus AUC and log loss against its labels. */
export function evaluateCtrModel(model: CtrModel, data: CtrExamples, batchSize = 8192): { auc: number; logloss: number; predictions: Float32Array; seconds: number } {
  const t = performance.now();
  const predictions = model.predict(data.ids, data.count, batchSize);
  const seconds = (performance.now() - t) / 1000;
  const labels = data.labels.subarray(0, data.count);
  return { auc: auc(labels, predictions), logloss: logLoss(labels, predictions), predictions, seconds };
}

/** Trains to the end (see trainCtrModelEpochs). */
export function trainCtrModel(model: CtrModel, train: CtrExamples, validation: CtrExamples | null, options: TrainOptions): TrainResult {
  const steps = trainCtrModelEpochs(model, train, validation, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The training loop as a generator that yields each epoch's metrics before going on, so a caller can stop
 * between epochs (await a cancellation check, then call next() or return()); returns the TrainResult.
 */
export function* trainCtrModelEpochs(
  model: CtrModel,
  train: CtrExamples,
  validation: CtrExamples | null,
  options: TrainOptions,
): Generator<EpochMetrics | null, TrainResult, void> {
  const slots = model.layout.slotField.length;
  validateExamples('train', train, slots);
  if (validation) validateExamples('validation', validation, slots);
  const { epochs, batchSize } = options;
  if (!Number.isInteger(epochs) || epochs <= 0) throw new Error(`epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  const patience = options.patience ?? Infinity;
  if (!(patience >= 1)) throw new Error(`patience must be >= 1, got ${patience}`);
  const restoreBest = options.restoreBest ?? true;
  const random = new SeededRandom(options.seed ?? model.hyperparameters.seed);

  const n = train.count;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const batchIds = new Int32Array(batchSize * slots);
  const batchLabels = new Float32Array(batchSize);
  const history: EpochMetrics[] = [];
  let bestAuc = -Infinity;
  let bestEpoch = 0;
  let bestWeights: ReturnType<CtrModel['exportWeights']> | null = null;
  let sinceBest = 0;
  let trainSeconds = 0;
  let trainCpuSeconds = 0;
  let stoppedEarly = false;
  const total = n * epochs;
  const yieldEveryMs = options.yieldEveryMs;
  let lastYield = performance.now();
  let pausedMs = 0;

  for (let epoch = 1; epoch <= epochs; epoch++) {
    // Fisher-Yates with the seeded generator: deterministic for a seed.
    for (let i = n - 1; i > 0; i--) {
      const j = random.int(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let lossSum = 0;
    for (let start = 0; start < n; start += batchSize) {
      const batch = Math.min(batchSize, n - start);
      for (let b = 0; b < batch; b++) {
        const row = order[start + b];
        batchIds.set(train.ids.subarray(row * slots, row * slots + slots), b * slots);
        batchLabels[b] = train.labels[row];
      }
      lossSum += model.trainBatch(batchIds, batchLabels, 0, batch) * batch;
      options.onProgress?.((epoch - 1) * n + start + batch, total, epoch);
      if (yieldEveryMs !== undefined && performance.now() - lastYield >= yieldEveryMs) {
        const paused = performance.now();
        yield null;
        lastYield = performance.now();
        pausedMs += lastYield - paused;
      }
    }
    // Time spent paused (serving, when cooperative) is not training time.
    const seconds = (performance.now() - t0 - pausedMs) / 1000;
    pausedMs = 0;
    const cpu = process.cpuUsage(cpu0);
    trainCpuSeconds += (cpu.user + cpu.system) / 1e6;
    trainSeconds += seconds;
    const metrics: EpochMetrics = { epoch, trainLoss: lossSum / n, auc: null, logloss: null, trainSeconds: seconds, predictSeconds: 0 };
    if (validation) {
      const ev = evaluateCtrModel(model, validation, options.predictBatchSize);
      metrics.auc = ev.auc;
      metrics.logloss = ev.logloss;
      metrics.predictSeconds = ev.seconds;
    }
    history.push(metrics);
    options.onEpoch?.(metrics);
    const score = metrics.auc ?? -metrics.trainLoss;
    if (score > bestAuc) {
      bestAuc = score;
      bestEpoch = epoch;
      sinceBest = 0;
      if (restoreBest && epoch < epochs) bestWeights = model.exportWeights();
    } else if (++sinceBest >= patience) {
      stoppedEarly = epoch < epochs;
      break;
    }
    if (epoch < epochs) yield metrics;
  }
  const last = history[history.length - 1];
  let final = last;
  if (restoreBest && bestEpoch !== last.epoch) {
    if (bestWeights) model.importWeights(bestWeights);
    final = history[bestEpoch - 1];
  }
  return {
    epochs: history,
    bestEpoch,
    auc: final.auc,
    logloss: final.logloss,
    trainSeconds,
    trainCpuSeconds,
    trainSamplesPerSec: (n * history.length) / trainSeconds,
    stoppedEarly,
  };
}
