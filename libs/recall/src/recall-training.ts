// The training and offline-evaluation flow shared by the CLI commands and the benchmark: one sparse matrix
// from chunks (database or file), one of two factorisations, top-k lists excluding seen items, metrics.
import { evaluateTopK, leaveLastOutSplit, relevantItemsByUser, stratifiedSplit, type TopKMetrics } from '@cascade/eval';
import { trainImplicitAls, type AlsOptions } from './als.js';
import { trainBpr, type BprOptions } from './bpr.js';
import { buildInteractionMatrix, type EventWeightTable, type InteractionMatrix } from './interaction-matrix.js';
import { scoreAllItems, type FactorModel } from './mf-model.js';
import { selectRatingRows, type RatingsColumns } from './ratings-file.js';
import { topKIndices } from './top-k.js';

export const RECALL_ALGORITHMS = ['als', 'bpr'] as const;
export type RecallAlgorithm = (typeof RECALL_ALGORITHMS)[number];

export type FactorTrainingOptions = AlsOptions & BprOptions;

export async function trainFactorModel(
  matrix: InteractionMatrix,
  algorithm: RecallAlgorithm,
  options: FactorTrainingOptions = {},
): Promise<FactorModel> {
  if (algorithm === 'als') return trainImplicitAls(matrix, options);
  if (algorithm === 'bpr') return trainBpr(matrix, options);
  throw new Error(`algorithm: must be one of ${RECALL_ALGORITHMS.join(', ')}, got "${String(algorithm)}"`);
}

function seenRow(m: InteractionMatrix, u: number): Set<number> {
  return new Set(m.byUser.idx.subarray(m.byUser.ptr[u], m.byUser.ptr[u + 1]));
}

/** Each user's top k items by model score, excluding the items in the user's training row (external ids). */
export function recommendTopK(model: FactorModel, m: InteractionMatrix, k: number): Map<number, Int32Array> {
  const recs = new Map<number, Int32Array>();
  const scores = new Float32Array(model.items);
  for (let u = 0; u < model.users; u++) {
    scoreAllItems(model, u, scores);
    const seen = seenRow(m, u);
    const top = topKIndices(scores, k, (i) => seen.has(i));
    recs.set(m.userIds[u], Int32Array.from(top, (i) => m.itemIds[i]));
  }
  return recs;
}

/** The most-interacted items (by user count), excluding each user's seen items: the popularity baseline. */
export function popularityTopK(m: InteractionMatrix, k: number): Map<number, Int32Array> {
  const counts = new Float32Array(m.byItem.rows);
  for (let i = 0; i < counts.length; i++) counts[i] = m.byItem.ptr[i + 1] - m.byItem.ptr[i];
  const recs = new Map<number, Int32Array>();
  for (let u = 0; u < m.byUser.rows; u++) {
    const seen = seenRow(m, u);
    const top = topKIndices(counts, k, (i) => seen.has(i));
    recs.set(m.userIds[u], Int32Array.from(top, (i) => m.itemIds[i]));
  }
  return recs;
}

export const EVALUATION_PROTOCOLS = ['stratified', 'leave-last-out'] as const;
export type EvaluationProtocol = (typeof EVALUATION_PROTOCOLS)[number];

export interface RecallEvaluationOptions {
  protocol?: EvaluationProtocol;
  /** Train share of each user's rows for the stratified protocol (default 0.75). */
  ratio?: number;
  seed?: number;
  k?: number;
  algorithm: RecallAlgorithm | 'popularity';
  training?: FactorTrainingOptions;
  eventWeights?: EventWeightTable;
}

export interface RecallEvaluation {
  metrics: TopKMetrics;
  trainSeconds: number;
  trainRows: number;
  testRows: number;
  users: number;
  items: number;
}

/** Splits the ratings by the protocol, trains on the train part and measures top-k on the test part. */
export async function evaluateOnRatings(ratings: RatingsColumns, options: RecallEvaluationOptions): Promise<RecallEvaluation> {
  const protocol = options.protocol ?? 'stratified';
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new Error(`k: must be a positive integer, got ${k}`);
  let split;
  if (protocol === 'stratified') split = stratifiedSplit(ratings.userIds, { ratio: options.ratio ?? 0.75, seed: options.seed ?? 42 });
  else if (protocol === 'leave-last-out') split = leaveLastOutSplit(ratings.userIds, ratings.occurredAt);
  else throw new Error(`protocol: must be one of ${EVALUATION_PROTOCOLS.join(', ')}, got "${String(protocol)}"`);
  const train = selectRatingRows(ratings, split.train);
  const test = selectRatingRows(ratings, split.test);
  const truth = relevantItemsByUser(test.userIds, test.itemIds, Uint32Array.from({ length: test.length }, (_, i) => i));
  const m = buildInteractionMatrix(train, options.eventWeights);
  let recs: Map<number, Int32Array>;
  let trainSeconds = 0;
  if (options.algorithm === 'popularity') {
    recs = popularityTopK(m, k);
  } else {
    const t0 = performance.now();
    const model = await trainFactorModel(m, options.algorithm, options.training);
    trainSeconds = (performance.now() - t0) / 1000;
    recs = recommendTopK(model, m, k);
  }
  return {
    metrics: evaluateTopK(recs, truth, k, m.byItem.rows),
    trainSeconds,
    trainRows: train.length,
    testRows: test.length,
    users: m.byUser.rows,
    items: m.byItem.rows,
  };
}
