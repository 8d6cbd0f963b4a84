// The ranking stage over the database: the impressions of a snapshot's training window (the latest
// `maxImpressions`) become examples, labelled 1 when the same user clicked the same item in the same request;
// they are streamed from the events table into compact typed rows and encoded through @cascade/features'
// assemble path (the serving path) straight into typed arrays. The holdout is the latest 20% of the window by
// time; the DeepFM ranker is saved as a versioned artefact, and other rankers can be scored on the same holdout.
import path from 'node:path';
import type { CascadeDatabase } from '@cascade/db';
import { auc as computeAuc, logLoss } from '@cascade/eval';
import {
  addImpressionVocabulary,
  encodeImpressionExamplesInto,
  FeatureVocabularyBuilder,
  loadImpressionExamples,
  parseFeatureSchema,
  type ActivityWindow,
  type FeatureSchema,
  type FeatureEncoder,
  type FeatureSchemaInput,
  type ImpressionExamples,
} from '@cascade/features';
import { CTR_MODEL_KINDS, loadRanker, trainRanker, type CtrHyperparameters, type CtrModelKind } from '@cascade/ranking';
import { holdoutTimeCut } from './time-holdout.js';

/** The recent-activity windows the default schema reads (`context.activity.<name>`). */
export const DEFAULT_RANKER_ACTIVITY: readonly ActivityWindow[] = [{ name: 'clicks7d', types: ['click'], days: 7 }];

/** Ids, item content, the user attributes the demo data carries (missing attributes encode as MISSING), time, activity. */
export const DEFAULT_RANKER_SCHEMA: FeatureSchemaInput = {
  fields: [
    { name: 'user', type: 'categorical', source: 'user.id' },
    { name: 'item', type: 'categorical', source: 'item.id' },
    { name: 'category', type: 'multi_categorical', source: 'item.categories', maxValues: 2 },
    { name: 'tags', type: 'multi_categorical', source: 'item.tags', maxValues: 3 },
    { name: 'brand', type: 'categorical', source: 'item.attributes.brand' },
    { name: 'price', type: 'numeric', source: 'item.attributes.price', transform: { kind: 'log' } },
    { name: 'country', type: 'categorical', source: 'user.attributes.country' },
    { name: 'device', type: 'categorical', source: 'user.attributes.device' },
    { name: 'favourite', type: 'categorical', source: 'user.attributes.favouriteCategory' },
    { name: 'age', type: 'numeric', source: 'user.attributes.age', transform: { kind: 'buckets', boundaries: [25, 35, 45, 55] } },
    { name: 'hour', type: 'categorical', source: 'context.hour' },
    { name: 'clicks7d', type: 'numeric', source: 'context.activity.clicks7d', transform: { kind: 'log' } },
  ],
};

/** Small and quick enough for a start-up on two cores. */
export const STARTUP_RANKER_HYPERPARAMETERS: Partial<CtrHyperparameters> = { embedDim: 8, hidden: [64, 64], learningRate: 0.002, seed: 42 };

export interface RankerStageOptions {
  /** Root models folder; the version lands in `<modelsDir>/ranker/<version>/`. */
  modelsDir: string;
  model?: CtrModelKind;
  schema?: FeatureSchemaInput;
  activity?: readonly ActivityWindow[];
  hyperparameters?: Partial<CtrHyperparameters>;
  epochs?: number;
  batchSize?: number;
  /** Share of the window's impressions, latest by time, held out for AUC / log loss (default 0.2). */
  holdoutShare?: number;
  /** The snapshot: only events with an id up to this one (default: the largest id when the stage starts). */
  maxEventId?: number;
  /**
   * The training window: the latest N impressions (by event id) of the snapshot, train and holdout together
   * (default 2,000,000). Bounds the stage's memory (about 4 × slots bytes per impression) and time whatever
   * the table's size; older behaviour is forgotten, as a production ranker should.
   */
  maxImpressions?: number;
  /** Events read per query (default 50,000). */
  chunkSize?: number;
  /** Other ranker artefact folders to score on the same holdout (their own encoders): the promotion gate's comparison. */
  compareWith?: readonly { name: string; dir: string }[];
  /** Checked between streamed chunks and epochs: true stops the stage with an Error whose message starts with "cancelled". */
  shouldStop?: () => boolean | Promise<boolean>;
  /** Training inside a serving process: pause for the event loop after this many ms of work (default: never). */
  yieldEveryMs?: number;
  version?: string;
  onProgress?: (done: number, total: number, epoch: number) => void;
}

