import { FastRandom } from './fast-random.js';
import { ArmStatistics } from './arm-statistics.js';
import { BetaSampler } from './beta-sampler.js';
import { regularizedIncompleteBeta } from './incomplete-beta.js';
import { checkExploreEngine, resolveExploreEngine, type ExploreEngine, type NativeExploreKernels, type ResolvedExploreEngine } from './native-explore.js';
import { ThompsonRankings } from './thompson-rankings.js';
import { checkReward, checkSlotRequest, markExploration, topPositionsInto, type BanditPolicy, type SlotFill } from './policy.js';

export interface ThompsonOptions {
  seed?: number;
  /** Beta prior pseudo-counts used for every arm (seed per-arm priors with `stats.setPriorFromRate`). */
  priorAlpha?: number;
  priorBeta?: number;
  /** Sample only the arms that can win (exact, see `ThompsonPolicy`); `false` samples every arm. */
  prune?: boolean;
  /** Tail probability δ of the per-arm upper bounds used for pruning (default 0.05). */
  pruneDelta?: number;
  /**
   * Monte-Carlo rankings used to estimate slot propensities in `fillSlots`. Default: 32768 / n for n
   * eligible arms, clamped to [32, 256] (256 draws up to 128 candidates; 65 for 500), which bounds
   * the cost to about 32k Beta draws per request.
   */
  propensityDraws?: number;
  /**
   * Engine of `fillSlots`: `native` (the C kernel, native/thompson_kernels.c), `js` (its JavaScript port),
   * `reference` (every arm drawn in every ranking), or `auto` (default: native when it can be built here,
   * else js, unless CASCADE_EXPLORE_ENGINE says otherwise). All give the same estimator; their random
   * streams differ.
   */
  engine?: ExploreEngine;
}

/**
 * Beta–Bernoulli Thompson sampling: draw θ_i ~ Beta(α_i + clicks_i, β_i + impressions_i − clicks_i)
 * for every arm and play the argmax.
 *
 * Sampling only what is needed, without changing the distribution of the decision: each arm keeps
 * an upper bound U_i with tail mass ε_i = P(θ_i > U_i) ≤ δ (the multiplicative Chernoff bound on the
 * Beta–Binomial identity P(Beta(a, b) > x) = P(Bin(a+b−1, x) ≤ a−1), closed form, once per update)
 * and the arms are kept sorted by U_i. `select` draws arms in that order until the next bound is
 * below the best draw m so far. Each remaining arm j can only win through its tail (θ_j > U_j), an
 * event of probability ε_j: the remaining arms are visited by geometric skipping at rate δ, a visited
 * arm is in its tail with probability ε_j/δ (ε_j is the exact incomplete-beta tail, computed lazily
 * and cached until the arm changes), and a tail draw comes from the exact conditional law by
 * rejection under an exponential envelope (the Beta density is log-concave for a, b ≥ 1). Arms
 * with a or b below 1 are never skipped. Once the posteriors have separated most arms are never
 * sampled.
 */
export class ThompsonPolicy implements BanditPolicy {
  readonly name = 'thompson';
  readonly armCount: number;
  readonly contextual = false;
  readonly stats: ArmStatistics;
  private readonly sampler: BetaSampler;
  private readonly prune: boolean;
  private readonly logInverseDelta: number;
  private readonly propensityDraws: number | undefined;
  private readonly bound: Float64Array;
  private readonly order: Int32Array;
  private readonly position: Int32Array;
  private readonly tailMass: Float64Array;
  private readonly delta: number;
  private readonly logOneMinusDelta: number;
  private readonly uniform: FastRandom;
  private readonly engine: ResolvedExploreEngine;
  private rankings: ThompsonRankings | undefined;
  /** Whether bound/order reflect the statistics (built on the first `select`: `fillSlots` needs neither). */
  private ordered = false;
  /** Number of arms sampled by `select` so far (for measuring how much pruning saves). */
  sampledArms = 0;

