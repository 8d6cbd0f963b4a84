// The time-based holdout every stage and evaluation shares: the latest `share` of the rows by time.

/** The time at which the latest `share` of `times` begins: rows at or after it are the holdout (ties go together). */
export function holdoutTimeCut(times: Float64Array, share: number): number {
  const sorted = Float64Array.from(times).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * (1 - share)))];
}
