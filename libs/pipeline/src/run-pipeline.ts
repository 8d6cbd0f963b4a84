// `cascade pipeline`: snapshot the interactions → train ALS → evaluate it → build its HNSW index → train the
// ranker → register the versions → promote each only if it beats the active version on the same time-based
// holdout by the configured margin. One pipeline per model kind runs at a time (a database lease). Artefacts are
// written to temporary folders and renamed into place, and a version is registered only once its artefact and
// metrics are complete, so a run killed at any moment leaves the registry and the served models as they were.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CascadeDatabase } from '@cascade/db';
import { INDEX_FILE_NAME } from '@cascade/recall';
import { acquireJobLock, type JobLease } from './job-lock.js';
import { isWorkerDead } from './job-store.js';
import { activeModelVersion, checkModelKind, promoteModelVersion, registerModelVersion, type ModelKind, type ModelVersionRecord } from './model-registry.js';
import { checkPromotionGate, decidePromotion, DEFAULT_PROMOTION_GATES, type PromotionGate, type PromotionGates } from './promotion-gate.js';
import { CancelledError, trainRecallCandidate, type RecallCandidateOptions } from './recall-candidate.js';
import { buildIndexStage } from './recall-stage.js';
import { trainRankerStage, type RankerStageOptions } from './ranker-stage.js';

