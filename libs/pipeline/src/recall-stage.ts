// The recall stages over the database: implicit ALS on the weighted events (streamed, never the whole table as
// rows), offline metrics from a per-user leave-last-out holdout, the versioned model folder, and its HNSW index.
import path from 'node:path';
import type { CascadeDatabase } from '@cascade/db';
import { streamInteractions } from '@cascade/db';
import type { TopKMetrics } from '@cascade/eval';
import {
  buildModelIndex,
  DEFAULT_ALS_OPTIONS,
  DEFAULT_EVENT_WEIGHTS,
  evaluateOnRatings,
  InteractionMatrixBuilder,
  INTERACTION_EVENT_TYPES,
  saveRecallModel,
  trainFactorModel,
  type AlsOptions,
  type EventWeightTable,
  type InteractionEventType,
} from '@cascade/recall';
import { InteractionTable } from './interaction-table.js';

export interface RecallStageOptions {
  /** Root models folder; the version lands in `<modelsDir>/recall/<version>/`. */
  modelsDir: string;
  eventWeights?: EventWeightTable;
  /** ALS hyperparameters (defaults: DEFAULT_ALS_OPTIONS with 32 factors, 10 sweeps). */
  als?: AlsOptions;
  /** Cut-off of the holdout metrics (default 10). */
  k?: number;
  /** Skip the holdout evaluation (one ALS training instead of two). */
  evaluate?: boolean;
  version?: string;
  onIteration?: (iteration: number, total: number) => void;
}

export interface RecallStageResult {
  modelDir: string;
  version: string;
  users: number;
  items: number;
  events: number;
  nnz: number;
  /** Leave-last-out top-k metrics of a model trained without each user's latest interaction; null when skipped. */
  holdout: TopKMetrics | null;
  trainSeconds: number;
  seconds: number;
}

export const STARTUP_ALS_OPTIONS: AlsOptions = { ...DEFAULT_ALS_OPTIONS, factors: 32, iterations: 10 };

/** Event types whose weight can be non-zero under the table: the only ones worth reading from the database. */
export function weightedTypes(weights: EventWeightTable): InteractionEventType[] {
  return INTERACTION_EVENT_TYPES.filter((t) => {
    const w = weights[t];
    return w !== undefined && (w.weight !== 0 || (w.valueScale ?? 0) !== 0);
  });
}

function versionName(prefix: string): string {
  return `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
}

/** Trains implicit ALS on the database's events and writes `<modelsDir>/recall/<version>/` atomically. */
export async function trainRecallStage(db: CascadeDatabase, options: RecallStageOptions): Promise<RecallStageResult> {
  if (!options || typeof options.modelsDir !== 'string' || options.modelsDir === '') throw new Error('modelsDir: a folder path is required');
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new Error(`k: must be a positive integer, got ${k}`);
  const started = performance.now();
  const eventWeights = options.eventWeights ?? DEFAULT_EVENT_WEIGHTS;
  const types = weightedTypes(eventWeights);
  if (types.length === 0) throw new Error('eventWeights: every event type has weight 0');
  const table = new InteractionTable();
  for await (const chunk of streamInteractions(db.sql, { types })) table.append(chunk);
  const columns = table.columns();
  const builder = new InteractionMatrixBuilder(eventWeights);
  builder.add(columns);
  const matrix = builder.build();
  if (matrix.nnz === 0) throw new Error('database: no events with a non-zero weight to train the recall model on');
  const als: AlsOptions = { ...STARTUP_ALS_OPTIONS, ...options.als };

  let holdout: TopKMetrics | null = null;
  if (options.evaluate ?? true) {
    // Leave-last-out over the weighted events: each user's latest interaction is the one to find.
    const evaluation = await evaluateOnRatings(columns, { protocol: 'leave-last-out', k, algorithm: 'als', training: als, eventWeights });
    holdout = evaluation.metrics;
  }

  const total = als.iterations ?? DEFAULT_ALS_OPTIONS.iterations ?? 0;
  const t0 = performance.now();
  const model = await trainFactorModel(matrix, 'als', { ...als, onIteration: (it) => options.onIteration?.(it, total) });
  const trainSeconds = (performance.now() - t0) / 1000;
  const version = options.version ?? versionName('als');
  const modelDir = saveRecallModel(path.join(options.modelsDir, 'recall'), model, {
    version,
    algorithm: 'als',
    userIds: Array.from(matrix.userIds),
    itemIds: Array.from(matrix.itemIds),
    hyperparameters: { ...als, eventWeights },
    metrics: { trainSeconds, events: columns.length, nnz: matrix.nnz, holdout: holdout ? { protocol: 'leave-last-out', ...holdout } : null },
    source: { kind: 'database', database: db.kind, types },
  });
  return {
    modelDir,
    version,
    users: model.users,
    items: model.items,
    events: columns.length,
    nnz: matrix.nnz,
    holdout,
    trainSeconds,
    seconds: (performance.now() - started) / 1000,
  };
}

export interface IndexStageOptions {
  M?: number;
  efConstruction?: number;
  ef?: number;
  /** Mark the items that are inactive in the database as deleted (needs `db`). */
  db?: CascadeDatabase;
  onProgress?: (done: number, total: number) => void;
}

export interface IndexStageResult {
  indexFile: string;
  items: number;
  dim: number;
  markedDeleted: number;
  seconds: number;
}

/** Builds the HNSW inner-product index of a recall model version and saves it as `<modelDir>/items.hnsw`. */
export async function buildIndexStage(modelDir: string, options: IndexStageOptions = {}): Promise<IndexStageResult> {
  if (typeof modelDir !== 'string' || modelDir === '') throw new Error('modelDir: a recall model folder is required');
  const started = performance.now();
  let deletedItemIds: number[] = [];
  if (options.db) {
    const rows = await options.db.sql.query<{ id: number }>('SELECT id FROM items WHERE active = false');
    deletedItemIds = rows.map((r) => Number(r.id));
  }
  const r = buildModelIndex(modelDir, { M: options.M, efConstruction: options.efConstruction, ef: options.ef, deletedItemIds, onProgress: options.onProgress });
  return { indexFile: r.indexFile, items: r.items, dim: r.dim, markedDeleted: r.markedDeleted, seconds: (performance.now() - started) / 1000 };
}
