import { hashString32 } from '@cascade/core';

export interface ExperimentVariant {
  /** Unique within the experiment (e.g. "control", "thompson"). */
  name: string;
  /** Relative traffic share (> 0); shares are normalised over the variants. */
  weight: number;
  /** What the variant serves: a policy and its parameters, a model version, ... */
  config?: Record<string, unknown>;
}

/** Checks variant names and weights; throws naming the offending field. */
export function validateVariants(variants: readonly ExperimentVariant[]): void {
  if (!Array.isArray(variants) || variants.length < 2) throw new Error('variants must list at least two variants');
  const names = new Set<string>();
  variants.forEach((v, i) => {
    if (typeof v.name !== 'string' || v.name.length === 0) throw new Error(`variants[${i}].name must be a non-empty string`);
    if (names.has(v.name)) throw new Error(`variants[${i}].name "${v.name}" is repeated`);
    names.add(v.name);
    if (!(typeof v.weight === 'number' && v.weight > 0 && Number.isFinite(v.weight))) {
      throw new Error(`variants[${i}].weight must be a positive number, got ${String(v.weight)}`);
    }
  });
}

/**
 * A uniform number in [0, 1) determined by (experiment, user): FNV-1a of "experiment\u0000user"
 * followed by the murmur3 finaliser, so similar ids land far apart and different experiments
 * split users independently.
 */
export function assignmentHash(userId: string | number, experimentKey: string): number {
  let h = hashString32(`${experimentKey}\u0000${String(userId)}`);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** The variant a user sees: deterministic for (user, experiment), in proportion to the weights. */
export function assignVariant(userId: string | number, experimentKey: string, variants: readonly ExperimentVariant[]): ExperimentVariant {
  if (userId === '' || userId === null || userId === undefined) throw new Error('userId must be given');
  if (typeof experimentKey !== 'string' || experimentKey.length === 0) throw new Error('experimentKey must be a non-empty string');
  validateVariants(variants);
  const total = variants.reduce((s, v) => s + v.weight, 0);
  const u = assignmentHash(userId, experimentKey) * total;
  let cumulative = 0;
  for (const variant of variants) {
    cumulative += variant.weight;
    if (u < cumulative) return variant;
  }
  return variants[variants.length - 1];
}
