// Small helpers for the database rows the feature paths read.

/** A JSON attributes column as an object: parsed when a driver returns text, {} for anything but an object. */
export function asAttributes(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') {
    try {
      return asAttributes(JSON.parse(value));
    } catch {
      return {};
    }
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** First index of sorted `a` whose value is >= x. */
export function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
