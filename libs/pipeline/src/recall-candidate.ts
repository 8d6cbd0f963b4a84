// A recall candidate for the pipeline: ALS trained on a snapshot of the weighted events before a time cut,
// measured on the events after it (time-based holdout), next to the models it may replace measured on the very
// same holdout users, so the promotion gate compares like with like.
import path from 'node:path';
import { SeededRandom } from '@cascade/core';
import { streamInteractions, type CascadeDatabase } from '@cascade/db';
import { evaluateTopK, type TopKMetrics } from '@cascade/eval';
import {
  DEFAULT_ALS_OPTIONS,
  DEFAULT_EVENT_WEIGHTS,
  INTERACTION_EVENT_TYPES,
  InteractionMatrixBuilder,
  loadRecallModel,
  saveRecallModel,
  scoreAllItems,
  topKIndices,
  trainFactorModel,
  type AlsOptions,
  type EventWeightTable,
  type FactorModel,
} from '@cascade/recall';
import { InteractionTable } from './interaction-table.js';
import { holdoutTimeCut } from './time-holdout.js';
import { STARTUP_ALS_OPTIONS, weightedTypes } from './recall-stage.js';

export interface RecallCandidateOptions {
  /** Root models folder; the version lands in `<modelsDir>/recall/<version>/`. */
  modelsDir: string;
  version: string;
  /** The snapshot: events with a larger id (written meanwhile) are not read. */
  maxEventId: number;
  /** Share of the snapshot's weighted events, latest by time, held out (default 0.1). */
  holdoutShare?: number;
  als?: AlsOptions;
  eventWeights?: EventWeightTable;
  k?: number;
  /** Holdout users sampled for the metrics (scoring every item per user; default 2000). */
  evaluationUsers?: number;
  /** Recall artefacts to measure on the same holdout (the active version). */
  compareWith?: { name: string; dir: string }[];
  onIteration?: (iteration: number, total: number) => void;
  /** Checked between steps and ALS sweeps; true stops the work with a "cancelled" error. */
  shouldStop?: () => boolean;
  /** Called between the steps: 'train' | 'evaluate' | 'save'. */
  onStep?: (step: 'train' | 'evaluate' | 'save') => void;
}

export interface RecallCandidateResult {
  modelDir: string;
  version: string;
  users: number;
  items: number;
  events: number;
  trainEvents: number;
  holdoutEvents: number;
  nnz: number;
  holdoutFrom: string;
  metrics: TopKMetrics;
  comparisons: { name: string; metrics: TopKMetrics }[];
  trainSeconds: number;
  evaluateSeconds: number;
}

export class CancelledError extends Error {
  constructor(where: string) {
    super(`cancelled ${where}`);
    this.name = 'CancelledError';
  }
}

export interface RecallHoldout {
  /** Sampled holdout users (database ids) → their held-out items (database ids). */
  truth: Map<number, Set<number>>;
  /** The same users' items before the cut (excluded from their lists, as serving excludes seen items). */
  seen: Map<number, Set<number>>;
}

/** Top-k lists (database item ids) of `model` for the holdout users, excluding their seen items. */
function topKFor(model: FactorModel, userIds: ArrayLike<number>, itemIds: ArrayLike<number>, holdout: RecallHoldout, k: number): Map<number, Int32Array> {
  const userRow = new Map<number, number>();
  for (let r = 0; r < userIds.length; r++) userRow.set(userIds[r], r);
  const scores = new Float32Array(model.items);
  const recs = new Map<number, Int32Array>();
  for (const user of holdout.truth.keys()) {
    const row = userRow.get(user);
    if (row === undefined) continue; // unknown to this model: an empty list scores 0
    scoreAllItems(model, row, scores);
    const seen = holdout.seen.get(user);
    const top = topKIndices(scores, k, seen ? (i) => seen.has(itemIds[i]) : undefined);
    recs.set(user, Int32Array.from(top, (i) => itemIds[i]));
  }
  return recs;
}

/** The columns a snapshot read gives (typed, first `length` rows valid). */
export interface InteractionColumnsView {
  length: number;
  userIds: Int32Array;
  itemIds: Int32Array;
  types: Uint8Array;
  values: Float32Array;
  occurredAt: Float64Array;
}

