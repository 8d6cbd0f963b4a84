import { describe, expect, it } from 'vitest';
import { createCascadeClient, type FetchFunction } from './index.js';
import { createRetryingFetch, parseRetryAfter } from './retrying-fetch.js';

interface Call {
  url: string;
  authorization: string | null;
  body: unknown;
}

const TRPC_CODES: Record<number, [number, string]> = {
  400: [-32600, 'BAD_REQUEST'],
  429: [-32029, 'TOO_MANY_REQUESTS'],
  500: [-32603, 'INTERNAL_SERVER_ERROR'],
  503: [-32603, 'INTERNAL_SERVER_ERROR'],
};

/** A fake server: answers each request with the next status in `statuses` (then 200), in tRPC's batch format. */
function fakeFetch(statuses: number[], data: unknown = { ok: true }, headers: Record<string, string> = {}): { fetch: FetchFunction; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchFunction = async (input, init) => {
    const url = String(input);
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    calls.push({ url, authorization: new Headers(init?.headers).get('authorization'), body });
    const status = statuses[calls.length - 1] ?? 200;
    const batched = url.includes('batch=1');
    const paths = new URL(url).pathname.replace(/^\/trpc\//, '').split(',');
    const results = paths.map((path) => {
      if (status === 200) return { result: { data } };
      const [code, name] = TRPC_CODES[status];
      return { error: { message: `fake ${status}`, code, data: { code: name, httpStatus: status, path } } };
    });
    return new Response(JSON.stringify(batched ? results : results[0]), { status, headers: { 'content-type': 'application/json', ...headers } });
  };
  return { fetch, calls };
}

const base = { url: 'http://api.test/trpc', apiKey: 'csk_test', retryDelayMs: 1 };

describe('createCascadeClient retry policy', () => {
  it('retries an idempotent call on 503 and then succeeds, sending the bearer key', async () => {
    const fake = fakeFetch([503]);
    const client = createCascadeClient({ ...base, fetch: fake.fetch });
    await expect(client.items.upsert({ items: [{ externalId: 'i1' }] })).resolves.toEqual({ ok: true });
    expect(fake.calls).toHaveLength(2);
    expect(fake.calls.every((c) => c.url.startsWith('http://api.test/trpc/items.upsert'))).toBe(true);
    expect(fake.calls[0].authorization).toBe('Bearer csk_test');
  });

  it('retries queries, items.delete and users.upsert too, and gives up after `retries`', async () => {
    const fake = fakeFetch([503, 503, 503, 503]);
    const client = createCascadeClient({ ...base, fetch: fake.fetch, retries: 2 });
    await expect(client.items.delete({ itemIds: ['i1'] })).rejects.toThrow('fake 503');
    expect(fake.calls).toHaveLength(3);
    const ok = fakeFetch([500, 429]);
    const again = createCascadeClient({ ...base, fetch: ok.fetch });
    await expect(again.system.counts()).resolves.toEqual({ ok: true });
    expect(ok.calls).toHaveLength(3);
    const users = fakeFetch([503]);
    await expect(createCascadeClient({ ...base, fetch: users.fetch }).users.upsert({ users: [{ externalId: 'u1' }] })).resolves.toEqual({ ok: true });
    expect(users.calls).toHaveLength(2);
  });

  it('never retries recommend (it writes impressions)', async () => {
    const fake = fakeFetch([503]);
    const client = createCascadeClient({ ...base, fetch: fake.fetch });
    await expect(client.recommend({ userId: 'u1', placement: 'home', k: 5 })).rejects.toThrow('fake 503');
    expect(fake.calls).toHaveLength(1);
    const network = createCascadeClient({ ...base, fetch: () => Promise.reject(new TypeError('fetch failed')) });
    await expect(network.recommend({ userId: 'u1', placement: 'home', k: 5 })).rejects.toThrow('fetch failed');
  });

  it('never retries a 4xx', async () => {
    const fake = fakeFetch([400]);
    const client = createCascadeClient({ ...base, fetch: fake.fetch });
    await expect(client.items.upsert({ items: [{ externalId: 'i1' }] })).rejects.toThrow('fake 400');
    expect(fake.calls).toHaveLength(1);
  });

  it('fills in one idempotency key per event before the first attempt and resends it unchanged', async () => {
    const fake = fakeFetch([503, 503]);
    const client = createCascadeClient({ ...base, fetch: fake.fetch });
    await client.events.logBatch({
      events: [
        { type: 'impression', userId: 'u1', itemId: 'i1', requestId: 'r1', occurredAt: new Date() },
        { type: 'click', userId: 'u1', itemId: 'i1', requestId: 'r1', occurredAt: new Date(), idempotencyKey: 'mine' },
      ],
    });
    expect(fake.calls).toHaveLength(3);
    const keys = fake.calls.map((c) => ((c.body as Record<string, { events: { idempotencyKey: string }[] }>)['0'].events).map((e) => e.idempotencyKey));
    expect(keys[0][0]).toMatch(/^sdk-/);
    expect(keys[0][1]).toBe('mine');
    expect(keys[1]).toEqual(keys[0]);
    expect(keys[2]).toEqual(keys[0]);

    const single = fakeFetch([503]);
    await createCascadeClient({ ...base, fetch: single.fetch }).events.log({ type: 'click', userId: 'u1', itemId: 'i1', occurredAt: Date.now() });
    const singleKeys = single.calls.map((c) => (c.body as Record<string, { idempotencyKey: string }>)['0'].idempotencyKey);
    expect(singleKeys[0]).toMatch(/^sdk-/);
    expect(singleKeys[1]).toBe(singleKeys[0]);
  });

  it('works unbatched as well', async () => {
    const fake = fakeFetch([503]);
    const client = createCascadeClient({ ...base, fetch: fake.fetch, batch: false });
    await expect(client.items.delete({ itemIds: ['i1'] })).resolves.toEqual({ ok: true });
    expect(fake.calls).toHaveLength(2);
    expect(fake.calls[0].url).not.toContain('batch=1');
  });

  it('validates its options, naming the option', () => {
    expect(() => createCascadeClient({ url: '', apiKey: 'k' })).toThrow('"url"');
    expect(() => createCascadeClient({ url: 'ftp://x', apiKey: 'k' })).toThrow('"url"');
    expect(() => createCascadeClient({ url: 'http://x', apiKey: '' })).toThrow('"apiKey"');
    expect(() => createCascadeClient({ url: 'http://x', apiKey: 'k', retries: -1 })).toThrow('"retries"');
    expect(() => createCascadeClient({ url: 'http://x', apiKey: 'k', timeoutMs: 0 })).toThrow('"timeoutMs"');
  });
});

describe('createRetryingFetch', () => {
  const ok = () => new Response('{}', { status: 200 });

  it('honours Retry-After and backs off exponentially otherwise', async () => {
    const waits: number[] = [];
    let n = 0;
    const statuses = [429, 503, 503];
    const fetchFn = createRetryingFetch({
      fetch: async () => (n < statuses.length ? new Response('', { status: statuses[n++], headers: n === 1 ? { 'retry-after': '2' } : {} }) : ok()),
      retries: 3,
      retryDelayMs: 100,
      maxRetryDelayMs: 30_000,
      sleep: async (ms) => void waits.push(ms),
    });
    expect((await fetchFn('http://x')).status).toBe(200);
    expect(waits).toEqual([2000, 200, 400]);
  });

  it('retries network errors and timeouts, but not a caller abort', async () => {
    let n = 0;
    const flaky = createRetryingFetch({
      fetch: async () => (n++ === 0 ? Promise.reject(new TypeError('fetch failed')) : ok()),
      retries: 1,
      retryDelayMs: 1,
      maxRetryDelayMs: 10,
    });
    expect((await flaky('http://x')).status).toBe(200);
    expect(n).toBe(2);

    let hung = 0;
    const hanging: FetchFunction = (_input, init) => {
      hung++;
      return new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    };
    const timed = createRetryingFetch({ fetch: hanging, retries: 1, timeoutMs: 20, retryDelayMs: 1, maxRetryDelayMs: 10 });
    await expect(timed('http://x')).rejects.toThrow('timed out after 20 ms');
    expect(hung).toBe(2);

    const controller = new AbortController();
    let aborted = 0;
    const cancelled = createRetryingFetch({ fetch: (i, init) => (aborted++, hanging(i, init)), retries: 3, timeoutMs: 1000, retryDelayMs: 1, maxRetryDelayMs: 10 });
    const pending = cancelled('http://x', { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
    expect(aborted).toBe(1);
  });

  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
  });
});
