// The models `npm start` needs before it serves: a recall model with its HNSW index and a ranker. Each stage
// runs only when the models folder holds no complete artefact of its kind yet, so a second start reuses them.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { CascadeDatabase } from '@cascade/db';
import { INDEX_FILE_NAME } from '@cascade/recall';
import { buildIndexStage, trainRecallStage, type RecallStageOptions } from './recall-stage.js';
import { trainRankerStage, type RankerStageOptions } from './ranker-stage.js';

export type StartupStageName = 'recall' | 'index' | 'ranker';

export interface StartupStageReport {
  stage: StartupStageName;
  /** trained: ran now; reused: a complete artefact was there; skipped: nothing to train on. */
  status: 'trained' | 'reused' | 'skipped';
  /** The artefact folder (recall model, ranker) or index file; null when skipped. */
  path: string | null;
  seconds: number;
  /** Key metrics of a stage that ran now (recall: ndcg/recall/hitRate at k on the holdout; ranker: auc/logloss). */
  metrics: Record<string, number>;
  reason?: string;
}

export interface StartupModelsOptions {
  modelsDir: string;
  recall?: Omit<RecallStageOptions, 'modelsDir'>;
  ranker?: Omit<RankerStageOptions, 'modelsDir'>;
  /** Called once per stage as it finishes (or is reused / skipped). */
  onProgress?: (report: StartupStageReport) => void;
}

export interface StartupModels {
  recallModelDir: string | null;
  indexFile: string | null;
  rankerDir: string | null;
  stages: StartupStageReport[];
}

/** Version folders (newest name last) under `dir` that hold `required` files; temporary folders are ignored. */
function completeVersions(dir: string, required: readonly string[]): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => path.join(dir, e.name))
    .filter((d) => required.every((f) => existsSync(path.join(d, f))))
    .sort();
}

/** The newest complete recall model (with its index) and ranker in `modelsDir`, or null for each missing one. */
export function findStartupModels(modelsDir: string): { recallModelDir: string | null; indexed: boolean; rankerDir: string | null } {
  const recall = completeVersions(path.join(modelsDir, 'recall'), ['model.json']);
  const indexed = recall.filter((d) => existsSync(path.join(d, `${INDEX_FILE_NAME}.json`)) && existsSync(path.join(d, INDEX_FILE_NAME)));
  const ranker = completeVersions(path.join(modelsDir, 'ranker'), ['model.json']);
  const recallModelDir = indexed.at(-1) ?? recall.at(-1) ?? null;
  return { recallModelDir, indexed: indexed.length > 0, rankerDir: ranker.at(-1) ?? null };
}

async function countEvents(db: CascadeDatabase, types: readonly string[]): Promise<number> {
  const rows = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE type::text = ANY($1::text[])`, [types]);
  return Number(rows[0]?.n ?? 0);
}

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Trains whatever of recall model, index and ranker `modelsDir` lacks, from the database's events. */
export async function ensureStartupModels(db: CascadeDatabase, options: StartupModelsOptions): Promise<StartupModels> {
  if (!options || typeof options.modelsDir !== 'string' || options.modelsDir === '') throw new Error('modelsDir: a folder path is required');
  const stages: StartupStageReport[] = [];
  const report = (r: StartupStageReport) => {
    stages.push(r);
    options.onProgress?.(r);
  };
  const found = findStartupModels(options.modelsDir);
  let recallModelDir = found.recallModelDir;
  let indexFile = found.indexed && recallModelDir ? path.join(recallModelDir, INDEX_FILE_NAME) : null;
  let rankerDir = found.rankerDir;

  if (recallModelDir) {
    report({ stage: 'recall', status: 'reused', path: recallModelDir, seconds: 0, metrics: {} });
  } else if ((await countEvents(db, ['click', 'like', 'rating', 'purchase', 'custom'])) === 0) {
    report({ stage: 'recall', status: 'skipped', path: null, seconds: 0, metrics: {}, reason: 'no interaction events yet' });
  } else {
    const r = await trainRecallStage(db, { ...options.recall, modelsDir: options.modelsDir });
    recallModelDir = r.modelDir;
    const metrics: Record<string, number> = { users: r.users, items: r.items, nnz: r.nnz };
    if (r.holdout) Object.assign(metrics, { k: r.holdout.k, ndcg: round(r.holdout.ndcg), recall: round(r.holdout.recall), hitRate: round(r.holdout.hitRate) });
    report({ stage: 'recall', status: 'trained', path: r.modelDir, seconds: r.seconds, metrics });
  }

  if (indexFile) {
    report({ stage: 'index', status: 'reused', path: indexFile, seconds: 0, metrics: {} });
  } else if (!recallModelDir) {
    report({ stage: 'index', status: 'skipped', path: null, seconds: 0, metrics: {}, reason: 'no recall model' });
  } else {
    const r = await buildIndexStage(recallModelDir, { db });
    indexFile = r.indexFile;
    report({ stage: 'index', status: 'trained', path: r.indexFile, seconds: r.seconds, metrics: { items: r.items, dim: r.dim, markedDeleted: r.markedDeleted } });
  }

  if (rankerDir) {
    report({ stage: 'ranker', status: 'reused', path: rankerDir, seconds: 0, metrics: {} });
  } else if ((await countEvents(db, ['impression'])) < 2) {
    report({ stage: 'ranker', status: 'skipped', path: null, seconds: 0, metrics: {}, reason: 'too few impressions yet' });
  } else {
    const r = await trainRankerStage(db, { ...options.ranker, modelsDir: options.modelsDir });
    rankerDir = r.artifactDir;
    report({
      stage: 'ranker',
      status: 'trained',
      path: r.artifactDir,
      seconds: r.seconds,
      metrics: { auc: round(r.auc), logloss: round(r.logloss), trainRows: r.trainRows, testRows: r.testRows, positives: r.positives },
    });
  }
  return { recallModelDir, indexFile, rankerDir, stages };
}
