import { checkReward, checkSlotRequest, markExploration, topPositions, type BanditPolicy, type SlotFill } from './policy.js';

export interface LinUcbOptions {
  /** Context dimension d. */
  dimension: number;
  /** Width α of the confidence ellipsoid. */
  alpha?: number;
  /** Ridge regulariser λ (A_a starts at λI). */
  ridge?: number;
}

/**
 * LinUCB with disjoint linear models (Li, Chu, Langford & Schapire 2010, Algorithm 1): every arm a
 * keeps A_a = λI + Σ x xᵀ and b_a = Σ r x over the contexts it was shown in; for context x it
 * scores θ_aᵀx + α·sqrt(xᵀ A_a⁻¹ x) with θ_a = A_a⁻¹ b_a and plays the argmax. A_a⁻¹ and θ_a are
 * maintained by Sherman–Morrison rank-one updates (O(d²) per update, O(K·d²) per decision).
 */
export class LinUcbPolicy implements BanditPolicy {
  readonly name: string;
  readonly armCount: number;
  readonly contextual = true;
  readonly dimension: number;
  private readonly alpha: number;
  private readonly ridge: number;
  private readonly matrix: Float64Array;
  private readonly inverse: Float64Array;
  private readonly target: Float64Array;
  private readonly theta: Float64Array;
  private readonly scratch: Float64Array;

  constructor(armCount: number, options: LinUcbOptions) {
    if (!Number.isInteger(armCount) || armCount <= 0) throw new Error(`armCount must be a positive integer, got ${armCount}`);
    const d = options.dimension;
    if (!Number.isInteger(d) || d <= 0) throw new Error(`dimension must be a positive integer, got ${d}`);
    const alpha = options.alpha ?? 1;
    const ridge = options.ridge ?? 1;
    if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new Error(`alpha must be a finite number >= 0, got ${alpha}`);
    if (!(ridge > 0) || !Number.isFinite(ridge)) throw new Error(`ridge must be a finite number > 0, got ${ridge}`);
    this.armCount = armCount;
    this.dimension = d;
    this.alpha = alpha;
    this.ridge = ridge;
    this.name = `linucb(${alpha})`;
    this.matrix = new Float64Array(armCount * d * d);
    this.inverse = new Float64Array(armCount * d * d);
    this.target = new Float64Array(armCount * d);
    this.theta = new Float64Array(armCount * d);
    this.scratch = new Float64Array(d);
    for (let a = 0; a < armCount; a++) {
      for (let i = 0; i < d; i++) {
        this.matrix[a * d * d + i * d + i] = ridge;
        this.inverse[a * d * d + i * d + i] = 1 / ridge;
      }
    }
  }

  private checkContext(context: Float64Array | undefined): Float64Array {
    if (!context || context.length !== this.dimension) {
      throw new Error(`context must be a Float64Array of length ${this.dimension}, got ${context ? context.length : 'none'}`);
    }
    return context;
  }

  /** θ_aᵀx (exploit) and the UCB score of arm a for context x. */
  private score(arm: number, x: Float64Array, withBonus: boolean): number {
    const d = this.dimension;
    const base = arm * d * d;
    const inv = this.inverse;
    let mean = 0;
    let quad = 0;
    for (let i = 0; i < d; i++) {
      mean += this.theta[arm * d + i] * x[i];
      if (!withBonus) continue;
      let row = 0;
      for (let j = 0; j < d; j++) row += inv[base + i * d + j] * x[j];
      quad += x[i] * row;
    }
    return withBonus ? mean + this.alpha * Math.sqrt(Math.max(0, quad)) : mean;
  }

  /** Predicted reward θ_aᵀx of arm a in context x. */
  predict(arm: number, context: Float64Array): number {
    return this.score(arm, this.checkContext(context), false);
  }

  select(context?: Float64Array): number {
    const x = this.checkContext(context);
    let best = 0;
    let bestValue = -Infinity;
    for (let a = 0; a < this.armCount; a++) {
      const value = this.score(a, x, true);
      if (value > bestValue) {
        bestValue = value;
        best = a;
      }
    }
    return best;
  }

