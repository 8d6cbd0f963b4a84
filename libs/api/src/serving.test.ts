import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, seedDemoData, type CascadeDatabase } from '@cascade/db';
import { ensureStartupModels, Recommender } from '@cascade/pipeline';
import { createApiKey, revokeApiKey, startApiServer, type ApiServer } from './index.js';

// A small seeded world with startup models trained into a temporary folder.
const WORLD = { users: 100, items: 80, impressionsPerUser: 30, slateSize: 8, days: 10, seed: 5, keyPrefix: 'api-test' };

let db: CascadeDatabase;
let server: ApiServer;
let modelsDir: string;
let full: string;
let recommendOnly: string;
let knownUser: string;

interface TrpcReply {
  status: number;
  data?: Record<string, unknown>;
  error?: { message: string; data: { code: string; httpStatus: number } };
}

async function call(procedure: string, input: unknown, key?: string, target: ApiServer = server): Promise<TrpcReply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`${target.url}/trpc/${procedure}`, { method: 'POST', headers, body: JSON.stringify(input) });
  const body = (await response.json()) as { result?: { data: Record<string, unknown> }; error?: TrpcReply['error'] };
  return { status: response.status, data: body.result?.data, error: body.error };
}

beforeAll(async () => {
  db = await openTestDatabase();
  await seedDemoData(db, WORLD);
  modelsDir = mkdtempSync(path.join(os.tmpdir(), 'cascade-api-'));
  await ensureStartupModels(db, { modelsDir, recall: { als: { factors: 8, iterations: 3 }, evaluate: false }, ranker: { epochs: 1 } });
  const recommender = await Recommender.load(db, { modelsDir });
  server = await startApiServer({
    db,
    port: 0,
    recommender,
    reloadRecommender: (shared) => Recommender.load(db, { modelsDir, ...shared }),
    reloadDelayMs: 10,
    keyCacheMs: 50,
  });
  full = (await createApiKey(db.sql, { name: 'full', scopes: ['recommend', 'ingest', 'admin'] })).key;
  recommendOnly = (await createApiKey(db.sql, { name: 'reader', scopes: ['recommend'] })).key;
  knownUser = (await db.sql.query<{ external_id: string }>('SELECT u.external_id FROM users u JOIN events e ON e.user_id = u.id LIMIT 1'))[0].external_id;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await db?.close();
  if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
});

describe('recommend', () => {
  it('returns k distinct, active, non-excluded items for a known and an unknown user', async () => {
    const inactive = (await db.sql.query<{ external_id: string }>('SELECT external_id FROM items ORDER BY id LIMIT 1'))[0].external_id;
    expect((await call('items.delete', { itemIds: [inactive] }, full)).data).toEqual({ deactivated: 1, unknown: [] });
    const excluded = (await db.sql.query<{ external_id: string }>('SELECT external_id FROM items ORDER BY id OFFSET 1 LIMIT 1'))[0].external_id;
    for (const userId of [knownUser, 'somebody-new']) {
      const r = await call('recommend', { userId, placement: 'home', k: 10, exclude: [excluded] }, recommendOnly);
      expect(r.status).toBe(200);
      const items = r.data!.items as { itemId: string; score: number; propensity: number }[];
      expect(items).toHaveLength(10);
      const ids = items.map((i) => i.itemId);
      expect(new Set(ids).size).toBe(10);
      expect(ids).not.toContain(inactive);
      expect(ids).not.toContain(excluded);
      expect(typeof r.data!.requestId).toBe('string');
      expect(r.data!.modelVersions).toMatchObject({ recall: expect.any(String), ranker: expect.any(String) });
    }
  });

  it('attributes a logged click to the impression of its request', async () => {
    const r = await call('recommend', { userId: knownUser, placement: 'home', k: 5 }, full);
    const requestId = r.data!.requestId as string;
    const itemId = (r.data!.items as { itemId: string }[])[2].itemId;
    const click = { type: 'click', userId: knownUser, itemId, requestId, placement: 'home', occurredAt: Date.now(), idempotencyKey: `click-${requestId}` };
    const logged = await call('events.log', click, full);
    expect(logged.data).toEqual({ inserted: 1, duplicates: 0, attributedClicks: 1 });
    const rows = await db.sql.query<{ clicked: boolean }>(
      'SELECT ei.clicked FROM explore_impressions ei JOIN items i ON i.id = ei.item_id WHERE ei.request_id = $1 AND i.external_id = $2',
      [requestId, itemId],
    );
    expect(rows).toEqual([{ clicked: true }]);
    const stats = await db.sql.query<{ clicks: number }>(
      "SELECT s.clicks FROM explore_arm_stats s JOIN items i ON i.id = s.item_id WHERE s.placement = 'home' AND i.external_id = $1",
      [itemId],
    );
    expect(Number(stats[0].clicks)).toBeGreaterThanOrEqual(1);
    // replaying the same event inserts and attributes nothing
    expect((await call('events.logBatch', { events: [click] }, full)).data).toEqual({ inserted: 0, duplicates: 1, attributedClicks: 0 });
  });
});

