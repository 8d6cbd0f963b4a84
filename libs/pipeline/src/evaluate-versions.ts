// `cascade evaluate`: registered model versions measured side by side on the current data's time-based holdout
// (the latest share of the snapshot), each through its own artefact: recall by top-k metrics on a seeded sample
// of holdout users, rankers by AUC and log loss on the held-out impressions.
import type { CascadeDatabase } from '@cascade/db';
import { auc as computeAuc, logLoss } from '@cascade/eval';
import { encodeImpressionExamples, loadImpressionExamples } from '@cascade/features';
import { loadRanker } from '@cascade/ranking';
import { DEFAULT_EVENT_WEIGHTS } from '@cascade/recall';
import { getModelVersion, listModelVersions, type ModelVersionRecord } from './model-registry.js';
import { buildRecallHoldout, checkHoldoutOptions, evaluateRecallArtefact, readWeightedInteractions, recallTimeCut } from './recall-candidate.js';
import { DEFAULT_RANKER_ACTIVITY } from './ranker-stage.js';
import { holdoutTimeCut } from './time-holdout.js';

export interface EvaluateVersionsOptions {
  /** Version ids to evaluate (default: the active and the newest other version of each kind). */
  ids?: number[];
  holdoutShare?: number;
  k?: number;
  evaluationUsers?: number;
  maxImpressions?: number;
}

export interface VersionEvaluation {
  id: number;
  kind: ModelVersionRecord['kind'];
  version: number;
  name: string;
  status: ModelVersionRecord['status'];
  metrics: Record<string, number>;
}

export interface EvaluateVersionsResult {
  maxEventId: number;
  holdoutShare: number;
  evaluations: VersionEvaluation[];
}

async function defaultVersions(db: CascadeDatabase): Promise<ModelVersionRecord[]> {
  const out: ModelVersionRecord[] = [];
  for (const kind of ['recall', 'ranker'] as const) {
    const { rows } = await listModelVersions(db.sql, { kind, limit: 50 });
    const active = rows.find((r) => r.status === 'active');
    const newestOther = rows.find((r) => r.status !== 'active' && r.status !== 'failed');
    for (const r of [active, newestOther]) if (r) out.push(r);
  }
  return out;
}

export async function evaluateModelVersions(db: CascadeDatabase, options: EvaluateVersionsOptions = {}): Promise<EvaluateVersionsResult> {
  const { holdoutShare, k, evaluationUsers } = checkHoldoutOptions(options);
  const versions: ModelVersionRecord[] = [];
  if (options.ids && options.ids.length > 0) {
    for (const id of options.ids) {
      const v = await getModelVersion(db.sql, id);
      if (!v) throw new Error(`ids: no model version ${id}`);
      if (!v.artifactPath) throw new Error(`ids: version ${id} has no artefact`);
      versions.push(v);
    }
  } else {
    versions.push(...(await defaultVersions(db)));
  }
  if (versions.length === 0) throw new Error('registry: no model versions to evaluate (run cascade pipeline first)');
  const rows = await db.sql.query<{ max_id: string | number | null }>('SELECT max(id) AS max_id FROM events');
  const maxEventId = Number(rows[0]?.max_id ?? 0);
  if (maxEventId === 0) throw new Error('database: no events to evaluate on');

  const evaluations: VersionEvaluation[] = [];
  const recall = versions.filter((v) => v.kind === 'recall');
  if (recall.length > 0) {
    const all = await readWeightedInteractions(db, { maxEventId });
    if (all.length < 2) throw new Error('database: too few interaction events for a recall holdout');
    const { holdout } = buildRecallHoldout(all, recallTimeCut(all, holdoutShare), DEFAULT_EVENT_WEIGHTS, evaluationUsers);
    for (const v of recall) {
      const m = evaluateRecallArtefact(v.artifactPath!, holdout, k);
      evaluations.push({ id: v.id, kind: v.kind, version: v.version, name: v.name, status: v.status, metrics: { k, users: m.users, ndcg: m.ndcg, recall: m.recall, hitRate: m.hitRate, precision: m.precision, map: m.map } });
    }
  }
  const rankers = versions.filter((v) => v.kind === 'ranker');
  if (rankers.length > 0) {
    const examples = await loadImpressionExamples(db, { maxEventId, maxImpressions: options.maxImpressions ?? 2_000_000, activity: DEFAULT_RANKER_ACTIVITY });
    const n = examples.count;
    if (n < 2) throw new Error('database: too few impressions for a ranker holdout');
    const cut = holdoutTimeCut(examples.times.subarray(0, n), holdoutShare);
    const test: number[] = [];
    for (let i = 0; i < n; i++) if (examples.times[i] >= cut) test.push(i);
    const testRows = Int32Array.from(test);
    for (const v of rankers) {
      const ranker = await loadRanker(v.artifactPath!);
      try {
        const encoded = encodeImpressionExamples(ranker.encoder, examples, testRows);
        const p = ranker.scoreEncoded(encoded);
        evaluations.push({ id: v.id, kind: v.kind, version: v.version, name: v.name, status: v.status, metrics: { rows: testRows.length, auc: computeAuc(encoded.labels, p), logloss: logLoss(encoded.labels, p) } });
      } finally {
        ranker.dispose();
      }
    }
  }
  return { maxEventId, holdoutShare, evaluations };
}
