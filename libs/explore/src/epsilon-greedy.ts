import { FastRandom } from './fast-random.js';
import { ArmStatistics } from './arm-statistics.js';
import { checkReward, checkSlotRequest, topPositions, type BanditPolicy, type SlotFill } from './policy.js';

export interface EpsilonGreedyOptions {
  /** Exploration probability ε (fixed), or the starting ε of a decaying schedule. */
  epsilon: number;
  /**
   * Decaying schedule ε_t = min(ε, decayConstant · K / t) (Auer, Cesa-Bianchi & Fischer 2002);
   * omitted for a fixed ε.
   */
  decayConstant?: number;
  /**
   * The exploit estimate: 'empirical' is the textbook sample average clicks/impressions (0 for an
   * arm never shown); 'posterior' is the Beta posterior mean, which with a pCTR-seeded prior ranks
   * new items by their predicted rate (and with a flat prior acts as optimistic initial values).
   * Default 'empirical'.
   */
  estimate?: 'empirical' | 'posterior';
  seed?: number;
  priorAlpha?: number;
  priorBeta?: number;
}

/**
 * ε-greedy: with probability ε an arm drawn uniformly at random (explore), otherwise the arm with
 * the highest estimated click rate (exploit; ties go to the lowest arm index).
 */
export class EpsilonGreedyPolicy implements BanditPolicy {
  readonly name: string;
  readonly armCount: number;
  readonly contextual = false;
  readonly stats: ArmStatistics;
  private readonly epsilon: number;
  private readonly decayConstant: number;
  private readonly usePosterior: boolean;
  private readonly random: FastRandom;

  constructor(armCount: number, options: EpsilonGreedyOptions, stats?: ArmStatistics) {
    if (!(options.epsilon >= 0 && options.epsilon <= 1)) throw new Error(`epsilon must be in [0, 1], got ${options.epsilon}`);
    if (options.decayConstant !== undefined && !(options.decayConstant > 0)) {
      throw new Error(`decayConstant must be > 0, got ${options.decayConstant}`);
    }
    this.stats = stats ?? new ArmStatistics(armCount, { priorAlpha: options.priorAlpha, priorBeta: options.priorBeta });
    if (this.stats.armCount !== armCount) throw new Error(`stats has ${this.stats.armCount} arms, expected armCount=${armCount}`);
    const estimate = options.estimate ?? 'empirical';
    if (estimate !== 'empirical' && estimate !== 'posterior') throw new Error(`estimate must be 'empirical' or 'posterior', got ${String(estimate)}`);
    this.usePosterior = estimate === 'posterior';
    this.armCount = armCount;
    this.epsilon = options.epsilon;
    this.decayConstant = options.decayConstant ?? 0;
    this.random = new FastRandom(options.seed ?? 1);
    const base = this.decayConstant > 0 ? `egreedy-decay(${this.epsilon},${this.decayConstant})` : `egreedy(${this.epsilon})`;
    this.name = this.usePosterior ? `${base}-posterior` : base;
  }

  /** The ε in force at the current round. */
  currentEpsilon(): number {
    if (this.decayConstant <= 0) return this.epsilon;
    const t = this.stats.totalPulls + 1;
    return Math.min(this.epsilon, (this.decayConstant * this.armCount) / t);
  }

  select(): number {
    if (this.random.next() < this.currentEpsilon()) return this.random.int(this.armCount);
    return this.greedyArm();
  }

  /** The exploit estimate of `arm`. */
  estimate(arm: number): number {
    return this.usePosterior ? this.stats.posteriorMean(arm) : this.stats.empiricalMean(arm);
  }

  /** argmax of the exploit estimate (lowest index on ties). */
  greedyArm(): number {
    const { pulls, rewards, priorAlpha, priorBeta } = this.stats;
    const usePosterior = this.usePosterior;
    let best = 0;
    let bestValue = -1;
    for (let i = 0; i < this.armCount; i++) {
      let value: number;
      if (usePosterior) {
        const a = priorAlpha[i] + rewards[i];
        value = a / (a + priorBeta[i] + pulls[i] - rewards[i]);
      } else {
        value = pulls[i] > 0 ? rewards[i] / pulls[i] : 0;
      }
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
  }

  decay(factor: number): void {
    this.stats.decay(factor);
  }

  /**
   * Slot j's exploit arm is the j-th best by the exploit estimate (G[j]); with probability ε the slot
   * explores instead and takes the next arm of a uniformly random permutation of the pool
   * P = G[k..] (the eligible arms outside the exploit top-k). When the pool is exhausted the slot
   * keeps its exploit arm. Propensities are exact: with r_j ~ Binomial(j, ε) explore slots before
   * slot j, an explore arm sits in slot j with probability ε·P(r_j < |P|)/|P| (sampling without
   * replacement is exchangeable), and G[j] stays in slot j with probability 1 − ε·P(r_j < |P|).
   */
  fillSlots(eligibleArms: ArrayLike<number>, k: number): SlotFill {
    const slots = checkSlotRequest(eligibleArms, k, this.armCount);
    const eps = this.currentEpsilon();
    const values = Array.from(eligibleArms, (arm) => this.estimate(arm));
    const greedy = Array.from(topPositions(values, eligibleArms.length), (pos) => eligibleArms[pos]);
    const pool = greedy.slice(slots);
    this.random.shuffle(pool);
    const arms = new Int32Array(slots);
    const explore = new Uint8Array(slots);
    const propensity = new Float64Array(slots);
    let explored = 0;
    for (let j = 0; j < slots; j++) {
      const replaced = eps * binomialCdfBelow(j, eps, pool.length);
      if (explored < pool.length && this.random.next() < eps) {
        arms[j] = pool[explored++];
        explore[j] = 1;
        propensity[j] = replaced / pool.length;
      } else {
        arms[j] = greedy[j];
        propensity[j] = 1 - replaced;
      }
    }
    return { arms, explore, propensity };
  }
}

/** P(X < m) for X ~ Binomial(n, p). */
export function binomialCdfBelow(n: number, p: number, m: number): number {
  if (m <= 0) return 0;
  if (m > n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return m > n ? 1 : 0;
  let term = Math.pow(1 - p, n); // P(X = 0)
  let sum = 0;
  for (let x = 0; x < m; x++) {
    sum += term;
    term *= ((n - x) / (x + 1)) * (p / (1 - p));
  }
  return Math.min(1, sum);
}