describe('catalogue', () => {
  it('upserts users and items; a new item reaches serving after the reload', async () => {
    expect((await call('users.upsert', { users: [{ externalId: 'api-user-1', attributes: { country: 'FR' } }] }, full)).data).toMatchObject({ inserted: 1 });
    const upserted = await call('items.upsert', { items: [{ externalId: 'api-new-item', title: 'New', categories: ['c0'] }] }, full);
    expect(upserted.data).toMatchObject({ inserted: 1, reloadScheduled: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.services.close(); // waits for the reload
    await call('items.delete', { itemIds: ['api-new-item'] }, full);
    expect((await call('items.delete', { itemIds: ['no-such-item'] }, full)).data).toEqual({ deactivated: 0, unknown: ['no-such-item'] });
    const row = await db.sql.query<{ active: boolean }>("SELECT active FROM items WHERE external_id = 'api-new-item'");
    expect(row).toEqual([{ active: false }]);
  });
});

describe('validation and access control', () => {
  it('rejects malformed input of every procedure with a message naming the field', async () => {
    const cases: [string, unknown, string][] = [
      ['recommend', { userId: 'u', placement: 'home', k: 0 }, 'k'],
      ['recommend', { userId: '', placement: 'home', k: 3 }, 'userId'],
      ['events.log', { type: 'click', userId: 'u', itemId: 'x', occurredAt: 'not a date' }, 'occurredAt'],
      ['events.log', { type: 'nope', userId: 'u', itemId: 'x', occurredAt: 1 }, 'type'],
      ['events.logBatch', { events: [{ type: 'click', userId: 'u', occurredAt: 1 }] }, 'events.0.itemId'],
      ['events.logBatch', { events: [] }, 'events'],
      ['items.upsert', { items: [{ externalId: '' }] }, 'items.0.externalId'],
      ['items.delete', { itemIds: 'x' }, 'itemIds'],
      ['users.upsert', { users: [{ externalId: 'u', attributes: 3 }] }, 'users.0.attributes'],
    ];
    for (const [procedure, input, field] of cases) {
      const r = await call(procedure, input, full);
      expect(r.error?.data.code, procedure).toBe('BAD_REQUEST');
      expect(r.error?.message, procedure).toContain(`field "${field}"`);
    }
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ externalId: `bulk-${i}` }));
    expect((await call('users.upsert', { users: tooMany }, full)).error?.message).toContain('field "users"');
    const unknownItem = await call('events.log', { type: 'click', userId: 'u', itemId: 'no-such-item', occurredAt: 1 }, full);
    expect(unknownItem.error?.data.code).toBe('BAD_REQUEST');
    expect(unknownItem.error?.message).toContain('itemId');
  });

  it('refuses a missing, unknown or revoked key and a key without the needed scope', async () => {
    const event = { type: 'impression', userId: knownUser, itemId: 'x', occurredAt: 1 };
    expect((await call('events.log', event)).error?.data.code).toBe('UNAUTHORIZED');
    expect((await call('recommend', { userId: 'u', placement: 'p', k: 1 }, 'csk_wrong')).error?.data.code).toBe('UNAUTHORIZED');
    const forbidden = await call('events.log', event, recommendOnly);
    expect(forbidden.error?.data.code).toBe('FORBIDDEN');
    expect(forbidden.error?.message).toContain('"ingest"');
    expect((await call('items.upsert', { items: [{ externalId: 'x' }] }, recommendOnly)).error?.data.code).toBe('FORBIDDEN');
    const temporary = await createApiKey(db.sql, { name: 'temporary', scopes: ['recommend'] });
    expect((await call('recommend', { userId: 'u', placement: 'p', k: 1 }, temporary.key)).status).toBe(200);
    expect(await revokeApiKey(db.sql, temporary.prefix)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 80)); // past the key cache
    expect((await call('recommend', { userId: 'u', placement: 'p', k: 1 }, temporary.key)).error?.data.code).toBe('UNAUTHORIZED');
    const info = await fetch(`${server.url}/trpc/system.info`);
    expect(info.status).toBe(200);
  });

  it('rate-limits per key and refuses oversized bodies', async () => {
    const limited = await startApiServer({ db, port: 0, rateLimit: { ratePerSecond: 0.01, burst: 2 } });
    try {
      const codes: (string | undefined)[] = [];
      for (let i = 0; i < 3; i++) codes.push((await call('users.upsert', { users: [{ externalId: 'rl-user' }] }, full, limited)).error?.data.code);
      expect(codes).toEqual([undefined, undefined, 'TOO_MANY_REQUESTS']);
      const big = JSON.stringify({ users: [{ externalId: 'big', attributes: { blob: 'x'.repeat(1024 * 1024) } }] });
      const response = await fetch(`${limited.url}/trpc/users.upsert`, { method: 'POST', headers: { authorization: `Bearer ${full}`, 'content-type': 'application/json' }, body: big });
      expect(response.status).toBe(413);
      // a chunked body declares no length: tRPC stops reading it at the limit (the rate-limited server would answer 429 first)
      const chunked = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big));
          controller.close();
        },
      });
      const streamed = await fetch(`${server.url}/trpc/users.upsert`, {
        method: 'POST',
        headers: { authorization: `Bearer ${full}`, 'content-type': 'application/json' },
        body: chunked,
        duplex: 'half',
      } as RequestInit);
      expect(streamed.status).toBe(413);
      expect((await db.sql.query("SELECT 1 FROM users WHERE external_id = 'big'")).length).toBe(0);
    } finally {
      await limited.close();
    }
  });

  it('answers PRECONDITION_FAILED for recommend when no recommender is loaded', async () => {
    const bare = await startApiServer({ db, port: 0 });
    try {
      const r = await call('recommend', { userId: 'u', placement: 'p', k: 1 }, full, bare);
      expect(r.error?.data.code).toBe('PRECONDITION_FAILED');
    } finally {
      await bare.close();
    }
  });
});