  update(arm: number, reward: number, context?: Float64Array): void {
    const x = this.checkContext(context);
    checkReward(reward);
    if (!Number.isInteger(arm) || arm < 0 || arm >= this.armCount) throw new Error(`arm must be in [0, ${this.armCount}), got ${arm}`);
    const d = this.dimension;
    const base = arm * d * d;
    const inv = this.inverse;
    const u = this.scratch;
    // Sherman–Morrison: (A + xxᵀ)⁻¹ = A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ / (1 + xᵀA⁻¹x); A⁻¹ is symmetric.
    let denom = 1;
    for (let i = 0; i < d; i++) {
      let row = 0;
      for (let j = 0; j < d; j++) row += inv[base + i * d + j] * x[j];
      u[i] = row;
      denom += x[i] * row;
    }
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        inv[base + i * d + j] -= (u[i] * u[j]) / denom;
        this.matrix[base + i * d + j] += x[i] * x[j];
      }
      this.target[arm * d + i] += reward * x[i];
    }
    this.solveTheta(arm);
  }

  private solveTheta(arm: number): void {
    const d = this.dimension;
    const base = arm * d * d;
    for (let i = 0; i < d; i++) {
      let value = 0;
      for (let j = 0; j < d; j++) value += this.inverse[base + i * d + j] * this.target[arm * d + j];
      this.theta[arm * d + i] = value;
    }
  }

  /** Forgets exponentially: A_a ← λI + factor·(A_a − λI), b_a ← factor·b_a, then re-inverts A_a. */
  decay(factor: number): void {
    if (!(factor > 0 && factor <= 1)) throw new Error(`decay factor must be in (0, 1], got ${factor}`);
    const d = this.dimension;
    for (let a = 0; a < this.armCount; a++) {
      const base = a * d * d;
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) {
          const ridge = i === j ? this.ridge : 0;
          this.matrix[base + i * d + j] = ridge + factor * (this.matrix[base + i * d + j] - ridge);
        }
        this.target[a * d + i] *= factor;
      }
      invertSymmetricPositiveDefinite(this.matrix.subarray(base, base + d * d), this.inverse.subarray(base, base + d * d), d);
      this.solveTheta(a);
    }
  }

  /**
   * Deterministic: the k eligible arms with the highest UCB scores for this context, propensity 1;
   * an arm is marked explore when it is not among the k best by θ_aᵀx.
   */
  fillSlots(eligibleArms: ArrayLike<number>, k: number, context?: Float64Array): SlotFill {
    const x = this.checkContext(context);
    const slots = checkSlotRequest(eligibleArms, k, this.armCount);
    const scores = Array.from(eligibleArms, (arm) => this.score(arm, x, true));
    const arms = Int32Array.from(topPositions(scores, slots), (pos) => eligibleArms[pos]);
    const means = Array.from(eligibleArms, (arm) => this.score(arm, x, false));
    return { arms, explore: markExploration(arms, eligibleArms, means), propensity: new Float64Array(slots).fill(1) };
  }
}

/** Gauss–Jordan inverse of a small symmetric positive-definite d×d matrix (no pivoting needed). */
export function invertSymmetricPositiveDefinite(matrix: Float64Array, out: Float64Array, d: number): void {
  const work = Float64Array.from(matrix);
  out.fill(0);
  for (let i = 0; i < d; i++) out[i * d + i] = 1;
  for (let col = 0; col < d; col++) {
    const pivot = work[col * d + col];
    if (!(pivot > 0)) throw new Error('matrix is not positive definite');
    for (let j = 0; j < d; j++) {
      work[col * d + j] /= pivot;
      out[col * d + j] /= pivot;
    }
    for (let row = 0; row < d; row++) {
      if (row === col) continue;
      const factor = work[row * d + col];
      if (factor === 0) continue;
      for (let j = 0; j < d; j++) {
        work[row * d + j] -= factor * work[col * d + j];
        out[row * d + j] -= factor * out[col * d + j];
      }
    }
  }
}