export interface RankerEpochPoint {
  epoch: number;
  trainLoss: number;
  auc: number | null;
  logloss: number | null;
}

export interface RankerComparison {
  name: string;
  auc: number;
  logloss: number;
}

export interface RankerStageResult {
  artifactDir: string;
  version: string;
  model: CtrModelKind;
  engine: string;
  /** Of the final weights on the time-based holdout. */
  auc: number;
  logloss: number;
  trainRows: number;
  testRows: number;
  positives: number;
  /** The snapshot bound applied and the window's first impression id. */
  maxEventId: number;
  windowFromEventId: number;
  /** ISO time of the holdout cut: holdout impressions happened at or after it. */
  holdoutFrom: string;
  /** Per epoch: mean train loss and holdout AUC / log loss. */
  curve: RankerEpochPoint[];
  /** The compareWith rankers on the same holdout, in the order given. */
  comparisons: RankerComparison[];
  /** Where the time went: reading the window from the database, encoding it, training (with the per-epoch holdout scoring), comparing. */
  timings: { loadSeconds: number; encodeSeconds: number; trainSeconds: number; compareSeconds: number };
  seconds: number;
}

function versionName(prefix: string): string {
  return `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
}

/** Rows assembled and encoded between two chances to pause. */
const ENCODE_SLICE = 65_536;

/** A pause for the event loop once `yieldEveryMs` of work have passed since the last one; a no-op when unset. */
function cooperativePause(yieldEveryMs: number | undefined): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (yieldEveryMs === undefined || performance.now() - last < yieldEveryMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = performance.now();
  };
}

async function encodeInSlices(encoder: FeatureEncoder, examples: ImpressionExamples, rows: Int32Array, pause: () => Promise<void>) {
  const out = { ids: new Int32Array(rows.length * encoder.slots), labels: new Float32Array(rows.length) };
  for (let s = 0; s < rows.length; s += ENCODE_SLICE) {
    encodeImpressionExamplesInto(encoder, examples, rows.subarray(s, s + ENCODE_SLICE), out, s);
    await pause();
  }
  return { count: rows.length, slots: encoder.slots, ...out };
}

async function checkStop(shouldStop: RankerStageOptions['shouldStop'], what: string): Promise<void> {
  if (shouldStop && (await shouldStop())) throw new Error(`cancelled ${what}`);
}

/** Trains the ranker on the snapshot's latest impressions and writes `<modelsDir>/ranker/<version>/` atomically. */
export async function trainRankerStage(db: CascadeDatabase, options: RankerStageOptions): Promise<RankerStageResult> {
  if (!options || typeof options.modelsDir !== 'string' || options.modelsDir === '') throw new Error('modelsDir: a folder path is required');
  const model = options.model ?? 'deepfm';
  if (!CTR_MODEL_KINDS.includes(model)) throw new Error(`model: must be one of ${CTR_MODEL_KINDS.join(', ')}, got "${String(model)}"`);
  const epochs = options.epochs ?? 2;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`epochs: must be a positive integer, got ${epochs}`);
  const batchSize = options.batchSize ?? 512;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize: must be a positive integer, got ${batchSize}`);
  const holdoutShare = options.holdoutShare ?? 0.2;
  if (!(holdoutShare > 0 && holdoutShare < 1)) throw new Error(`holdoutShare: must be in (0, 1), got ${holdoutShare}`);
  const maxImpressions = options.maxImpressions ?? 2_000_000;
  if (!Number.isInteger(maxImpressions) || maxImpressions < 2) throw new Error(`maxImpressions: must be an integer >= 2, got ${maxImpressions}`);
  if (options.maxEventId !== undefined && !(Number.isInteger(options.maxEventId) && options.maxEventId >= 0)) {
    throw new Error(`maxEventId: must be a non-negative integer, got ${options.maxEventId}`);
  }
  const compareWith = options.compareWith ?? [];
  if (!Array.isArray(compareWith)) throw new Error('compareWith: must be an array of { name, dir }');
  for (const c of compareWith) {
    if (!c || typeof c.name !== 'string' || c.name === '' || typeof c.dir !== 'string' || c.dir === '') {
      throw new Error('compareWith: every entry needs a non-empty name and dir');
    }
  }
  const schema: FeatureSchema = parseFeatureSchema(options.schema ?? DEFAULT_RANKER_SCHEMA);
  const started = performance.now();

  const examples = await loadImpressionExamples(db, {
    maxEventId: options.maxEventId,
    maxImpressions,
    activity: options.activity ?? DEFAULT_RANKER_ACTIVITY,
    chunkSize: options.chunkSize,
    shouldStop: options.shouldStop,
  });
  const loaded = performance.now();
  const n = examples.count;
  if (n < 2) throw new Error(`database: ${n} impressions, too few to train the ranker on`);

  // Time-based holdout: the latest impressions (ties go to the holdout as a block).
  const cut = holdoutTimeCut(examples.times.subarray(0, n), holdoutShare);
  let trainCount = 0;
  for (let i = 0; i < n; i++) if (examples.times[i] < cut) trainCount++;
  if (trainCount === 0 || trainCount === n) throw new Error('database: the impressions all share one time; no time-based holdout possible');
  const trainRowIndex = new Int32Array(trainCount);
  const testRowIndex = new Int32Array(n - trainCount);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (examples.times[i] < cut) trainRowIndex[a++] = i;
    else testRowIndex[b++] = i;
  }
  await checkStop(options.shouldStop, 'before encoding the ranker examples');

  // Vocabularies from the training part only, as serving would see them.
  // In slices, pausing for the event loop between them when training inside a serving process.
  const pause = cooperativePause(options.yieldEveryMs);
  const builder = new FeatureVocabularyBuilder(schema);
  for (let s = 0; s < trainCount; s += ENCODE_SLICE) {
    addImpressionVocabulary(builder, examples, trainRowIndex.subarray(s, s + ENCODE_SLICE));
    await pause();
  }
  const encoder = builder.build();
  const train = await encodeInSlices(encoder, examples, trainRowIndex, pause);
  const test = await encodeInSlices(encoder, examples, testRowIndex, pause);
  await checkStop(options.shouldStop, 'before training the ranker');
  const encoded = performance.now();

  const version = options.version ?? versionName(model);
  const result = await trainRanker({
    encoder,
    train,
    test,
    model,
    hyperparameters: { ...STARTUP_RANKER_HYPERPARAMETERS, ...options.hyperparameters },
    epochs,
    batchSize,
    outDir: path.join(options.modelsDir, 'ranker'),
    version,
    onProgress: options.onProgress,
    shouldStop: options.shouldStop,
    yieldEveryMs: options.yieldEveryMs,
  });
  result.ranker.dispose();
  const trained = performance.now();

  // The other rankers on the very same holdout impressions, each through its own encoder.
  const comparisons: RankerComparison[] = [];
  for (const other of compareWith) {
    await checkStop(options.shouldStop, 'while comparing rankers');
    const ranker = await loadRanker(other.dir);
    try {
      const rows = await encodeInSlices(ranker.encoder, examples, testRowIndex, pause);
      const p = ranker.scoreEncoded(rows);
      comparisons.push({ name: other.name, auc: computeAuc(rows.labels, p), logloss: logLoss(rows.labels, p) });
    } finally {
      ranker.dispose();
    }
  }

  let positives = 0;
  for (let i = 0; i < n; i++) positives += examples.labels[i];
  return {
    artifactDir: result.artifactDir!,
    version,
    model,
    engine: result.engine,
    auc: result.auc,
    logloss: result.logloss,
    trainRows: result.trainRows,
    testRows: result.testRows,
    positives,
    maxEventId: examples.maxEventId,
    windowFromEventId: examples.eventIds[0],
    holdoutFrom: new Date(cut).toISOString(),
    curve: result.training.epochs.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, auc: e.auc, logloss: e.logloss })),
    comparisons,
    timings: {
      loadSeconds: (loaded - started) / 1000,
      encodeSeconds: (encoded - loaded) / 1000,
      trainSeconds: (trained - encoded) / 1000,
      compareSeconds: (performance.now() - trained) / 1000,
    },
    seconds: (performance.now() - started) / 1000,
  };
}
