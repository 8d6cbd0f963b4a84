// Small helpers every benchmark shares: command-line options and medians.

/** `--name N` as a positive integer (fallback when absent); throws naming the option otherwise. */
export function positiveIntOption(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`option ${name} must be a positive integer, got "${args[i + 1]}"`);
  return value;
}

/** The median of the values (the upper one of an even count); the input is left as it is. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
