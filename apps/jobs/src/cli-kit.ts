// Shared plumbing for every `cascade` command: JSON output, progress bars and failure handling.
import cliProgress from 'cli-progress';

export interface CommandOutputOptions {
  json?: boolean;
}

/** Prints a command's summary: one JSON object on the last stdout line (always), plus a readable block unless --json. */
export function printSummary(summary: Record<string, unknown>, options: CommandOutputOptions = {}): void {
  if (!options.json) {
    for (const [key, value] of Object.entries(summary)) {
      if (value !== null && typeof value === 'object') continue;
      process.stderr.write(`  ${key}: ${String(value)}\n`);
    }
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

export interface ProgressReporter {
  start(total: number, label: string): void;
  update(value: number, label?: string): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal (quiet in CI logs and with --json). */
export function createProgress(options: CommandOutputOptions = {}): ProgressReporter {
  const enabled = !options.json && process.stderr.isTTY === true;
  if (!enabled) {
    return { start() {}, update() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: ' {label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  return {
    start(total, label) {
      bar.start(total, 0, { label });
    },
    update(value, label) {
      bar.update(value, label === undefined ? undefined : { label });
    },
    stop() {
      bar.stop();
    },
  };
}

/** Wraps a command action: a failure prints a clear message to stderr and exits non-zero. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`cascade: error: ${message}\n`);
      if (process.env.CASCADE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
      process.exitCode = 1;
    }
  };
}

/** Parses a positive integer option value, naming the option on failure. */
export function parsePositiveInt(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`option ${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

/** Parses a finite number option value, naming the option on failure. */
export function parseNumber(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`option ${name} must be a number, got "${value}"`);
    return n;
  };
}
