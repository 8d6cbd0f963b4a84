import { SeededRandom } from '@cascade/core';
import { FastRandom } from './fast-random.js';
import type { BanditPolicy } from './policy.js';

/** A simulated world of Bernoulli arms with known click rates, possibly contextual or drifting. */
export interface BanditEnvironment {
  readonly armCount: number;
  /** Context dimension (0: no context). */
  readonly dimension: number;
  /** Starts round `round`: draws its context into `context` and applies any drift. */
  beginRound(round: number, context: Float64Array): void;
  /** Click rate of `arm` in the current round's context. */
  rate(arm: number, context: Float64Array): number;
  /** Highest click rate in the current round's context. */
  bestRate(context: Float64Array): number;
}

export interface BernoulliEnvironmentOptions {
  /** Click rate of every arm, in [0, 1]. */
  rates: ArrayLike<number>;
  /** Every `interval` rounds each arm's log-odds takes a N(0, scale²) step (drifting rates). */
  drift?: { interval: number; scale: number; seed?: number };
}

/** K Bernoulli arms with fixed (or randomly drifting) click rates. */
export class BernoulliEnvironment implements BanditEnvironment {
  readonly armCount: number;
  readonly dimension = 0;
  readonly rates: Float64Array;
  private best = 0;
  private readonly drift?: { interval: number; scale: number };
  private readonly driftRandom?: SeededRandom;

  constructor(options: BernoulliEnvironmentOptions) {
    if (options.rates.length === 0) throw new Error('rates must not be empty');
    this.rates = Float64Array.from(options.rates);
    for (let i = 0; i < this.rates.length; i++) {
      if (!(this.rates[i] >= 0 && this.rates[i] <= 1)) throw new Error(`rates[${i}] must be in [0, 1], got ${this.rates[i]}`);
    }
    if (options.drift) {
      const { interval, scale } = options.drift;
      if (!Number.isInteger(interval) || interval <= 0) throw new Error(`drift.interval must be a positive integer, got ${interval}`);
      if (!(scale >= 0)) throw new Error(`drift.scale must be >= 0, got ${scale}`);
      this.drift = { interval, scale };
      this.driftRandom = new SeededRandom(options.drift.seed ?? 1);
    }
    this.armCount = this.rates.length;
    this.updateBest();
  }

  /** K arms with rates drawn from Beta(a, b) (the benchmark uses Beta(1, 20)). */
  static withBetaRates(armCount: number, a: number, b: number, seed: number, drift?: BernoulliEnvironmentOptions['drift']): BernoulliEnvironment {
    if (!Number.isInteger(armCount) || armCount <= 0) throw new Error(`armCount must be a positive integer, got ${armCount}`);
    const random = new SeededRandom(seed);
    const rates = new Float64Array(armCount);
    for (let i = 0; i < armCount; i++) rates[i] = random.beta(a, b);
    return new BernoulliEnvironment({ rates, drift });
  }

  private updateBest(): void {
    let best = 0;
    for (let i = 0; i < this.armCount; i++) if (this.rates[i] > best) best = this.rates[i];
    this.best = best;
  }

  beginRound(round: number): void {
    if (!this.drift || round === 0 || round % this.drift.interval !== 0) return;
    const random = this.driftRandom as SeededRandom;
    for (let i = 0; i < this.armCount; i++) {
      const p = Math.min(1 - 1e-9, Math.max(1e-9, this.rates[i]));
      const logit = Math.log(p / (1 - p)) + this.drift.scale * random.normal();
      this.rates[i] = 1 / (1 + Math.exp(-logit));
    }
    this.updateBest();
  }

  rate(arm: number): number {
    return this.rates[arm];
  }

  bestRate(): number {
    return this.best;
  }
}

export interface SegmentEnvironmentOptions {
  armCount: number;
  /** Number of user segments = context dimension d. */
  segments: number;
  /** Per-(arm, segment) rates are drawn from Beta(a, b). */
  rateAlpha?: number;
  rateBeta?: number;
  /** Weight of the user's own segment in the context vector; the rest is spread by a Dirichlet(1) draw. */
  purity?: number;
  seed: number;
}

/**
 * Contextual Bernoulli arms: each round a user arrives with a context x on the probability simplex
 * (mostly her own segment, partly a random mix), and arm a clicks with probability w_aᵀx, where the
 * per-segment rates w_a,s are drawn from Beta(a, b). The best arm depends on the user, so a policy
 * that ignores the context suffers linear regret.
 */
export class SegmentEnvironment implements BanditEnvironment {
  readonly armCount: number;
  readonly dimension: number;
  readonly weights: Float64Array;
  private readonly purity: number;
  private readonly random: SeededRandom;
  private best = 0;