  constructor(armCount: number, options: ThompsonOptions = {}, stats?: ArmStatistics) {
    const delta = options.pruneDelta ?? 0.05;
    if (!(delta > 0 && delta < 1)) throw new Error(`pruneDelta must be in (0, 1), got ${delta}`);
    const draws = options.propensityDraws;
    if (draws !== undefined && (!Number.isInteger(draws) || draws < 0)) throw new Error(`propensityDraws must be a non-negative integer, got ${draws}`);
    this.stats = stats ?? new ArmStatistics(armCount, { priorAlpha: options.priorAlpha, priorBeta: options.priorBeta });
    if (this.stats.armCount !== armCount) throw new Error(`stats has ${this.stats.armCount} arms, expected armCount=${armCount}`);
    this.armCount = armCount;
    this.uniform = new FastRandom(options.seed ?? 1);
    this.sampler = new BetaSampler(this.uniform);
    this.delta = delta;
    this.logOneMinusDelta = Math.log(1 - delta);
    this.tailMass = new Float64Array(armCount);
    this.prune = options.prune ?? true;
    this.logInverseDelta = Math.log(1 / delta);
    this.propensityDraws = draws;
    this.engine = resolveExploreEngine(options.engine === undefined ? 'auto' : checkExploreEngine(options.engine, 'engine'));
    this.bound = new Float64Array(armCount);
    this.order = new Int32Array(armCount);
    this.position = new Int32Array(armCount);
  }

  /** Recomputes bounds and order from the statistics (after they were changed directly). */
  refresh(): void {
    for (let i = 0; i < this.armCount; i++) {
      this.bound[i] = this.upperBound(i);
      this.tailMass[i] = NaN;
    }
    const sorted = Array.from({ length: this.armCount }, (_, i) => i).sort((a, b) => this.bound[b] - this.bound[a] || a - b);
    for (let r = 0; r < this.armCount; r++) {
      this.order[r] = sorted[r];
      this.position[sorted[r]] = r;
    }
    this.ordered = true;
  }

  /** U with P(θ_arm > U) ≤ δ under the arm's posterior (1 when no useful bound exists). */
  upperBound(arm: number): number {
    const { pulls, rewards, priorAlpha, priorBeta } = this.stats;
    // Beta(a, b) is stochastically increasing in a and decreasing in b, so rounding a up and b down
    // to integers keeps the bound valid for fractional pseudo-counts.
    const alpha = priorAlpha[arm] + rewards[arm];
    const beta = priorBeta[arm] + pulls[arm] - rewards[arm];
    // The tail sampler needs a log-concave density (alpha, beta >= 1).
    if (alpha < 1 || beta < 1) return 1;
    const a = Math.ceil(alpha - 1e-9);
    const b = Math.floor(beta + 1e-9);
    const n = a + b - 1;
    const p = (a - 1) / n;
    const l = this.logInverseDelta / n;
    // Chernoff: P(Bin(n, x) ≤ np) ≤ exp(−n (x − p)² / (2x)) for x > p; solve for the exponent = ln(1/δ).
    const chernoff = p + l + Math.sqrt(2 * p * l + l * l);
    // Never below the mode, so the density decreases over the tail (what the tail sampler assumes).
    const mode = alpha + beta > 2 ? (alpha - 1) / (alpha + beta - 2) : 0;
    return Math.min(1, Math.max(chernoff, mode));
  }

