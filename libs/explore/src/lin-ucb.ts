import { LinUcbArmModels } from './lin-ucb-model.js';
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
 * In memory only (simulator, benchmark); `PersistentLinUcbPolicy` is the online, persisted variant.
 */
export class LinUcbPolicy implements BanditPolicy {
  readonly name: string;
  readonly armCount: number;
  readonly contextual = true;
  readonly dimension: number;
  private readonly alpha: number;
  private readonly models: LinUcbArmModels;

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
    this.name = `linucb(${alpha})`;
    this.models = new LinUcbArmModels(d, ridge, armCount);
    for (let a = 0; a < armCount; a++) this.models.addArm();
  }

  private checkContext(context: Float64Array | undefined): Float64Array {
    if (!context || context.length !== this.dimension) {
      throw new Error(`context must be a Float64Array of length ${this.dimension}, got ${context ? context.length : 'none'}`);
    }
    return context;
  }

  /** Predicted reward θ_aᵀx of arm a in context x. */
  predict(arm: number, context: Float64Array): number {
    return this.models.mean(arm, this.checkContext(context));
  }

  select(context?: Float64Array): number {
    const x = this.checkContext(context);
    let best = 0;
    let bestValue = -Infinity;
    for (let a = 0; a < this.armCount; a++) {
      const value = this.models.upperBound(a, x, this.alpha);
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
    this.models.update(arm, reward, x);
  }

  /** Forgets exponentially: A_a ← λI + factor·(A_a − λI), b_a ← factor·b_a, then re-inverts A_a. */
  decay(factor: number): void {
    if (!(factor > 0 && factor <= 1)) throw new Error(`decay factor must be in (0, 1], got ${factor}`);
    for (let a = 0; a < this.armCount; a++) this.models.decay(a, factor);
  }

  /**
   * Deterministic: the k eligible arms with the highest UCB scores for this context, propensity 1;
   * an arm is marked explore when it is not among the k best by θ_aᵀx.
   */
  fillSlots(eligibleArms: ArrayLike<number>, k: number, context?: Float64Array): SlotFill {
    const x = this.checkContext(context);
    const slots = checkSlotRequest(eligibleArms, k, this.armCount);
    const scores = Array.from(eligibleArms, (arm) => this.models.upperBound(arm, x, this.alpha));
    const arms = Int32Array.from(topPositions(scores, slots), (pos) => eligibleArms[pos]);
    const means = Array.from(eligibleArms, (arm) => this.models.mean(arm, x));
    return { arms, explore: markExploration(arms, eligibleArms, means), propensity: new Float64Array(slots).fill(1) };
  }
}

export { invertSymmetricPositiveDefinite } from './lin-ucb-model.js';
