/**
 * Disjoint LinUCB models (Li, Chu, Langford & Schapire 2010): arm a keeps A_a = λI + Σ x xᵀ and
 * b_a = Σ r x over the contexts it was shown in, the cached inverse A_a⁻¹ (Sherman–Morrison
 * rank-one updates, O(d²)) and θ_a = A_a⁻¹ b_a. Arms live in flat Float64Arrays that grow by
 * doubling, so scoring and updating allocate nothing. Shared by the in-memory `LinUcbPolicy` and
 * the persisted `PersistentLinUcbPolicy`; callers validate arms and contexts.
 */
export class LinUcbArmModels {
  readonly dimension: number;
  readonly ridge: number;
  /** Number of arms in use (indices 0 … count − 1). */
  count = 0;
  private capacity: number;
  /** A_a, row-major d×d per arm. */
  matrix: Float64Array;
  inverse: Float64Array;
  /** b_a, d per arm. */
  target: Float64Array;
  theta: Float64Array;
  private readonly scratch: Float64Array;

  constructor(dimension: number, ridge: number, initialCapacity = 16) {
    if (!Number.isInteger(dimension) || dimension <= 0) throw new Error(`dimension must be a positive integer, got ${dimension}`);
    if (!(ridge > 0) || !Number.isFinite(ridge)) throw new Error(`ridge must be a finite number > 0, got ${ridge}`);
    this.dimension = dimension;
    this.ridge = ridge;
    this.capacity = Math.max(1, initialCapacity);
    const d = dimension;
    this.matrix = new Float64Array(this.capacity * d * d);
    this.inverse = new Float64Array(this.capacity * d * d);
    this.target = new Float64Array(this.capacity * d);
    this.theta = new Float64Array(this.capacity * d);
    this.scratch = new Float64Array(d);
  }

  /** Adds an arm at its prior (A = λI, b = 0) and returns its index. */
  addArm(): number {
    if (this.count === this.capacity) this.grow(this.capacity * 2);
    const arm = this.count++;
    const d = this.dimension;
    const base = arm * d * d;
    for (let i = 0; i < d; i++) {
      this.matrix[base + i * d + i] = this.ridge;
      this.inverse[base + i * d + i] = 1 / this.ridge;
    }
    return arm;
  }

  private grow(capacity: number): void {
    const d = this.dimension;
    const resize = (old: Float64Array, size: number) => {
      const next = new Float64Array(size);
      next.set(old);
      return next;
    };
    this.matrix = resize(this.matrix, capacity * d * d);
    this.inverse = resize(this.inverse, capacity * d * d);
    this.target = resize(this.target, capacity * d);
    this.theta = resize(this.theta, capacity * d);
    this.capacity = capacity;
  }

  /** θ_aᵀx. */
  mean(arm: number, x: Float64Array): number {
    const d = this.dimension;
    let mean = 0;
    for (let i = 0; i < d; i++) mean += this.theta[arm * d + i] * x[i];
    return mean;
  }

  /** θ_aᵀx + α·sqrt(xᵀA_a⁻¹x). */
  upperBound(arm: number, x: Float64Array, alpha: number): number {
    const d = this.dimension;
    const base = arm * d * d;
    const inv = this.inverse;
    let mean = 0;
    let quad = 0;
    for (let i = 0; i < d; i++) {
      mean += this.theta[arm * d + i] * x[i];
      let row = 0;
      for (let j = 0; j < d; j++) row += inv[base + i * d + j] * x[j];
      quad += x[i] * row;
    }
    return mean + alpha * Math.sqrt(Math.max(0, quad));
  }

  /** The score of an arm that has never been updated (θ = 0, A = λI): α·|x|/sqrt(λ). */
  priorUpperBound(x: Float64Array, alpha: number): number {
    let squared = 0;
    for (let i = 0; i < this.dimension; i++) squared += x[i] * x[i];
    return alpha * Math.sqrt(squared / this.ridge);
  }

  /** A_a += x xᵀ, b_a += r x (Sherman–Morrison on A_a⁻¹, then θ_a). */
  update(arm: number, reward: number, x: Float64Array): void {
    const d = this.dimension;
    const base = arm * d * d;
    const inv = this.inverse;
    const u = this.scratch;
    // (A + xxᵀ)⁻¹ = A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ / (1 + xᵀA⁻¹x); A⁻¹ is symmetric.
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

  /** Replaces arm a's A and b (e.g. loaded from the database) and recomputes A⁻¹ and θ. */
  setState(arm: number, matrix: ArrayLike<number>, target: ArrayLike<number>): void {
    const d = this.dimension;
    for (let i = 0; i < d * d; i++) this.matrix[arm * d * d + i] = matrix[i];
    for (let i = 0; i < d; i++) this.target[arm * d + i] = target[i];
    this.reinvert(arm);
  }

  /** Forgets exponentially: A_a ← λI + factor·(A_a − λI), b_a ← factor·b_a, then re-inverts A_a. */
  decay(arm: number, factor: number): void {
    const d = this.dimension;
    const base = arm * d * d;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const ridge = i === j ? this.ridge : 0;
        this.matrix[base + i * d + j] = ridge + factor * (this.matrix[base + i * d + j] - ridge);
      }
      this.target[arm * d + i] *= factor;
    }
    this.reinvert(arm);
  }

  private reinvert(arm: number): void {
    const dd = this.dimension * this.dimension;
    invertSymmetricPositiveDefinite(this.matrix.subarray(arm * dd, (arm + 1) * dd), this.inverse.subarray(arm * dd, (arm + 1) * dd), this.dimension);
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