  select(): number {
    if (!this.ordered) this.refresh();
    const { pulls, rewards, priorAlpha, priorBeta } = this.stats;
    const order = this.order;
    const bound = this.bound;
    const sampler = this.sampler;
    const limit = this.armCount;
    let best = order[0];
    let bestValue = -1;
    let r = 0;
    for (; r < limit; r++) {
      const arm = order[r];
      if (this.prune && bound[arm] <= bestValue) break;
      const successes = rewards[arm];
      const theta = sampler.beta(priorAlpha[arm] + successes, priorBeta[arm] + pulls[arm] - successes);
      if (theta > bestValue) {
        bestValue = theta;
        best = arm;
      }
    }
    this.sampledArms += r;
    if (r < limit) {
      // Arms order[r..] can only win through their tails: visit them at rate δ by geometric skipping.
      const uniform = this.uniform;
      let index = r - 1;
      for (;;) {
        index += 1 + Math.floor(Math.log(1 - uniform.next()) / this.logOneMinusDelta);
        if (index >= limit) break;
        const arm = order[index];
        let tail = this.tailMass[arm];
        if (tail !== tail) tail = this.computeTailMass(arm);
        if (uniform.next() * this.delta < tail) {
          const theta = this.sampleTail(arm);
          if (theta > bestValue) {
            bestValue = theta;
            best = arm;
          }
        }
      }
    }
    return best;
  }

  private computeTailMass(arm: number): number {
    const { pulls, rewards, priorAlpha, priorBeta } = this.stats;
    const alpha = priorAlpha[arm] + rewards[arm];
    const beta = priorBeta[arm] + pulls[arm] - rewards[arm];
    const tail = this.bound[arm] >= 1 ? 0 : 1 - regularizedIncompleteBeta(this.bound[arm], alpha, beta);
    this.tailMass[arm] = tail;
    return tail;
  }

  /** θ ~ Beta(a, b) conditioned on θ > U (U at or above the mode, a, b ≥ 1): exponential-envelope rejection. */
  private sampleTail(arm: number): number {
    const { pulls, rewards, priorAlpha, priorBeta } = this.stats;
    const a1 = priorAlpha[arm] + rewards[arm] - 1;
    const b1 = priorBeta[arm] + pulls[arm] - rewards[arm] - 1;
    const x = this.bound[arm];
    const width = 1 - x;
    // Log-density slope at x (≤ 0 beyond the mode); the tangent line bounds the concave log-density.
    const lambda = Math.max(0, b1 / width - a1 / x);
    const uniform = this.uniform;
    for (;;) {
      const v = uniform.next();
      const theta =
        lambda * width > 1e-9 ? x - Math.log(1 - v * (1 - Math.exp(-lambda * width))) / lambda : x + v * width;
      if (theta <= x || theta >= 1) continue;
      const logRatio = a1 * Math.log(theta / x) + b1 * Math.log((1 - theta) / width) + lambda * (theta - x);
      if (Math.log(uniform.next()) < logRatio) return theta;
    }
  }

  update(arm: number, reward: number): void {
    checkReward(reward);
    this.stats.record(arm, reward);
    if (!this.ordered) return;
    this.bound[arm] = this.upperBound(arm);
    this.tailMass[arm] = NaN;
    this.reposition(arm);
  }

  private reposition(arm: number): void {
    const order = this.order;
    const position = this.position;
    const bound = this.bound;
    const value = bound[arm];
    let p = position[arm];
    while (p > 0 && bound[order[p - 1]] < value) {
      order[p] = order[p - 1];
      position[order[p]] = p;
      p--;
    }
    while (p < this.armCount - 1 && bound[order[p + 1]] > value) {
      order[p] = order[p + 1];
      position[order[p]] = p;
      p++;
    }
    order[p] = arm;
    position[arm] = p;
  }

  decay(factor: number): void {
    this.stats.decay(factor);
    this.ordered = false;
  }

  /** One posterior draw per eligible arm (exact, no pruning), written into `out`. */
  private sampleEligible(eligibleArms: ArrayLike<number>, out: Float64Array): void {
    const { pulls, rewards, priorAlpha, priorBeta } = this.stats;
    for (let i = 0; i < eligibleArms.length; i++) {
      const arm = eligibleArms[i];
      out[i] = this.sampler.beta(priorAlpha[arm] + rewards[arm], priorBeta[arm] + pulls[arm] - rewards[arm]);
    }
  }

