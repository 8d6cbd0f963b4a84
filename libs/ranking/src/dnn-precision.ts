// Inference precision of the native DNN and how many native forwards may run at once off the event loop. Training
// always runs in fp32; inference defaults to bf16 where the native kernels were built with AVX512-BF16.
export type DnnPrecision = 'fp32' | 'bf16';

export const DNN_PRECISIONS: readonly DnnPrecision[] = ['fp32', 'bf16'];

/** `CASCADE_DNN_PRECISION` (or the given value) checked: fp32, bf16 or unset. */
export function parseDnnPrecision(value: string | undefined = process.env.CASCADE_DNN_PRECISION, source = 'CASCADE_DNN_PRECISION'): DnnPrecision | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(DNN_PRECISIONS as readonly string[]).includes(value)) throw new Error(`${source} must be fp32 or bf16, got "${value}"`);
  return value as DnnPrecision;
}

/**
 * The inference precision: `requested` (an option), else `CASCADE_DNN_PRECISION`, else bf16 where available.
 * Asking for bf16 where it is not available throws, naming where the request came from.
 */
export function resolveInferencePrecision(bf16Available: boolean, requested?: DnnPrecision): DnnPrecision {
  const fromOption = requested !== undefined;
  const wanted = fromOption ? parseDnnPrecision(requested, 'precision') : parseDnnPrecision();
  if (wanted === 'bf16' && !bf16Available) {
    const source = fromOption ? 'precision "bf16"' : 'CASCADE_DNN_PRECISION=bf16';
    throw new Error(`${source} needs the native DNN kernels built for a CPU with AVX512-BF16; use fp32 here`);
  }
  return wanted ?? (bf16Available ? 'bf16' : 'fp32');
}

/** `CASCADE_DNN_ASYNC_CONCURRENCY`: native forwards running at once off the event loop (default 1). */
export function dnnAsyncConcurrency(value: string | undefined = process.env.CASCADE_DNN_ASYNC_CONCURRENCY): number {
  if (value === undefined || value === '') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`CASCADE_DNN_ASYNC_CONCURRENCY must be an integer from 1 to 64, got "${value}"`);
  return n;
}