describe('operations', () => {
  it('serves Prometheus metrics: request counts by code, recommend stage timings, model versions, ingested events', async () => {
    const r = await call('recommend', { userId: knownUser, placement: 'home', k: 5, log: false }, full);
    expect(r.status).toBe(200);
    const itemId = (r.data!.items as { itemId: string }[])[0].itemId;
    const batch = await call('events.logBatch', { events: [{ type: 'impression', userId: knownUser, itemId, occurredAt: Date.now(), idempotencyKey: 'metrics-imp-1' }] }, full);
    expect(batch.data).toMatchObject({ inserted: 1 });
    expect((await call('recommend', { userId: 'u', placement: 'p', k: 1 })).error?.data.code).toBe('UNAUTHORIZED');

    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^cascade_requests_total\{procedure="recommend",code="OK"\} [1-9]\d*$/m);
    expect(text).toMatch(/^cascade_requests_total\{procedure="recommend",code="UNAUTHORIZED"\} [1-9]\d*$/m);
    expect(text).toMatch(/^cascade_requests_total\{procedure="events\.logBatch",code="OK"\} [1-9]\d*$/m);
    expect(text).toMatch(/^cascade_request_duration_seconds_count\{procedure="recommend"\} [1-9]\d*$/m);
    for (const stage of ['recall', 'rank', 'explore', 'total']) {
      expect(text).toMatch(new RegExp(`^cascade_recommend_stage_duration_seconds_bucket\\{le="0\\.0005",stage="${stage}"\\} \\d+$`, 'm'));
      expect(text).toMatch(new RegExp(`^cascade_recommend_stage_duration_seconds_count\\{stage="${stage}"\\} [1-9]\\d*$`, 'm'));
    }
    const versions = server.services.modelVersions!;
    expect(text).toContain(`cascade_model_info{kind="recall",version="${versions.recall}"} 1`);
    expect(text).toContain(`cascade_model_info{kind="ranker",version="${versions.ranker}"} 1`);
    expect(text).toMatch(/^cascade_events_ingested_total\{type="impression"\} [1-9]\d*$/m);
    // the background work: the write-behind impression log and the event follower
    expect(text).toMatch(/^cascade_impression_log_queued_slots \d+$/m);
    expect(text).toMatch(/^cascade_impression_log_dropped_slots 0$/m);
    expect(text).toMatch(/^cascade_event_follower_failing 0$/m);
    await server.services.servedRecommender!.syncEvents();
    const followed = /^cascade_event_follower_position (\d+)$/m.exec(await (await fetch(`${server.url}/metrics`)).text());
    const newest = Number((await db.sql.query<{ id: number }>('SELECT max(id) AS id FROM events'))[0].id);
    expect(Number(followed?.[1])).toBe(newest);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('logs one structured line per failed request', async () => {
    const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const logger = {
      info: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'info', fields, message }),
      warn: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'warn', fields, message }),
      error: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'error', fields, message }),
    };
    const logged = await startApiServer({ db, port: 0, logger });
    try {
      expect(lines.map((l) => l.message)).toEqual(['api listening']);
      await call('users.upsert', { users: [{ externalId: 'log-user' }] }, undefined, logged);
      const failures = lines.filter((l) => l.message === 'request refused');
      expect(failures).toHaveLength(1);
      expect(failures[0].fields).toMatchObject({ procedure: 'users.upsert', code: 'UNAUTHORIZED', message: expect.stringContaining('missing API key') });
      if (!process.env.CASCADE_DEBUG) expect(failures[0].fields.stack).toBeUndefined();
    } finally {
      await logged.close();
    }
  });
});