  constructor(options: SegmentEnvironmentOptions) {
    const { armCount, segments } = options;
    if (!Number.isInteger(armCount) || armCount <= 0) throw new Error(`armCount must be a positive integer, got ${armCount}`);
    if (!Number.isInteger(segments) || segments <= 0) throw new Error(`segments must be a positive integer, got ${segments}`);
    const purity = options.purity ?? 0.8;
    if (!(purity >= 0 && purity <= 1)) throw new Error(`purity must be in [0, 1], got ${purity}`);
    this.armCount = armCount;
    this.dimension = segments;
    this.purity = purity;
    const setup = new SeededRandom(options.seed);
    this.weights = new Float64Array(armCount * segments);
    for (let i = 0; i < this.weights.length; i++) this.weights[i] = setup.beta(options.rateAlpha ?? 1, options.rateBeta ?? 20);
    this.random = new SeededRandom(options.seed ^ 0x5bd1e995);
  }

  beginRound(_round: number, context: Float64Array): void {
    const d = this.dimension;
    let total = 0;
    for (let j = 0; j < d; j++) {
      context[j] = -Math.log(1 - this.random.next());
      total += context[j];
    }
    const segment = this.random.int(d);
    for (let j = 0; j < d; j++) context[j] = ((1 - this.purity) * context[j]) / total + (j === segment ? this.purity : 0);
    let best = 0;
    for (let a = 0; a < this.armCount; a++) best = Math.max(best, this.rate(a, context));
    this.best = best;
  }

  rate(arm: number, context: Float64Array): number {
    let p = 0;
    for (let j = 0; j < this.dimension; j++) p += this.weights[arm * this.dimension + j] * context[j];
    return p;
  }

  bestRate(): number {
    return this.best;
  }
}

export interface SimulationOptions {
  rounds: number;
  /** Seed of the click draws. */
  seed: number;
  /** Rounds after which the cumulative regret is recorded (e.g. [10_000, 100_000]). */
  checkpoints?: number[];
  /** For drifting rates: every `every` rounds the policy forgets, `policy.decay(factor)`. */
  decay?: { factor: number; every: number };
}

export interface SimulationResult {
  policy: string;
  rounds: number;
  /** Cumulative expected regret Σ_t (best rate − rate of the played arm) over all rounds. */
  regret: number;
  /** Cumulative regret at each checkpoint, in the order given. */
  regretAt: number[];
  clicks: number;
  /** Select + update decisions per second of wall time (environment included). */
  decisionsPerSecond: number;
}

/** Runs `policy` against `environment` for `rounds` rounds and reports its cumulative (pseudo-)regret. */
export function simulateBandit(policy: BanditPolicy, environment: BanditEnvironment, options: SimulationOptions): SimulationResult {
  const { rounds } = options;
  if (!Number.isInteger(rounds) || rounds <= 0) throw new Error(`rounds must be a positive integer, got ${rounds}`);
  if (policy.armCount !== environment.armCount) {
    throw new Error(`policy has ${policy.armCount} arms but the environment has ${environment.armCount}`);
  }
  if (policy.contextual && environment.dimension === 0) throw new Error(`policy ${policy.name} needs a contextual environment`);
  const checkpoints = options.checkpoints ?? [];
  for (const c of checkpoints) {
    if (!Number.isInteger(c) || c <= 0 || c > rounds) throw new Error(`checkpoints must be integers in [1, rounds], got ${c}`);
  }
  const decay = options.decay;
  if (decay) {
    if (!(decay.factor > 0 && decay.factor <= 1)) throw new Error(`decay.factor must be in (0, 1], got ${decay.factor}`);
    if (!Number.isInteger(decay.every) || decay.every <= 0) throw new Error(`decay.every must be a positive integer, got ${decay.every}`);
  }
  const regretAt = new Array<number>(checkpoints.length).fill(0);
  const random = new FastRandom(options.seed);
  const context = new Float64Array(Math.max(1, environment.dimension));
  const contextArg = policy.contextual ? context : undefined;
  let regret = 0;
  let clicks = 0;
  const started = performance.now();
  for (let t = 0; t < rounds; t++) {
    environment.beginRound(t, context);
    const arm = policy.select(contextArg);
    const rate = environment.rate(arm, context);
    const reward = random.next() < rate ? 1 : 0;
    policy.update(arm, reward, contextArg);
    regret += environment.bestRate(context) - rate;
    clicks += reward;
    for (let c = 0; c < checkpoints.length; c++) if (checkpoints[c] === t + 1) regretAt[c] = regret;
    if (decay && (t + 1) % decay.every === 0) policy.decay(decay.factor);
  }
  const seconds = (performance.now() - started) / 1000;
  return { policy: policy.name, rounds, regret, regretAt, clicks, decisionsPerSecond: rounds / Math.max(seconds, 1e-9) };
}