/**
 * The time-based holdout of a snapshot: for a seeded sample of the users with positive feedback at or after `cut`,
 * their held-out items (truth) and their items before it (seen, excluded from their lists).
 */
export function buildRecallHoldout(all: InteractionColumnsView, cut: number, eventWeights: EventWeightTable, evaluationUsers: number): { holdout: RecallHoldout; trainEvents: number } {
  // The holdout's truth and seen sets for a sample of the users with positive feedback after the cut.
  const weights = INTERACTION_EVENT_TYPES.map((t) => eventWeights[t] ?? { weight: 0 });
  const positive = (i: number) => {
    const w = weights[all.types[i]];
    return w.weight + (w.valueScale ?? 0) * all.values[i] > 0;
  };
  const holdoutUsers = new Set<number>();
  let trainEvents = 0;
  for (let i = 0; i < all.length; i++) {
    if (all.occurredAt[i] < cut) trainEvents++;
    else if (positive(i)) holdoutUsers.add(all.userIds[i]);
  }
  const sample = [...holdoutUsers].sort((a, b) => a - b);
  new SeededRandom(7).shuffle(sample);
  const chosen = new Set(sample.slice(0, evaluationUsers));
  const holdout: RecallHoldout = { truth: new Map(), seen: new Map() };
  for (let i = 0; i < all.length; i++) {
    const u = all.userIds[i];
    if (!chosen.has(u) || !positive(i)) continue;
    const target = all.occurredAt[i] < cut ? holdout.seen : holdout.truth;
    let set = target.get(u);
    if (!set) target.set(u, (set = new Set()));
    set.add(all.itemIds[i]);
  }
  // Items seen before the cut are not new findings: a user whose held-out items were all seen drops out.
  for (const [u, items] of holdout.truth) {
    const seen = holdout.seen.get(u);
    if (seen) for (const item of items) if (seen.has(item)) items.delete(item);
    if (items.size === 0) holdout.truth.delete(u);
  }

  return { holdout, trainEvents };
}

/** Reads the snapshot's weighted interaction events (ids ≤ maxEventId) into typed columns, in one streamed pass. */
export async function readWeightedInteractions(
  db: CascadeDatabase,
  options: { maxEventId: number; eventWeights?: EventWeightTable; shouldStop?: () => boolean },
): Promise<InteractionColumnsView> {
  const eventWeights = options.eventWeights ?? DEFAULT_EVENT_WEIGHTS;
  const types = weightedTypes(eventWeights);
  if (types.length === 0) throw new Error('eventWeights: every event type has weight 0');
  const table = new InteractionTable();
  for await (const chunk of streamInteractions(db.sql, { types, maxEventId: options.maxEventId })) {
    table.append(chunk);
    if (options.shouldStop?.()) throw new CancelledError('while reading the interactions');
  }
  return { length: table.length, userIds: table.userIds, itemIds: table.itemIds, types: table.types, values: table.values, occurredAt: table.occurredAt };
}

/** The latest-`share` time cut over the events' times: rows at or after it are the holdout. */
export function recallTimeCut(all: InteractionColumnsView, share: number): number {
  return holdoutTimeCut(all.occurredAt.subarray(0, all.length), share);
}

/** Top-k metrics of a saved recall model on a holdout. */
export function evaluateRecallArtefact(dir: string, holdout: RecallHoldout, k: number): TopKMetrics {
  const artefact = loadRecallModel(dir);
  return evaluateTopK(topKFor(artefact.model, artefact.meta.userIds, artefact.meta.itemIds, holdout, k), holdout.truth, k, artefact.model.items);
}

/** The holdout settings with their defaults (latest 10%, k = 10, 2000 sampled users), checked. */
export function checkHoldoutOptions(options: { holdoutShare?: number; k?: number; evaluationUsers?: number }): { holdoutShare: number; k: number; evaluationUsers: number } {
  const holdoutShare = options.holdoutShare ?? 0.1;
  if (!(holdoutShare > 0 && holdoutShare < 1)) throw new Error(`holdoutShare: must be in (0, 1), got ${holdoutShare}`);
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new Error(`k: must be a positive integer, got ${k}`);
  const evaluationUsers = options.evaluationUsers ?? 2000;
  if (!Number.isInteger(evaluationUsers) || evaluationUsers < 1) throw new Error(`evaluationUsers: must be a positive integer, got ${evaluationUsers}`);
  return { holdoutShare, k, evaluationUsers };
}

