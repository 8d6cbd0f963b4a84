// A trained factor model: user and item vectors (row-major Float32) indexed like the InteractionMatrix.

export interface FactorModel {
  factors: number;
  users: number;
  items: number;
  userFactors: Float32Array;
  itemFactors: Float32Array;
  /** Per-item bias added to the score (BPR learns one; ALS has none). */
  itemBias?: Float32Array;
}

export function checkPositiveInt(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: must be a positive integer, got ${value}`);
}
export function checkNonNegative(value: number, name: string): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new Error(`${name}: must be a finite number >= 0, got ${value}`);
}
export function checkPositive(value: number, name: string): void {
  if (!(Number.isFinite(value) && value > 0)) throw new Error(`${name}: must be a finite number > 0, got ${value}`);
}

/** Scores every item for one user into `out` (length items). */
export function scoreAllItems(model: FactorModel, user: number, out: Float32Array): Float32Array {
  const f = model.factors;
  const uo = user * f;
  const { userFactors: U, itemFactors: V, itemBias } = model;
  for (let i = 0; i < model.items; i++) {
    const io = i * f;
    let s = itemBias ? itemBias[i] : 0;
    for (let a = 0; a < f; a++) s += U[uo + a] * V[io + a];
    out[i] = s;
  }
  return out;
}
