// The models `npm start` needs before it serves: a recall model with its HNSW index and a ranker. Each stage
// runs only when the registry has no active version of its kind yet, so a second start reuses them. What a
// stage trains is registered and promoted (it is the first version of its kind); complete artefacts that an
// older install left in the models folder without a registry row are registered instead of retrained.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { CascadeDatabase } from '@cascade/db';
import { INDEX_FILE_NAME } from '@cascade/recall';
import { activeModelVersion, promoteModelVersion, registerModelVersion, type ModelKind, type ModelVersionRecord } from './model-registry.js';
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

/** An active version whose artefact is complete on disk (recall: with its index), or null. */
async function servableVersion(db: CascadeDatabase, kind: ModelKind): Promise<ModelVersionRecord | null> {
  const active = await activeModelVersion(db.sql, kind);
  if (!active?.artifactPath) return null;
  const required = kind === 'recall' ? ['model.json', INDEX_FILE_NAME] : ['model.json'];
  return required.every((f) => existsSync(path.join(active.artifactPath!, f))) ? active : null;
}

/** Registers an artefact folder and makes it the active version of its kind. */
async function registerAndPromote(db: CascadeDatabase, kind: ModelKind, dir: string, metrics: Record<string, unknown>, decision: string): Promise<ModelVersionRecord> {
  const record = await registerModelVersion(db.sql, { kind, name: path.basename(dir), artifactPath: dir, metrics, decision });
  return promoteModelVersion(db.sql, record.id);
}

export interface ServingModels {
  recallModelDir: string | null;
  indexFile: string | null;
  rankerDir: string | null;
  /** The registry versions being served (null: that stage is on its fallback). */
  versions: Record<ModelKind, ModelVersionRecord | null>;
}

/** The artefacts of the active versions in the registry: what every server loads (and reloads on promotion). */
export async function resolveServingModels(db: CascadeDatabase): Promise<ServingModels> {
  const recall = await servableVersion(db, 'recall');
  const ranker = await servableVersion(db, 'ranker');
  return {
    recallModelDir: recall?.artifactPath ?? null,
    indexFile: recall?.artifactPath ? path.join(recall.artifactPath, INDEX_FILE_NAME) : null,
    rankerDir: ranker?.artifactPath ?? null,
    versions: { recall, ranker },
  };
}

/** Trains (and registers as active) whatever of recall model, index and ranker the registry lacks. */
export async function ensureStartupModels(db: CascadeDatabase, options: StartupModelsOptions): Promise<StartupModels> {
  if (!options || typeof options.modelsDir !== 'string' || options.modelsDir === '') throw new Error('modelsDir: a folder path is required');
  const stages: StartupStageReport[] = [];
  const report = (r: StartupStageReport) => {
    stages.push(r);
    options.onProgress?.(r);
  };
  const legacy = findStartupModels(options.modelsDir);
  let recallModelDir: string | null = null;
  let indexFile: string | null = null;
  let rankerDir: string | null = null;

  const activeRecall = await servableVersion(db, 'recall');
  if (activeRecall) {
    recallModelDir = activeRecall.artifactPath;
    indexFile = path.join(recallModelDir!, INDEX_FILE_NAME);
    report({ stage: 'recall', status: 'reused', path: recallModelDir, seconds: 0, metrics: {} });
    report({ stage: 'index', status: 'reused', path: indexFile, seconds: 0, metrics: {} });
  } else if (legacy.recallModelDir && legacy.indexed) {
    recallModelDir = legacy.recallModelDir;
    indexFile = path.join(recallModelDir, INDEX_FILE_NAME);
    await registerAndPromote(db, 'recall', recallModelDir, {}, 'registered: found in the models folder at start-up');
    report({ stage: 'recall', status: 'reused', path: recallModelDir, seconds: 0, metrics: {} });
    report({ stage: 'index', status: 'reused', path: indexFile, seconds: 0, metrics: {} });
  } else if ((await countEvents(db, ['click', 'like', 'rating', 'purchase', 'custom'])) === 0) {
    report({ stage: 'recall', status: 'skipped', path: null, seconds: 0, metrics: {}, reason: 'no interaction events yet' });
    report({ stage: 'index', status: 'skipped', path: null, seconds: 0, metrics: {}, reason: 'no recall model' });
  } else {
    const r = await trainRecallStage(db, { ...options.recall, modelsDir: options.modelsDir });
    const metrics: Record<string, number> = { users: r.users, items: r.items, nnz: r.nnz };
    if (r.holdout) Object.assign(metrics, { k: r.holdout.k, ndcg: round(r.holdout.ndcg), recall: round(r.holdout.recall), hitRate: round(r.holdout.hitRate) });
    report({ stage: 'recall', status: 'trained', path: r.modelDir, seconds: r.seconds, metrics });
    const idx = await buildIndexStage(r.modelDir, { db });
    report({ stage: 'index', status: 'trained', path: idx.indexFile, seconds: idx.seconds, metrics: { items: idx.items, dim: idx.dim, markedDeleted: idx.markedDeleted } });
    // Registered only now that the model and its index are complete.
    await registerAndPromote(db, 'recall', r.modelDir, { ...metrics, protocol: 'leave-last-out' }, 'promoted: first recall version (npm start)');
    recallModelDir = r.modelDir;
    indexFile = idx.indexFile;
  }

  const activeRanker = await servableVersion(db, 'ranker');
  if (activeRanker) {
    rankerDir = activeRanker.artifactPath;
    report({ stage: 'ranker', status: 'reused', path: rankerDir, seconds: 0, metrics: {} });
  } else if (legacy.rankerDir) {
    rankerDir = legacy.rankerDir;
    await registerAndPromote(db, 'ranker', rankerDir, {}, 'registered: found in the models folder at start-up');
    report({ stage: 'ranker', status: 'reused', path: rankerDir, seconds: 0, metrics: {} });
  } else if ((await countEvents(db, ['impression'])) < 2) {
    report({ stage: 'ranker', status: 'skipped', path: null, seconds: 0, metrics: {}, reason: 'too few impressions yet' });
  } else {
    const r = await trainRankerStage(db, { ...options.ranker, modelsDir: options.modelsDir });
    const metrics = { auc: round(r.auc), logloss: round(r.logloss), trainRows: r.trainRows, testRows: r.testRows, positives: r.positives };
    await registerAndPromote(db, 'ranker', r.artifactDir, { ...metrics, model: r.model }, 'promoted: first ranker version (npm start)');
    rankerDir = r.artifactDir;
    report({ stage: 'ranker', status: 'trained', path: r.artifactDir, seconds: r.seconds, metrics });
  }
  return { recallModelDir, indexFile, rankerDir, stages };
}
