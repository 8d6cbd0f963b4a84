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
  type RankerComparison,
  type RankerEpochPoint,
} from './ranker-stage.js';
export {
  ensureStartupModels,
  findStartupModels,
  resolveServingModels,
  type ServingModels,
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
export {
  activeModelVersion,
  activeModelVersionIds,
  checkModelKind,
  getModelVersion,
  listModelVersions,
  MODEL_KINDS,
  promoteModelVersion,
  registerModelVersion,
  rollbackModel,
  type ListModelVersionsOptions,
  type ModelKind,
  type ModelVersionRecord,
  type ModelVersionStatus,
  type RegisterModelVersionInput,
} from './model-registry.js';
export {
  appendJobLog,
  createJob,
  failAbandonedJobs,
  finishJob,
  getJob,
  JOB_STATUSES,
  listJobs,
  requestJobCancel,
  updateJobProgress,
  type JobRecord,
  type JobStatus,
  type ListJobsOptions,
} from './job-store.js';
export { acquireJobLock, JobLockHeldError, type JobLease } from './job-lock.js';
export { checkPromotionGate, decidePromotion, DEFAULT_PROMOTION_GATES, GATE_METRICS, type PromotionGate, type PromotionGates, type PromotionVerdict } from './promotion-gate.js';
export { CancelledError, trainRecallCandidate, type RecallCandidateOptions, type RecallCandidateResult } from './recall-candidate.js';
export { PIPELINE_STAGES, runPipeline, type PipelineOptions, type PipelineProgress, type PipelineResult, type PipelineStage, type PipelineVersionOutcome } from './run-pipeline.js';
export { JOB_KINDS, JobRunner, pipelineJobParamsSchema, pipelineJobWork, runJob, type JobContext, type JobKind, type JobRunnerOptions, type PipelineJobParams, type RunJobOptions } from './job-runner.js';
export { loadServingRecommender, type ServingRecommenderOptions } from './serving-recommender.js';
export { PipelineScheduler, type PipelineSchedulerOptions } from './pipeline-scheduler.js';
export { evaluateModelVersions, type EvaluateVersionsOptions, type EvaluateVersionsResult, type VersionEvaluation } from './evaluate-versions.js';
export { buildRecallHoldout, evaluateRecallArtefact, readWeightedInteractions, recallTimeCut, type RecallHoldout } from './recall-candidate.js';
export { exportEventsCsv, exportModelVersion, exportRecommendations, type ExportRecommendationsOptions } from './exports.js';
