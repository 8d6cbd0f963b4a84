export { ArmStatistics } from './arm-statistics.js';
export { BetaSampler } from './beta-sampler.js';
export { EpsilonGreedyPolicy, binomialCdfBelow, type EpsilonGreedyOptions } from './epsilon-greedy.js';
export { FastRandom } from './fast-random.js';
export { logGamma, regularizedIncompleteBeta } from './incomplete-beta.js';
export { LinUcbPolicy, invertSymmetricPositiveDefinite, type LinUcbOptions } from './lin-ucb.js';
export { LinUcbArmModels } from './lin-ucb-model.js';
export { PersistentLinUcbPolicy, upsertLinUcbDeltas, type LinUcbArmState, type PersistentLinUcbOptions } from './persistent-lin-ucb.js';
export { checkSlotRequest, markExploration, topPositions, type BanditPolicy, type SlotFill } from './policy.js';
export {
  BernoulliEnvironment,
  SegmentEnvironment,
  simulateBandit,
  type BanditEnvironment,
  type BernoulliEnvironmentOptions,
  type SegmentEnvironmentOptions,
  type SimulationOptions,
  type SimulationResult,
} from './simulator.js';
export { ThompsonPolicy, type ThompsonOptions } from './thompson.js';
export { exploreEngineInfo, loadNativeExplore, nativeExploreFailure, type ExploreEngine, type NativeExploreKernels } from './native-explore.js';
export { ThompsonRankings } from './thompson-rankings.js';
export { Ucb1Policy, type Ucb1Options } from './ucb1.js';
export { ArmStatsStore, upsertDeltas, type ArmCounts, type ArmStatsStoreOptions } from './arm-stats-store.js';
export { ImpressionLog, type ImpressionLogOptions, type LoggedImpression, type ServedRequest, type ServedSlot } from './impression-log.js';
export {
  SlotFiller,
  fillRequestSlots,
  type FillRequestOptions,
  type RankedCandidate,
  type ServedItem,
  type SlotPolicyConfig,
} from './slot-filling.js';
export {
  inversePropensityEstimate,
  loggedSlotDecisions,
  replayEvaluate,
  type LoggedDecision,
  type LoggedSlotDecisions,
  type OfflineEstimate,
} from './offline-evaluation.js';
export { assignVariant, assignmentHash, validateVariants, type ExperimentVariant } from './experiment-assignment.js';
export {
  fixedHorizonSampleSize,
  mixtureSequentialTest,
  normalCdf,
  normalQuantile,
  twoProportionZTest,
  wilsonInterval,
  type RateInterval,
  type SampleSizePlan,
  type SequentialTest,
  type TwoProportionTest,
} from './experiment-statistics.js';
export {
  decideExperiment,
  validateDecisionRule,
  type DecisionRule,
  type ExperimentDecision,
  type VariantComparison,
  type VariantCounts,
  type VariantReport,
} from './experiment-decision.js';
export { ExperimentStore, type CreateExperimentInput, type ExperimentRecord, type ExperimentStatus } from './experiment-store.js';