export const PIPELINE_STAGES = ['snapshot', 'train_recall', 'evaluate_recall', 'build_index', 'train_ranker', 'register'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/** Rough share of a run's time per stage, for the overall progress figure. */
const STAGE_WEIGHT: Record<PipelineStage, number> = { snapshot: 0.02, train_recall: 0.33, evaluate_recall: 0.08, build_index: 0.1, train_ranker: 0.42, register: 0.05 };

export interface PipelineProgress {
  stage: PipelineStage;
  /** Overall progress of the run, 0 … 1. */
  progress: number;
  message: string;
}

export interface PipelineOptions {
  /** Root models folder (`<modelsDir>/recall/…`, `<modelsDir>/ranker/…`). */
  modelsDir: string;
  /** Which model kinds to retrain (default both). */
  kinds?: ModelKind[];
  /** Share of the snapshot, latest by time, held out for the metrics (default 0.1). */
  holdoutShare?: number;
  recall?: Pick<RecallCandidateOptions, 'als' | 'eventWeights' | 'k' | 'evaluationUsers'>;
  ranker?: Omit<RankerStageOptions, 'modelsDir' | 'version' | 'maxEventId' | 'compareWith' | 'shouldStop' | 'onProgress'>;
  /** Metric and margin per kind (defaults: recall nDCG@k, ranker AUC, margin 0). */
  gates?: Partial<PromotionGates>;
  /** Register the versions but promote none (a dry run of the gate). */
  promote?: boolean;
  /** The job row this run reports to (recorded on the versions it registers). */
  jobId?: number | null;
  /** Lease time of the per-kind lock: a crashed holder blocks others at most this long (default 60 s). */
  lockTtlMs?: number;
  onProgress?: (progress: PipelineProgress) => void;
  onLog?: (line: string) => void;
  /** Polled between steps: true stops the run (nothing is registered) with a CancelledError. */
  shouldStop?: () => boolean;
  /**
   * Running inside a serving process (the embedded database's only process): ranker training pauses for the event
   * loop every few ms so requests keep being answered while it trains.
   */
  cooperative?: boolean;
}

export interface PipelineVersionOutcome {
  kind: ModelKind;
  id: number;
  version: number;
  name: string;
  promoted: boolean;
  decision: string;
  metrics: Record<string, unknown>;
  /** The active version it was compared with, and its metrics on the same holdout. */
  baseline: { id: number; version: number; metrics: Record<string, unknown> } | null;
}

export interface PipelineResult {
  snapshot: { maxEventId: number; events: number; takenAt: string };
  stages: { name: PipelineStage; seconds: number }[];
  versions: PipelineVersionOutcome[];
  seconds: number;
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/** Prefix of the artefact folders a pipeline writes (so a rerun can clear what a killed run left). */
const PIPELINE_PREFIX = 'pipeline-';

/**
 * Removes what killed runs left under `<modelsDir>/<kind>/`: temporary folders of dead processes and pipeline
 * folders that never got registered. Called with the kind's lock held, so no live run of the kind writes there.
 */
async function clearAbandonedArtefacts(db: CascadeDatabase, modelsDir: string, kind: ModelKind, log: (line: string) => void): Promise<void> {
  const dir = path.join(modelsDir, kind);
  if (!existsSync(dir)) return;
  const registered = new Set(
    (await db.sql.query<{ artifact_path: string | null }>('SELECT artifact_path FROM model_versions WHERE kind = $1', [kind])).map((r) => r.artifact_path && path.resolve(r.artifact_path)),
  );
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const full = path.resolve(dir, entry.name);
    const tmp = /\.tmp-(\d+)$/.exec(entry.name);
    const abandonedTmp = tmp !== null && Number(tmp[1]) !== process.pid && isWorkerDead(`${os.hostname()}:${tmp[1]}`);
    const unregistered = entry.name.startsWith(PIPELINE_PREFIX) && !registered.has(full);
    if (abandonedTmp || unregistered) {
      rmSync(full, { recursive: true, force: true });
      log(`removed ${kind}/${entry.name} (left by an interrupted run)`);
    }
  }
}

function metricsOf(record: ModelVersionRecord | null): Record<string, unknown> {
  return record?.metrics ?? {};
}

export async function runPipeline(db: CascadeDatabase, options: PipelineOptions): Promise<PipelineResult> {
  if (!db?.sql) throw new Error('db: an open CascadeDatabase is required');
  if (!options || typeof options.modelsDir !== 'string' || options.modelsDir === '') throw new Error('modelsDir: a folder path is required');
  const kinds = [...new Set(options.kinds ?? ['recall', 'ranker'])].map((k, i) => checkModelKind(k, `kinds[${i}]`));
  if (kinds.length === 0) throw new Error('kinds: name at least one model kind (recall, ranker)');
  const holdoutShare = options.holdoutShare ?? 0.1;
  if (!(holdoutShare > 0 && holdoutShare < 1)) throw new Error(`holdoutShare: must be in (0, 1), got ${holdoutShare}`);
  const gates: PromotionGates = { ...DEFAULT_PROMOTION_GATES, ...options.gates };
  for (const kind of kinds) checkPromotionGate(kind, gates[kind]);
  const modelsDir = path.resolve(options.modelsDir);
  const log = (line: string) => options.onLog?.(line);
  const started = performance.now();
  const stages: PipelineResult['stages'] = [];
  let done = 0;
  const recallStages: readonly PipelineStage[] = ['train_recall', 'evaluate_recall', 'build_index'];
  const planned = PIPELINE_STAGES.filter((s) => (recallStages.includes(s) ? kinds.includes('recall') : s === 'train_ranker' ? kinds.includes('ranker') : true)).reduce(
    (sum, s) => sum + STAGE_WEIGHT[s],
    0,
  );
  const stop = (where: string) => {
    if (options.shouldStop?.()) throw new CancelledError(where);
  };
  async function stage<T>(name: PipelineStage, work: (report: (fraction: number, message: string) => void) => Promise<T>): Promise<T> {
    stop(`before ${name}`);
    const t0 = performance.now();
    const report = (fraction: number, message: string) =>
      options.onProgress?.({ stage: name, progress: Math.min(1, (done + STAGE_WEIGHT[name] * Math.min(1, Math.max(0, fraction))) / planned), message });
    report(0, `${name.replace('_', ' ')}…`);
    const result = await work(report);
    const seconds = (performance.now() - t0) / 1000;
    stages.push({ name, seconds });
    done += STAGE_WEIGHT[name];
    log(`${name} done in ${seconds.toFixed(1)} s`);
    return result;
  }

  // One lease per kind, all taken before any work: a second pipeline of a kind is refused at once.
  const leases: JobLease[] = [];
  try {
    for (const kind of kinds) leases.push(await acquireJobLock(db.sql, `pipeline:${kind}`, { jobId: options.jobId ?? null, ttlMs: options.lockTtlMs }));
    for (const kind of kinds) await clearAbandonedArtefacts(db, modelsDir, kind, log);

    const snapshot = await stage('snapshot', async () => {
      const rows = await db.sql.query<{ max_id: string | number | null; n: number }>('SELECT max(id) AS max_id, count(*)::int AS n FROM events');
      const maxEventId = Number(rows[0]?.max_id ?? 0);
      if (maxEventId === 0) throw new Error('database: no events yet; import or log events before running the pipeline');
      return { maxEventId, events: Number(rows[0]?.n ?? 0), takenAt: new Date().toISOString() };
    });
    log(`snapshot: ${snapshot.events} events up to id ${snapshot.maxEventId}`);
    const name = `${PIPELINE_PREFIX}${stamp()}`;
    const candidates: { kind: ModelKind; name: string; dir: string; metrics: Record<string, unknown>; baseline: ModelVersionRecord | null; baselineMetrics: Record<string, unknown> | null; hyperparameters: Record<string, unknown> }[] = [];

    if (kinds.includes('recall')) {
      const active = await activeModelVersion(db.sql, 'recall');
      const compareWith = active?.artifactPath && existsSync(path.join(active.artifactPath, 'model.json')) ? [{ name: active.name, dir: active.artifactPath }] : [];
      const r = await stage('train_recall', (report) =>
        trainRecallCandidate(db, {
          ...options.recall,
          modelsDir,
          version: `${name}-als`,
          maxEventId: snapshot.maxEventId,
          holdoutShare,
          compareWith,
          shouldStop: options.shouldStop,
          onIteration: (it, total) => report(it / Math.max(1, total), `ALS sweep ${it}/${total}`),
          onStep: (step) => {
            if (step === 'evaluate') report(1, 'evaluating on the holdout');
          },
        }),
      );
      // Evaluation ran inside the candidate step (it needs the in-memory holdout); account for it separately.
      const evaluateSeconds = r.evaluateSeconds;
      const trainStage = stages.at(-1)!;
      trainStage.seconds -= evaluateSeconds;
      stages.push({ name: 'evaluate_recall', seconds: evaluateSeconds });
      done += STAGE_WEIGHT.evaluate_recall;
      const k = r.metrics.k;
      log(`recall candidate: nDCG@${k} ${r.metrics.ndcg.toFixed(4)}, recall@${k} ${r.metrics.recall.toFixed(4)} on ${r.metrics.users} holdout users`);
      if (r.comparisons[0]) log(`active recall ${active?.name}: nDCG@${k} ${r.comparisons[0].metrics.ndcg.toFixed(4)}, recall@${k} ${r.comparisons[0].metrics.recall.toFixed(4)} on the same holdout`);
      await stage('build_index', async (report) => {
        const built = await buildIndexStage(r.modelDir, { db, onProgress: (d, t) => report(d / Math.max(1, t), `HNSW ${d}/${t}`) });
        log(`HNSW index: ${built.items} items, ${built.dim} dims`);
      });
      if (!existsSync(path.join(r.modelDir, INDEX_FILE_NAME))) throw new Error(`build_index: ${r.modelDir} has no ${INDEX_FILE_NAME}`);
      const toRecord = (m: typeof r.metrics) => ({ k: m.k, users: m.users, ndcg: m.ndcg, recall: m.recall, hitRate: m.hitRate, precision: m.precision, map: m.map });
      candidates.push({
        kind: 'recall',
        name: r.version,
        dir: r.modelDir,
        metrics: { ...toRecord(r.metrics), holdoutFrom: r.holdoutFrom, events: r.events, trainEvents: r.trainEvents, users_trained: r.users, items_trained: r.items, nnz: r.nnz, trainSeconds: r.trainSeconds },
        baseline: compareWith.length > 0 ? active : null,
        baselineMetrics: r.comparisons[0] ? toRecord(r.comparisons[0].metrics) : null,
        hyperparameters: { algorithm: 'als', ...options.recall?.als },
      });
    }

    if (kinds.includes('ranker')) {
      const active = await activeModelVersion(db.sql, 'ranker');
      const compareWith = active?.artifactPath && existsSync(path.join(active.artifactPath, 'model.json')) ? [{ name: active.name, dir: active.artifactPath }] : [];
      const stageOptions: RankerStageOptions = {
        ...options.ranker,
        modelsDir,
        version: `${name}-${options.ranker?.model ?? 'deepfm'}`,
        holdoutShare,
        maxEventId: snapshot.maxEventId,
        compareWith,
        shouldStop: options.shouldStop,
        ...(options.cooperative ? { yieldEveryMs: 20 } : {}),
      };
      const r = await stage('train_ranker', (report) =>
        trainRankerStage(db, { ...stageOptions, onProgress: (d, t, epoch) => report(d / Math.max(1, t), `epoch ${epoch}: ${d}/${t} rows`) }),
      );
      const comparisons = r.comparisons;
      log(`ranker candidate: AUC ${r.auc.toFixed(4)}, logloss ${r.logloss.toFixed(4)} on ${r.testRows} holdout impressions`);
      if (comparisons[0]) log(`active ranker ${active?.name}: AUC ${comparisons[0].auc.toFixed(4)}, logloss ${comparisons[0].logloss.toFixed(4)} on the same holdout`);
      candidates.push({
        kind: 'ranker',
        name: r.version,
        dir: r.artifactDir,
        metrics: { auc: r.auc, logloss: r.logloss, trainRows: r.trainRows, testRows: r.testRows, positives: r.positives, engine: r.engine, curve: r.curve, holdoutFrom: r.holdoutFrom },
        baseline: comparisons[0] ? active : null,
        baselineMetrics: comparisons[0] ? { auc: comparisons[0].auc, logloss: comparisons[0].logloss } : null,
        hyperparameters: { model: r.model, ...options.ranker?.hyperparameters },
      });
    }

    const versions = await stage('register', async () => {
      const out: PipelineVersionOutcome[] = [];
      for (const c of candidates) {
        stop('before registering');
        const gate: PromotionGate = gates[c.kind];
        const verdict = decidePromotion(c.kind, gate, c.metrics, c.baseline ? { version: c.baseline.version, metrics: c.baselineMetrics ?? metricsOf(c.baseline) } : null);
        const promote = verdict.promote && options.promote !== false;
        const decision = verdict.promote && options.promote === false ? `not promoted (dry run): would have been ${verdict.reason}` : verdict.reason;
        const record = await registerModelVersion(db.sql, {
          kind: c.kind,
          name: c.name,
          artifactPath: c.dir,
          metrics: { ...c.metrics, gate: { metric: gate.metric, minImprovement: gate.minImprovement }, baseline: c.baselineMetrics },
          hyperparameters: c.hyperparameters,
          parentId: c.baseline?.id ?? null,
          jobId: options.jobId ?? null,
          decision,
        });
        if (promote) await promoteModelVersion(db.sql, record.id);
        log(`${c.kind} v${record.version} (${c.name}): ${decision}`);
        out.push({
          kind: c.kind,
          id: record.id,
          version: record.version,
          name: c.name,
          promoted: promote,
          decision,
          metrics: c.metrics,
          baseline: c.baseline ? { id: c.baseline.id, version: c.baseline.version, metrics: c.baselineMetrics ?? {} } : null,
        });
      }
      return out;
    });
    options.onProgress?.({ stage: 'register', progress: 1, message: 'done' });
    return { snapshot, stages, versions, seconds: (performance.now() - started) / 1000 };
  } finally {
    for (const lease of leases) await lease.release().catch(() => undefined);
  }
}
