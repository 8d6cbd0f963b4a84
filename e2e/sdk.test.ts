// The client SDK against a real server process: seeded data, trained models and an API key prepared with the
// CLI, then apps/server started on a free port and driven only through @cascade/sdk.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeArgs, repoRoot as root, startServerProcess, type ServerProcess } from './server-process.js';
import { createCascadeClient } from '@cascade/sdk';

const work = mkdtempSync(path.join(os.tmpdir(), 'cascade-sdk-e2e-'));
const dataDir = path.join(work, 'data');
const modelsDir = path.join(work, 'models');
const env = { ...process.env, CASCADE_DATA_DIR: dataDir, CASCADE_MODELS_DIR: modelsDir, DATABASE_URL: '' };

/** Runs a `cascade` CLI command and returns its last stdout line parsed as JSON. */
async function cascade(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)('node', [...nodeArgs, 'apps/jobs/src/main.ts', ...args], { cwd: root, env, maxBuffer: 16 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

/** Trains the recall model, its HNSW index and the ranker into `modelsDir`, as `npm start` does. */
async function trainModels(): Promise<string> {
  const script = [
    "import { openDatabase } from '@cascade/db';",
    "import { ensureStartupModels } from '@cascade/pipeline';",
    'const db = await openDatabase({ dataDir: process.env.CASCADE_DATA_DIR });',
    'const models = await ensureStartupModels(db, { modelsDir: process.env.CASCADE_MODELS_DIR });',
    'await db.close();',
    'console.log(JSON.stringify(models.stages.map((s) => s.stage + ":" + s.status)));',
  ].join('\n');
  const { stdout } = await promisify(execFile)('node', [...nodeArgs, '--input-type=module', '-e', script], { cwd: root, env, maxBuffer: 16 << 20 });
  return stdout.trim().split('\n').at(-1)!;
}

let server: ServerProcess | undefined;

/** Starts apps/server and resolves with its URL once it logs that it is ready. */
async function startServer(): Promise<string> {
  server = await startServerProcess(env, 60_000);
  return server.url;
}

/** SIGTERM to the server's process group; resolves with its exit code. */
async function stopServer(): Promise<number | null> {
  const proc = server;
  server = undefined;
  return proc ? proc.stop('SIGTERM') : null;
}

afterAll(async () => {
  await stopServer();
  rmSync(work, { recursive: true, force: true });
});

describe('@cascade/sdk against a real server', () => {
  it('recommends, logs impressions and a click, manages items, and rejects bad input naming the field', async () => {
    // The embedded database is single-process: every CLI step runs before the server opens it.
    expect(await cascade('seed', '--users', '200', '--items', '150', '--json', '--data-dir', dataDir)).toMatchObject({ users_inserted: 200, items_inserted: 150 });
    const created = await cascade('api-keys', 'create', '--name', 'sdk e2e', '--scopes', 'recommend,ingest', '--json', '--data-dir', dataDir);
    expect(created.key).toMatch(/^csk_/);
    expect(await trainModels()).toBe('["recall:trained","index:trained","ranker:trained"]');
    const url = await startServer();

    const client = createCascadeClient({ url: `${url}/trpc`, apiKey: String(created.key), timeoutMs: 30_000 });
    const k = 10;
    // Issued together: one batched HTTP request.
    const [known, unknown] = await Promise.all([
      client.recommend({ userId: 'user-1', placement: 'home', k }),
      client.recommend({ userId: 'sdk-e2e-unknown-user', placement: 'home', k }),
    ]);
    for (const response of [known, unknown]) {
      expect(response.requestId).toBeTruthy();
      expect(new Set(response.items.map((i) => i.itemId)).size).toBe(k);
    }
    expect(known.requestId).not.toBe(unknown.requestId);

    const now = new Date();
    const impressions = known.items.map((item) => ({ type: 'impression' as const, userId: 'user-1', itemId: item.itemId, requestId: known.requestId, placement: 'home', occurredAt: now }));
    const click = { type: 'click' as const, userId: 'user-1', itemId: known.items[2].itemId, requestId: known.requestId, placement: 'home', occurredAt: now };
    const logged = await client.events.logBatch({ events: [...impressions, click] });
    expect(logged).toMatchObject({ inserted: k + 1, duplicates: 0, attributedClicks: 1 });
    // The same event under an explicit idempotency key twice: stored once.
    const keyed = { ...click, idempotencyKey: `sdk-e2e-${known.requestId}` };
    expect(await client.events.log(keyed)).toMatchObject({ inserted: 1 });
    expect(await client.events.log(keyed)).toMatchObject({ inserted: 0, duplicates: 1 });

    expect(await client.items.upsert({ items: [{ externalId: 'sdk-e2e-item', title: 'SDK e2e item', categories: ['e2e'] }] })).toMatchObject({ inserted: 1 });
    expect(await client.items.delete({ itemIds: ['sdk-e2e-item', 'sdk-e2e-missing'] })).toEqual({ deactivated: 1, unknown: ['sdk-e2e-missing'] });
    expect(await client.users.upsert({ users: [{ externalId: 'sdk-e2e-user' }] })).toMatchObject({ inserted: 1 });
    expect((await client.system.counts()).items).toBe(151);

    await expect(client.recommend({ userId: 'user-1', placement: 'home', k: 0 })).rejects.toThrow(/field "k"/);
    await expect(client.events.log({ ...click, userId: ' ' })).rejects.toThrow(/field "userId"/);
    const wrongKey = createCascadeClient({ url: `${url}/trpc`, apiKey: 'csk_not-a-key', retries: 0 });
    await expect(wrongKey.items.delete({ itemIds: ['x'] })).rejects.toThrow(/invalid or revoked API key/);

    expect(await stopServer()).toBe(0);
  });
});