  /**
   * The k eligible arms with the highest posterior draws. An arm is marked explore when it is not
   * among the k best by posterior mean. The propensity of slot j is P(arm in slot j), estimated by
   * Monte Carlo from D further independent rankings (`propensityDraws`) plus the one served:
   * (1 + hits) / (1 + D), so it is never 0 (standard error ≤ 0.5/sqrt(D)). The native and js engines
   * compute the same rankings without drawing the values that cannot reach any top-k (see
   * native/thompson_kernels.c and thompson-rankings.ts).
   */
  fillSlots(eligibleArms: ArrayLike<number>, k: number): SlotFill {
    const slots = checkSlotRequest(eligibleArms, k, this.armCount);
    const draws = this.propensityDraws ?? Math.min(256, Math.max(32, Math.round(32_768 / eligibleArms.length)));
    const arms = new Int32Array(slots);
    const hits = new Float64Array(slots);
    const engine = this.engine;
    if (engine.kind === 'reference') this.rankReference(eligibleArms, slots, draws, arms, hits);
    else this.rankPruned(engine.kernels, eligibleArms, slots, draws, arms, hits);
    const propensity = new Float64Array(slots);
    for (let j = 0; j < slots; j++) propensity[j] = (1 + hits[j]) / (1 + draws);
    const { pulls, rewards, priorAlpha, priorBeta } = this.stats;
    const means = new Float64Array(eligibleArms.length);
    for (let i = 0; i < eligibleArms.length; i++) {
      const arm = eligibleArms[i];
      const a = priorAlpha[arm] + rewards[arm];
      means[i] = a / (a + priorBeta[arm] + pulls[arm] - rewards[arm]);
    }
    return { arms, explore: markExploration(arms, eligibleArms, means), propensity };
  }

  /** The reference path: served ranking and `draws` further full rankings, every arm drawn every time. */
  private rankReference(eligibleArms: ArrayLike<number>, slots: number, draws: number, arms: Int32Array, hits: Float64Array): void {
    const samples = new Float64Array(eligibleArms.length);
    const ranked = new Int32Array(slots);
    this.sampleEligible(eligibleArms, samples);
    topPositionsInto(samples, slots, ranked);
    for (let j = 0; j < slots; j++) arms[j] = eligibleArms[ranked[j]];
    for (let d = 0; d < draws; d++) {
      this.sampleEligible(eligibleArms, samples);
      topPositionsInto(samples, slots, ranked);
      for (let j = 0; j < slots; j++) if (eligibleArms[ranked[j]] === arms[j]) hits[j] += 1;
    }
  }

  /** Same estimator, drawing only what can reach a top-k: the native kernel, or its JavaScript port. */
  private rankPruned(kernels: NativeExploreKernels | null, eligibleArms: ArrayLike<number>, slots: number, draws: number, arms: Int32Array, hits: Float64Array): void {
    const { pulls, rewards, priorAlpha, priorBeta } = this.stats;
    const n = eligibleArms.length;
    const alpha = new Float64Array(n);
    const beta = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const arm = eligibleArms[i];
      alpha[i] = priorAlpha[arm] + rewards[arm];
      beta[i] = priorBeta[arm] + pulls[arm] - rewards[arm];
    }
    if (kernels) {
      const seed = new Int32Array(4);
      for (let w = 0; w < 4; w++) seed[w] = this.uniform.nextInt32();
      kernels.fillSlots(alpha, beta, slots, draws, seed, arms, hits);
    } else {
      this.rankings ??= new ThompsonRankings(this.uniform, this.sampler);
      this.rankings.fill(alpha, beta, slots, draws, arms, hits);
    }
    for (let j = 0; j < slots; j++) arms[j] = eligibleArms[arms[j]];
  }
}
