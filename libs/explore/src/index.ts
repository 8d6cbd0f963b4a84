export { ArmStatistics } from './arm-statistics.js';
export { BetaSampler } from './beta-sampler.js';
export { EpsilonGreedyPolicy, binomialCdfBelow, type EpsilonGreedyOptions } from './epsilon-greedy.js';
export { FastRandom } from './fast-random.js';
export { logGamma, regularizedIncompleteBeta } from './incomplete-beta.js';
export { LinUcbPolicy, invertSymmetricPositiveDefinite, type LinUcbOptions } from './lin-ucb.js';
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
export { Ucb1Policy, type Ucb1Options } from './ucb1.js';