export async function trainRecallCandidate(db: CascadeDatabase, options: RecallCandidateOptions): Promise<RecallCandidateResult> {
  const { holdoutShare, k, evaluationUsers } = checkHoldoutOptions(options);
  const stop = (where: string) => {
    if (options.shouldStop?.()) throw new CancelledError(where);
  };
  const eventWeights = options.eventWeights ?? DEFAULT_EVENT_WEIGHTS;
  const types = weightedTypes(eventWeights);
  // One streamed pass into typed columns: the only copy of the events in memory.
  const all = await readWeightedInteractions(db, { maxEventId: options.maxEventId, eventWeights, shouldStop: options.shouldStop });
  if (all.length < 2) throw new Error(`database: ${all.length} weighted interaction events in the snapshot, too few to train the recall model`);
  const cut = recallTimeCut(all, holdoutShare);

  const { holdout, trainEvents } = buildRecallHoldout(all, cut, eventWeights, evaluationUsers);
  if (trainEvents === 0) throw new Error('database: every interaction shares the latest time; no time-based holdout possible');

  // The training rows compacted to the front of the same columns (no second copy of the event columns).
  let w = 0;
  for (let i = 0; i < all.length; i++) {
    if (all.occurredAt[i] >= cut) continue;
    all.userIds[w] = all.userIds[i];
    all.itemIds[w] = all.itemIds[i];
    all.types[w] = all.types[i];
    all.values[w] = all.values[i];
    all.occurredAt[w] = all.occurredAt[i];
    w++;
  }
  const builder = new InteractionMatrixBuilder(eventWeights);
  builder.add({
    length: trainEvents,
    userIds: all.userIds.subarray(0, trainEvents),
    itemIds: all.itemIds.subarray(0, trainEvents),
    types: all.types.subarray(0, trainEvents),
    values: all.values.subarray(0, trainEvents),
    occurredAt: all.occurredAt.subarray(0, trainEvents),
  });
  const events = all.length;
  const matrix = builder.build();
  if (matrix.nnz === 0) throw new Error('database: no weighted events before the holdout cut');

  options.onStep?.('train');
  const als: AlsOptions = { ...STARTUP_ALS_OPTIONS, ...options.als };
  const total = als.iterations ?? DEFAULT_ALS_OPTIONS.iterations ?? 0;
  const t0 = performance.now();
  const model = await trainFactorModel(matrix, 'als', {
    ...als,
    onIteration: (it) => {
      options.onIteration?.(it, total);
      stop('during ALS training');
    },
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  stop('after ALS training');

  options.onStep?.('evaluate');
  const t1 = performance.now();
  const metrics = evaluateTopK(topKFor(model, matrix.userIds, matrix.itemIds, holdout, k), holdout.truth, k, model.items);
  const comparisons: RecallCandidateResult['comparisons'] = [];
  for (const other of options.compareWith ?? []) {
    comparisons.push({ name: other.name, metrics: evaluateRecallArtefact(other.dir, holdout, k) });
    stop('while evaluating');
  }
  const evaluateSeconds = (performance.now() - t1) / 1000;

  options.onStep?.('save');
  const holdoutFrom = new Date(cut).toISOString();
  const modelDir = saveRecallModel(path.join(options.modelsDir, 'recall'), model, {
    version: options.version,
    algorithm: 'als',
    userIds: Array.from(matrix.userIds),
    itemIds: Array.from(matrix.itemIds),
    hyperparameters: { ...als, eventWeights },
    metrics: { trainSeconds, events, trainEvents, nnz: matrix.nnz, holdout: { protocol: 'time', from: holdoutFrom, ...metrics } },
    source: { kind: 'database', database: db.kind, types, maxEventId: options.maxEventId },
  });
  return {
    modelDir,
    version: options.version,
    users: model.users,
    items: model.items,
    events,
    trainEvents,
    holdoutEvents: events - trainEvents,
    nnz: matrix.nnz,
    holdoutFrom,
    metrics,
    comparisons,
    trainSeconds,
    evaluateSeconds,
  };
}
