// The typed client of the Cascade serving API: tRPC over HTTP with request batching, the bearer API key,
// and retries for the idempotent procedures only (recommend writes impressions, so it is never retried).
import { createTRPCClient, httpBatchLink, httpLink, splitLink, type TRPCClient, type TRPCLink } from '@trpc/client';
import type { AppRouter } from '@cascade/api';
import { createRetryingFetch, type FetchFunction } from './retrying-fetch.js';

type RawClient = TRPCClient<AppRouter>;
export type RecommendInput = Parameters<RawClient['recommend']['mutate']>[0];
export type RecommendResponse = Awaited<ReturnType<RawClient['recommend']['mutate']>>;
export type EventInput = Parameters<RawClient['events']['log']['mutate']>[0];
export type LogEventsResult = Awaited<ReturnType<RawClient['events']['log']['mutate']>>;
export type UpsertItemsInput = Parameters<RawClient['items']['upsert']['mutate']>[0];
export type UpsertItemsResult = Awaited<ReturnType<RawClient['items']['upsert']['mutate']>>;
export type DeleteItemsInput = Parameters<RawClient['items']['delete']['mutate']>[0];
export type DeleteItemsResult = Awaited<ReturnType<RawClient['items']['delete']['mutate']>>;
export type UpsertUsersInput = Parameters<RawClient['users']['upsert']['mutate']>[0];
export type UpsertUsersResult = Awaited<ReturnType<RawClient['users']['upsert']['mutate']>>;
export type SystemInfo = Awaited<ReturnType<RawClient['system']['info']['query']>>;
export type SystemCounts = Awaited<ReturnType<RawClient['system']['counts']['query']>>;

export interface CascadeClientOptions {
  /** The API's tRPC endpoint, e.g. `http://127.0.0.1:4000/trpc`. */
  url: string;
  /** A key from `cascade api-keys create` (`csk_…`), sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** fetch implementation (default: the global fetch). */
  fetch?: FetchFunction;
  /** Combine the calls made in the same tick into one HTTP request (default true). */
  batch?: boolean;
  /** Further attempts of idempotent calls after the first (default 2; 0 disables retries). */
  retries?: number;
  /** Abort each HTTP attempt after this many milliseconds (default: no timeout). */
  timeoutMs?: number;
  /** Base of the exponential backoff between retries (default 250 ms: 250, 500, 1000, …). */
  retryDelayMs?: number;
  /** Longest wait before a retry, Retry-After included (default 30 000 ms). */
  maxRetryDelayMs?: number;
}

export interface CascadeClient {
  /** Ranked items for a user. Writes the served slots to the impression log, so it is never retried. */
  recommend(input: RecommendInput): Promise<RecommendResponse>;
  events: {
    /** Logs one event; an idempotency key is filled in when missing, so retries cannot duplicate it. */
    log(event: EventInput): Promise<LogEventsResult>;
    /** Logs up to 1000 events; each event without an idempotency key gets a random one before the first attempt. */
    logBatch(input: { events: EventInput[] }): Promise<LogEventsResult>;
  };
  items: {
    upsert(input: UpsertItemsInput): Promise<UpsertItemsResult>;
    /** Deactivates items (they are never deleted). */
    delete(input: DeleteItemsInput): Promise<DeleteItemsResult>;
  };
  users: {
    upsert(input: UpsertUsersInput): Promise<UpsertUsersResult>;
  };
  system: {
    info(): Promise<SystemInfo>;
    counts(): Promise<SystemCounts>;
  };
  /** The underlying tRPC proxy client (same links, same retry policy). */
  trpc: RawClient;
}

/** Procedures that must not be sent twice: anything not listed here is safe to retry. */
const NON_IDEMPOTENT_PATHS = new Set(['recommend']);

/** A random idempotency key (crypto.randomUUID where available, else 128 random bits). */
export function randomIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return `sdk-${c.randomUUID()}`;
  const bytes = c.getRandomValues(new Uint8Array(16));
  return `sdk-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function withIdempotencyKey(event: EventInput): EventInput {
  return event.idempotencyKey === undefined ? { ...event, idempotencyKey: randomIdempotencyKey() } : event;
}

function validateOptions(options: CascadeClientOptions): void {
  if (typeof options !== 'object' || options === null) throw new Error('createCascadeClient: options must be an object');
  if (typeof options.url !== 'string' || options.url.trim() === '') throw new Error('createCascadeClient: option "url" must be a non-empty string');
  try {
    const parsed = new URL(options.url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('bad protocol');
  } catch {
    throw new Error(`createCascadeClient: option "url" must be an http(s) URL, got "${options.url}"`);
  }
  if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '' || /\s/.test(options.apiKey.trim())) {
    throw new Error('createCascadeClient: option "apiKey" must be a non-empty string without spaces');
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new Error('createCascadeClient: option "fetch" must be a function');
  if (options.batch !== undefined && typeof options.batch !== 'boolean') throw new Error('createCascadeClient: option "batch" must be a boolean');
  if (options.retries !== undefined && (!Number.isInteger(options.retries) || options.retries < 0 || options.retries > 10)) {
    throw new Error('createCascadeClient: option "retries" must be an integer from 0 to 10');
  }
  for (const name of ['timeoutMs', 'retryDelayMs', 'maxRetryDelayMs'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (name === 'timeoutMs' && value === 0))) {
      throw new Error(`createCascadeClient: option "${name}" must be a ${name === 'timeoutMs' ? 'positive' : 'non-negative'} number of milliseconds`);
    }
  }
}

/** Creates the typed client. Calls return promises; errors are `TRPCClientError`s carrying the server's message. */
export function createCascadeClient(options: CascadeClientOptions): CascadeClient {
  validateOptions(options);
  const baseFetch: FetchFunction = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const common = {
    fetch: baseFetch,
    timeoutMs: options.timeoutMs,
    retryDelayMs: options.retryDelayMs ?? 250,
    maxRetryDelayMs: options.maxRetryDelayMs ?? 30_000,
  };
  const apiKey = options.apiKey.trim();
  const url = options.url.replace(/\/+$/, '');
  const makeLink = (fetchFn: FetchFunction): TRPCLink<AppRouter> => {
    const linkOptions = { url, fetch: fetchFn, headers: () => ({ authorization: `Bearer ${apiKey}` }) };
    return options.batch === false ? httpLink<AppRouter>(linkOptions) : httpBatchLink<AppRouter>(linkOptions);
  };
  // Two links so that a batch never mixes a non-idempotent call with retryable ones.
  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => NON_IDEMPOTENT_PATHS.has(op.path),
        true: makeLink(createRetryingFetch({ ...common, retries: 0 })),
        false: makeLink(createRetryingFetch({ ...common, retries: options.retries ?? 2 })),
      }),
    ],
  });
  return {
    recommend: (input) => trpc.recommend.mutate(input),
    events: {
      log: (event) => trpc.events.log.mutate(withIdempotencyKey(event)),
      logBatch: (input) => trpc.events.logBatch.mutate({ ...input, events: input.events.map(withIdempotencyKey) }),
    },
    items: {
      upsert: (input) => trpc.items.upsert.mutate(input),
      delete: (input) => trpc.items.delete.mutate(input),
    },
    users: {
      upsert: (input) => trpc.users.upsert.mutate(input),
    },
    system: {
      info: () => trpc.system.info.query(),
      counts: () => trpc.system.counts.query(),
    },
    trpc,
  };
}
