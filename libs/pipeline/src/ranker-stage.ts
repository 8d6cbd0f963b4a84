// The ranking stage over the database: every impression becomes one example, labelled 1 when the same user
// clicked the same item in the same request; features come through @cascade/features' database path (the
// serving path), the holdout is the latest 20% of impressions by time, and the DeepFM ranker is saved as a
// versioned artefact.
import path from 'node:path';
import type { CascadeDatabase } from '@cascade/db';
import {
  assembleFeatureRow,
  assembleTrainingRows,
  FeatureVocabularyBuilder,
  loadTrainingRecords,
  parseFeatureSchema,
  type ActivityWindow,
  type FeatureRecords,
  type FeatureSchema,
  type FeatureSchemaInput,
} from '@cascade/features';
import { CTR_MODEL_KINDS, trainRanker, type CtrHyperparameters, type CtrModelKind } from '@cascade/ranking';

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
  /** Share of the impressions, latest by time, held out for AUC / log loss (default 0.2). */
  holdoutShare?: number;
  version?: string;
  onProgress?: (done: number, total: number, epoch: number) => void;
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
  seconds: number;
}

/**
 * Click label of each impression in event-id order (the order streamInteractions, and so loadTrainingRecords,
 * yields them): a click by the same user on the same item in the same request, or, for impressions without a
 * request id, a request-less click within the following hour.
 */
async function impressionClickLabels(db: CascadeDatabase): Promise<Float32Array> {
  const rows = await db.sql.query<{ clicked: boolean }>(
    `SELECT bool_or(c.id IS NOT NULL) AS clicked
       FROM events e
       LEFT JOIN events c ON c.type = 'click' AND c.user_id = e.user_id AND c.item_id = e.item_id
        AND (c.request_id = e.request_id
             OR (e.request_id IS NULL AND c.request_id IS NULL
                 AND c.occurred_at >= e.occurred_at AND c.occurred_at < e.occurred_at + interval '1 hour'))
      WHERE e.type = 'impression'
      GROUP BY e.id
      ORDER BY e.id`,
  );
  return Float32Array.from(rows, (r) => (r.clicked ? 1 : 0));
}

function versionName(prefix: string): string {
  return `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
}

/** Trains the ranker on the database's impressions and writes `<modelsDir>/ranker/<version>/` atomically. */
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
  const schema: FeatureSchema = parseFeatureSchema(options.schema ?? DEFAULT_RANKER_SCHEMA);
  const started = performance.now();

  const { examples } = await loadTrainingRecords(db, {
    label: (type) => (type === 'impression' ? 0 : null),
    activity: options.activity ?? DEFAULT_RANKER_ACTIVITY,
  });
  const labels = await impressionClickLabels(db);
  if (labels.length !== examples.length) {
    throw new Error(`database: ${examples.length} impressions streamed but ${labels.length} labelled (events written meanwhile?)`);
  }
  if (examples.length < 2) throw new Error(`database: ${examples.length} impressions, too few to train the ranker on`);

  // Time-based holdout: the latest impressions (ties go to the holdout as a block).
  const times = Float64Array.from(examples, (e) => {
    const t = e.context?.timestamp;
    return t instanceof Date ? t.getTime() : (t ?? 0);
  });
  const sorted = Float64Array.from(times).sort();
  const cut = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * (1 - holdoutShare)))];
  const trainRecords: FeatureRecords[] = [];
  const testRecords: FeatureRecords[] = [];
  const trainLabels: number[] = [];
  const testLabels: number[] = [];
  for (let i = 0; i < examples.length; i++) {
    if (times[i] < cut) {
      trainRecords.push(examples[i]);
      trainLabels.push(labels[i]);
    } else {
      testRecords.push(examples[i]);
      testLabels.push(labels[i]);
    }
  }
  if (trainRecords.length === 0 || testRecords.length === 0) throw new Error('database: the impressions all share one time; no time-based holdout possible');

  // Vocabularies from the training part only, as serving would see them.
  const builder = new FeatureVocabularyBuilder(schema);
  for (const e of trainRecords) builder.addRow(assembleFeatureRow(schema, e));
  const encoder = builder.build();
  const train = { ...assembleTrainingRows(encoder, trainRecords), labels: Float32Array.from(trainLabels) };
  const test = { ...assembleTrainingRows(encoder, testRecords), labels: Float32Array.from(testLabels) };

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
  });
  result.ranker.dispose();
  return {
    artifactDir: result.artifactDir!,
    version,
    model,
    engine: result.engine,
    auc: result.auc,
    logloss: result.logloss,
    trainRows: result.trainRows,
    testRows: result.testRows,
    positives: labels.reduce((s, y) => s + y, 0),
    seconds: (performance.now() - started) / 1000,
  };
}
