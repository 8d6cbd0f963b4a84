// Numeric features are discretised into tokens so every field is embedded the same way (as the Criteo winners did).

/** floor(ln(x)^2) for x > 2, otherwise x itself truncated to an integer (2, 1, 0 and negatives keep their own token). */
export function logBucket(x: number): number {
  if (!Number.isFinite(x)) throw new Error(`logBucket: value must be finite, got ${x}`);
  if (x > 2) {
    const l = Math.log(x);
    return Math.floor(l * l);
  }
  return Math.trunc(x);
}

/** Index of the first boundary greater than x (0..boundaries.length), by binary search over sorted boundaries. */
export function bucketIndex(x: number, boundaries: readonly number[]): number {
  if (Number.isNaN(x)) throw new Error('bucketIndex: value must not be NaN');
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x >= boundaries[mid]) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
