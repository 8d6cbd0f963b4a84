export { trainImplicitAls, DEFAULT_ALS_OPTIONS, type AlsOptions } from './als.js';
export { trainBpr, DEFAULT_BPR_OPTIONS, type BprOptions } from './bpr.js';
export {
  buildInteractionMatrix,
  DEFAULT_EVENT_WEIGHTS,
  INTERACTION_EVENT_TYPES,
  InteractionMatrixBuilder,
  transpose,
  type CsrMatrix,
  type EventWeight,
  type EventWeightTable,
  type InteractionColumns,
  type InteractionEventType,
  type InteractionMatrix,
} from './interaction-matrix.js';
export { scoreAllItems, type FactorModel } from './mf-model.js';
export {
  HnswItemIndex,
  type HnswIndexOptions,
  type IndexBatchQueryResult,
  type IndexQueryFilter,
  type IndexQueryResult,
} from './hnsw-item-index.js';
export type { HnswEngineChoice } from './hnsw-backend.js';
export { parseRatings, readRatingsFile, selectRatingRows, type RatingsColumns } from './ratings-file.js';
export { TopKSelector, topKIndices } from './top-k.js';
export { emptyResult, type ChannelResult } from './channel-result.js';
export { CandidateSet, mergeCandidates, type Candidate } from './candidate-merge.js';
export { DecayedPopularity, type PopularityOptions } from './popularity-channel.js';
export { NewItemsChannel } from './new-items-channel.js';
export {
  DEFAULT_COLD_START_QUOTAS,
  DEFAULT_QUOTAS,
  MultiChannelRecall,
  type ChannelQuotas,
  type MultiChannelRecallOptions,
  type RecallRequest,
} from './multi-channel-recall.js';
export {
  indexVectors,
  INDEX_FILE_NAME,
  loadRecallModel,
  RECALL_MODEL_FORMAT,
  saveRecallModel,
  userQueryVector,
  type RecallModelArtifact,
  type RecallModelMeta,
} from './model-artifact.js';
export {
  evaluateOnRatings,
  EVALUATION_PROTOCOLS,
  popularityTopK,
  RECALL_ALGORITHMS,
  recommendTopK,
  trainFactorModel,
  type EvaluationProtocol,
  type FactorTrainingOptions,
  type RecallAlgorithm,
  type RecallEvaluation,
  type RecallEvaluationOptions,
} from './recall-training.js';
export { bm25Weighted } from './bm25-weighting.js';
export { buildModelIndex, type ModelIndexOptions, type ModelIndexResult } from './model-index.js';
