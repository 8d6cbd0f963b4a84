/**
 * The one interface every exploration policy implements. A policy owns its learned state (arm
 * statistics or, for LinUCB, per-arm ridge regressions) and its seeded random stream.
 *
 * - `select` picks one arm among all arms for one decision (the simulator's hot path: it must not
 *   allocate);
 * - `update` feeds back the observed reward (1 = click, 0 = none, or any value in [0, 1]);
 * - `fillSlots` fills the k slots of one list from the eligible arms (in the ranker's order) and
 *   says, for every served arm, whether the policy put it there to explore and with which
 *   probability (its propensity) the policy would have shown that arm in that slot.
 */
export interface BanditPolicy {
  readonly name: string;
  readonly armCount: number;
  /** True when `select`/`update`/`fillSlots` need a context vector. */
  readonly contextual: boolean;
  select(context?: Float64Array): number;
  update(arm: number, reward: number, context?: Float64Array): void;
  fillSlots(eligibleArms: ArrayLike<number>, k: number, context?: Float64Array): SlotFill;
  /** Exponential forgetting of everything learned so far, for drifting rates (factor ∈ (0, 1]). */
  decay(factor: number): void;
}

/** The served list: `arms[j]` in slot j, with its explore mark and propensity. */
export interface SlotFill {
  arms: Int32Array;
  explore: Uint8Array;
  propensity: Float64Array;
}

/** Validates the arguments of `fillSlots` and returns the number of slots that can be filled. */
export function checkSlotRequest(eligibleArms: ArrayLike<number>, k: number, armCount: number): number {
  if (!Number.isInteger(k) || k <= 0) throw new Error(`k must be a positive integer, got ${k}`);
  const seen = new Uint8Array(armCount);
  for (let i = 0; i < eligibleArms.length; i++) {
    const arm = eligibleArms[i];
    if (!Number.isInteger(arm) || arm < 0 || arm >= armCount) {
      throw new Error(`eligibleArms[${i}] must be an arm index in [0, ${armCount}), got ${arm}`);
    }
    if (seen[arm]) throw new Error(`eligibleArms[${i}] repeats arm ${arm}`);
    seen[arm] = 1;
  }
  return Math.min(k, eligibleArms.length);
}

/**
 * Positions (into `values`) of the `count` largest values, best first; ties keep the input order,
 * so the ranker's order breaks ties.
 */
export function topPositions(values: ArrayLike<number>, count: number): Int32Array {
  count = Math.max(0, Math.min(count, values.length));
  if (count <= 32) {
    // A few slots out of many candidates: the insertion buffer is O(n) in practice, a sort O(n log n).
    const out = new Int32Array(count);
    if (count > 0) topPositionsInto(values, count, out);
    return out;
  }
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => values[b] - values[a] || a - b);
  return Int32Array.from(order.slice(0, count));
}

/**
 * Allocation-free top-k for hot loops: writes the positions of the `count` largest values into
 * `out` (best first; ties keep the input order) by insertion into a sorted buffer, O(n·k) at worst
 * and close to O(n) when few values enter the buffer.
 */
export function topPositionsInto(values: ArrayLike<number>, count: number, out: Int32Array): void {
  let size = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (size === count && v <= values[out[size - 1]]) continue;
    let j = size < count ? size++ : size - 1;
    while (j > 0 && values[out[j - 1]] < v) {
      out[j] = out[j - 1];
      j--;
    }
    out[j] = i;
  }
}

/** Marks served arms that are not among the `k` best by the policy's exploit value (its point estimate). */
export function markExploration(served: Int32Array, eligibleArms: ArrayLike<number>, exploitValues: ArrayLike<number>): Uint8Array {
  const best = topPositions(exploitValues, served.length);
  const explore = new Uint8Array(served.length);
  for (let j = 0; j < served.length; j++) {
    let exploit = false;
    for (let b = 0; b < best.length && !exploit; b++) exploit = eligibleArms[best[b]] === served[j];
    explore[j] = exploit ? 0 : 1;
  }
  return explore;
}

export function checkReward(reward: number): void {
  if (!(reward >= 0 && reward <= 1)) throw new Error(`reward must be in [0, 1], got ${reward}`);
}
