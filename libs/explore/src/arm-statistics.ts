/**
 * Per-arm click statistics of a Beta–Bernoulli bandit, held in typed arrays so the hot loop of a
 * policy touches no objects. `pulls` and `rewards` are the observed impressions and (possibly
 * fractional) clicks; `priorAlpha`/`priorBeta` are Beta pseudo-counts, which can be seeded from a
 * ranker's pCTR so a new item starts at its predicted rate.
 */
export class ArmStatistics {
  readonly armCount: number;
  readonly pulls: Float64Array;
  readonly rewards: Float64Array;
  readonly priorAlpha: Float64Array;
  readonly priorBeta: Float64Array;
  /** Sum of `pulls` (the round counter t of UCB-style policies). */
  totalPulls = 0;

  constructor(armCount: number, options: { priorAlpha?: number; priorBeta?: number } = {}) {
    if (!Number.isInteger(armCount) || armCount <= 0) throw new Error(`armCount must be a positive integer, got ${armCount}`);
    const priorAlpha = options.priorAlpha ?? 1;
    const priorBeta = options.priorBeta ?? 1;
    if (!(priorAlpha > 0) || !(priorBeta > 0)) throw new Error(`priorAlpha and priorBeta must be > 0, got ${priorAlpha}, ${priorBeta}`);
    this.armCount = armCount;
    this.pulls = new Float64Array(armCount);
    this.rewards = new Float64Array(armCount);
    this.priorAlpha = new Float64Array(armCount).fill(priorAlpha);
    this.priorBeta = new Float64Array(armCount).fill(priorBeta);
  }

  /**
   * Seeds arm `arm`'s prior at a predicted click rate: Beta(pctr·strength, (1−pctr)·strength), i.e.
   * the prediction counts as `strength` pseudo-impressions.
   */
  setPriorFromRate(arm: number, pctr: number, strength: number): void {
    this.checkArm(arm);
    if (!(pctr >= 0 && pctr <= 1)) throw new Error(`pctr must be in [0, 1], got ${pctr}`);
    if (!(strength > 0)) throw new Error(`prior strength must be > 0, got ${strength}`);
    // Keep both pseudo-counts strictly positive so the Beta stays proper at pctr = 0 or 1.
    const p = Math.min(1 - 1e-6, Math.max(1e-6, pctr));
    this.priorAlpha[arm] = p * strength;
    this.priorBeta[arm] = (1 - p) * strength;
  }

  /** Sets observed counts (e.g. loaded from the store). */
  setCounts(arm: number, pulls: number, rewards: number): void {
    this.checkArm(arm);
    if (!(pulls >= 0) || !(rewards >= 0) || rewards > pulls + 1e-9) {
      throw new Error(`counts of arm ${arm} must satisfy 0 <= rewards <= pulls, got pulls=${pulls} rewards=${rewards}`);
    }
    this.totalPulls += pulls - this.pulls[arm];
    this.pulls[arm] = pulls;
    this.rewards[arm] = rewards;
  }

  /** Records one impression of `arm` with reward in [0, 1] (1 = click). */
  record(arm: number, reward: number): void {
    this.pulls[arm] += 1;
    this.rewards[arm] += reward;
    this.totalPulls += 1;
  }

  /** Posterior mean click rate (α + clicks) / (α + β + impressions). */
  posteriorMean(arm: number): number {
    const a = this.priorAlpha[arm] + this.rewards[arm];
    return a / (a + this.priorBeta[arm] + this.pulls[arm] - this.rewards[arm]);
  }

  /** Empirical mean clicks / impressions (0 for an arm never shown). */
  empiricalMean(arm: number): number {
    const n = this.pulls[arm];
    return n > 0 ? this.rewards[arm] / n : 0;
  }

  /** Exponential forgetting for drifting click rates: every count is multiplied by `factor` ∈ (0, 1]. */
  decay(factor: number): void {
    if (!(factor > 0 && factor <= 1)) throw new Error(`decay factor must be in (0, 1], got ${factor}`);
    let total = 0;
    for (let i = 0; i < this.armCount; i++) {
      this.pulls[i] *= factor;
      this.rewards[i] *= factor;
      total += this.pulls[i];
    }
    this.totalPulls = total;
  }

  checkArm(arm: number): void {
    if (!Number.isInteger(arm) || arm < 0 || arm >= this.armCount) {
      throw new Error(`arm must be an integer in [0, ${this.armCount}), got ${arm}`);
    }
  }
}
