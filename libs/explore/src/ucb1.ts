import { ArmStatistics } from './arm-statistics.js';
import { checkReward, checkSlotRequest, markExploration, topPositions, type BanditPolicy, type SlotFill } from './policy.js';

export interface Ucb1Options {
  /** Multiplier c of the confidence radius c·sqrt(2 ln t / n_i); 1 is Auer et al.'s UCB1. */
  explorationConstant?: number;
  priorAlpha?: number;
  priorBeta?: number;
}

/**
 * UCB1 (Auer, Cesa-Bianchi & Fischer 2002): every arm is played once, then the arm maximising
 * mean_i + c·sqrt(2 ln t / n_i), with the empirical mean clicks/impressions. Arms never shown come
 * first, the one with the highest prior mean (e.g. the ranker's pCTR) before the others.
 *
 * The argmax is cheap: sqrt(2 ln t) is computed once per decision and 1/sqrt(n_i) is cached per arm
 * when the arm is updated, so each arm costs one multiply-add.
 */
export class Ucb1Policy implements BanditPolicy {
  readonly name: string;
  readonly armCount: number;
  readonly contextual = false;
  readonly stats: ArmStatistics;
  private readonly c: number;
  private readonly means: Float64Array;
  private readonly inverseSqrtPulls: Float64Array;

  constructor(armCount: number, options: Ucb1Options = {}, stats?: ArmStatistics) {
    const c = options.explorationConstant ?? 1;
    if (!(c >= 0) || !Number.isFinite(c)) throw new Error(`explorationConstant must be a finite number >= 0, got ${c}`);
    this.stats = stats ?? new ArmStatistics(armCount, { priorAlpha: options.priorAlpha, priorBeta: options.priorBeta });
    if (this.stats.armCount !== armCount) throw new Error(`stats has ${this.stats.armCount} arms, expected armCount=${armCount}`);
    this.armCount = armCount;
    this.c = c;
    this.name = `ucb1(${c})`;
    this.means = new Float64Array(armCount);
    this.inverseSqrtPulls = new Float64Array(armCount);
    this.refresh();
  }

  /** Recomputes the cached per-arm values from the statistics (after they were changed directly). */
  refresh(): void {
    for (let i = 0; i < this.armCount; i++) this.cache(i);
  }

  private cache(arm: number): void {
    const n = this.stats.pulls[arm];
    this.means[arm] = n > 0 ? this.stats.rewards[arm] / n : 0;
    this.inverseSqrtPulls[arm] = n > 0 ? 1 / Math.sqrt(n) : Infinity;
  }

  /** The UCB index of every arm at the current round, written into `out`. */
  indices(out: Float64Array = new Float64Array(this.armCount)): Float64Array {
    const radius = this.c * Math.sqrt(2 * Math.log(Math.max(1, this.stats.totalPulls)));
    for (let i = 0; i < this.armCount; i++) {
      out[i] = this.inverseSqrtPulls[i] === Infinity ? Infinity : this.means[i] + radius * this.inverseSqrtPulls[i];
    }
    return out;
  }

  select(): number {
    const radius = this.c * Math.sqrt(2 * Math.log(Math.max(1, this.stats.totalPulls)));
    const means = this.means;
    const inv = this.inverseSqrtPulls;
    let best = -1;
    let bestValue = -Infinity;
    let bestPrior = -1;
    for (let i = 0; i < this.armCount; i++) {
      if (inv[i] === Infinity) {
        const prior = this.stats.posteriorMean(i);
        if (bestValue !== Infinity || prior > bestPrior) {
          bestValue = Infinity;
          bestPrior = prior;
          best = i;
        }
        continue;
      }
      const value = means[i] + radius * inv[i];
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    return best;
  }

  update(arm: number, reward: number): void {
    checkReward(reward);
    this.stats.record(arm, reward);
    this.cache(arm);
  }

  decay(factor: number): void {
    this.stats.decay(factor);
    this.refresh();
  }

  /**
   * Deterministic: the k eligible arms with the highest index (unplayed arms first, by prior mean),
   * each with propensity 1. An arm is marked explore when it is not among the k best by its point
   * estimate (sample average; prior mean if never shown), i.e. it is there because of its bonus.
   */
  fillSlots(eligibleArms: ArrayLike<number>, k: number): SlotFill {
    const slots = checkSlotRequest(eligibleArms, k, this.armCount);
    const index = this.indices();
    // Unplayed arms are ordered among themselves by their prior mean.
    const values = Array.from(eligibleArms, (arm) => (index[arm] === Infinity ? 1e12 + this.stats.posteriorMean(arm) : index[arm]));
    const arms = Int32Array.from(topPositions(values, slots), (pos) => eligibleArms[pos]);
    // Point estimate: the sample average, or the prior mean for an arm never shown.
    const means = Array.from(eligibleArms, (arm) => (this.stats.pulls[arm] > 0 ? this.stats.empiricalMean(arm) : this.stats.posteriorMean(arm)));
    return { arms, explore: markExploration(arms, eligibleArms, means), propensity: new Float64Array(slots).fill(1) };
  }
}
