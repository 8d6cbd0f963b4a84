// The fetch that the SDK's links use: a per-attempt timeout, and, for idempotent calls only, retries with
// exponential backoff on network errors, timeouts, 5xx and 429 (honouring Retry-After). 4xx never retries.

/** The subset of the fetch signature the SDK needs (the global fetch of Node 20 and browsers fits). */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface RetryingFetchOptions {
  fetch: FetchFunction;
  /** Further attempts after the first one (0 = no retry). */
  retries: number;
  /** Abort an attempt after this many milliseconds (none when undefined). */
  timeoutMs?: number;
  /** Backoff before retry n (1-based): retryDelayMs × 2^(n-1), unless the response sent Retry-After. */
  retryDelayMs: number;
  /** Longest wait before a retry, Retry-After included. */
  maxRetryDelayMs: number;
  /** Waits between attempts (injectable for tests). */
  sleep?: (ms: number) => Promise<void>;
}

/** Whether a response status is worth another attempt: server errors and rate limiting. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/** Milliseconds a Retry-After header asks for (delta-seconds or an HTTP date); undefined when absent or invalid. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One attempt, aborted after `timeoutMs` or when the caller's signal aborts. */
async function attempt(fetchFn: FetchFunction, input: string | URL | Request, init: RequestInit | undefined, timeoutMs: number | undefined): Promise<Response> {
  if (timeoutMs === undefined) return fetchFn(input, init);
  const controller = new AbortController();
  const callerSignal = init?.signal ?? undefined;
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) controller.abort(callerSignal.reason);
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new Error(`request timed out after ${timeoutMs} ms`)), timeoutMs);
  try {
    return await fetchFn(input, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
  }
}

/** A fetch that retries per the policy above; with `retries: 0` it only applies the timeout. */
export function createRetryingFetch(options: RetryingFetchOptions): FetchFunction {
  const sleep = options.sleep ?? defaultSleep;
  return async (input, init) => {
    for (let tryIndex = 0; ; tryIndex++) {
      const canRetry = tryIndex < options.retries;
      let response: Response;
      try {
        response = await attempt(options.fetch, input, init, options.timeoutMs);
      } catch (error) {
        // The caller cancelled: never retry that. Network errors and timeouts: retry while attempts remain.
        if (init?.signal?.aborted || !canRetry) throw error;
        await sleep(Math.min(options.maxRetryDelayMs, options.retryDelayMs * 2 ** tryIndex));
        continue;
      }
      if (!canRetry || !isRetryableStatus(response.status)) return response;
      const asked = parseRetryAfter(response.headers.get('retry-after'));
      // The discarded attempt's body is not needed; release its connection.
      await response.body?.cancel().catch(() => undefined);
      await sleep(Math.min(options.maxRetryDelayMs, asked ?? options.retryDelayMs * 2 ** tryIndex));
    }
  };
}
