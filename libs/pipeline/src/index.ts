export {
  buildIndexStage,
  STARTUP_ALS_OPTIONS,
  trainRecallStage,
  type IndexStageOptions,
  type IndexStageResult,
  type RecallStageOptions,
  type RecallStageResult,
} from './recall-stage.js';
export {
  DEFAULT_RANKER_ACTIVITY,
  DEFAULT_RANKER_SCHEMA,
  STARTUP_RANKER_HYPERPARAMETERS,
  trainRankerStage,
  type RankerStageOptions,
  type RankerStageResult,
} from './ranker-stage.js';
export {
  ensureStartupModels,
  findStartupModels,
  type StartupModels,
  type StartupModelsOptions,
  type StartupStageName,
  type StartupStageReport,
} from './startup-models.js';
export {
  Recommender,
  type RecommendedItem,
  type RecommenderLoadOptions,
  type RecommendRequestInput,
  type RecommendResponse,
  type StageBudgets,
} from './recommender.js';
