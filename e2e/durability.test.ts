// A killed server loses no acknowledged event: writers send events concurrently (logBatch and single log
// calls) to a real apps/server process on an embedded PGlite folder and remember every call answered with
// success; the server is SIGKILLed mid-stream and restarted on the same folder, three times; afterwards every
// acknowledged event must be in the database, found by its idempotency key.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { createApiKey } from '@cascade/api';
import { openDatabase, seedDemoData } from '@cascade/db';
import { createCascadeClient, type CascadeClient, type EventInput } from '@cascade/sdk';

const work = mkdtempSync(path.join(os.tmpdir(), 'cascade-durability-e2e-'));
const dataDir = path.join(work, 'data');
const env = { ...process.env, CASCADE_DATA_DIR: dataDir, CASCADE_MODELS_DIR: path.join(work, 'models'), DATABASE_URL: '' };
const ROUNDS = 3;
const BATCH_WRITERS = 4;
const SINGLE_WRITERS = 2;
const BATCH_SIZE = 25;
let server: ServerProcess | undefined;

/** Starts apps/server on the data folder and resolves with its URL once it logs that it is ready. */
async function startServer(): Promise<string> {
  server = await startServerProcess(env);
  return server.url;
}

/** Sends `signal` to the server's process group and resolves once the process is gone. */
async function stopServer(signal: NodeJS.Signals): Promise<void> {
  const proc = server;
  server = undefined;
  await proc?.stop(signal);
}

afterAll(async () => {
  await stopServer('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** Where the writers of one round stand: what the server acknowledged, and how many calls it answered. */
interface RoundLog {
  acknowledged: string[];
  acknowledgedCalls: number;
  failedCalls: number;
}

/**
 * Sends events until the first failed call (the server is gone): batches of BATCH_SIZE or single events, each
 * under its own idempotency key. Only keys of calls answered with success are recorded.
 */
async function writeUntilFailure(client: CascadeClient, writer: string, batch: boolean, users: string[], items: string[], log: RoundLog): Promise<void> {
  for (let call = 0; ; call++) {
    const events: EventInput[] = [];
    for (let i = 0; i < (batch ? BATCH_SIZE : 1); i++) {
      const n = call * BATCH_SIZE + i;
      events.push({
        type: n % 7 === 0 ? 'click' : 'impression',
        userId: users[n % users.length],
        itemId: items[(n * 31) % items.length],
        placement: 'home',
        occurredAt: new Date(),
        idempotencyKey: `${writer}-c${call}-e${i}`,
      });
    }
    try {
      const result = batch ? await client.events.logBatch({ events }) : await client.events.log(events[0]);
      // a fresh key each call: anything but "all inserted" would mean the test's keys collide
      if (result.inserted !== events.length) throw new Error(`${writer}: ${result.inserted} of ${events.length} inserted`);
      for (const e of events) log.acknowledged.push(e.idempotencyKey!);
      log.acknowledgedCalls++;
    } catch (error) {
      if (error instanceof Error && / of \d+ inserted$/.test(error.message)) throw error;
      log.failedCalls++;
      return;
    }
  }
}

describe('a killed server', () => {
  it('loses no acknowledged event over three SIGKILL / restart cycles', async () => {
    const seedDb = await openDatabase({ dataDir });
    let apiKey: string;
    let users: string[];
    let items: string[];
    try {
      await seedDemoData(seedDb, { users: 40, items: 60, impressionsPerUser: 2, slateSize: 5, days: 3, seed: 5, keyPrefix: 'durability-seed' });
      apiKey = (await createApiKey(seedDb.sql, { name: 'durability e2e', scopes: ['ingest'] })).key;
      users = (await seedDb.sql.query<{ external_id: string }>('SELECT external_id FROM users ORDER BY id')).map((r) => r.external_id);
      items = (await seedDb.sql.query<{ external_id: string }>('SELECT external_id FROM items WHERE active ORDER BY id')).map((r) => r.external_id);
    } finally {
      await seedDb.close();
    }

    const acknowledged: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const url = await startServer();
      const log: RoundLog = { acknowledged: [], acknowledgedCalls: 0, failedCalls: 0 };
      const writers: Promise<void>[] = [];
      for (let w = 0; w < BATCH_WRITERS + SINGLE_WRITERS; w++) {
        // one client (and so one connection) per writer, no batching, no retries: one call, one answer
        const client = createCascadeClient({ url: `${url}/trpc`, apiKey, batch: false, retries: 0, timeoutMs: 30_000 });
        writers.push(writeUntilFailure(client, `r${round}-w${w}`, w < BATCH_WRITERS, users, items, log));
      }
      // kill once the writers are well under way, at a different point each round, with calls in flight
      const threshold = 40 + round * 25;
      while (log.acknowledgedCalls < threshold && log.failedCalls === 0) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 37 * round));
      expect(log.failedCalls).toBe(0);
      await stopServer('SIGKILL');
      await Promise.all(writers);
      expect(log.failedCalls).toBe(BATCH_WRITERS + SINGLE_WRITERS);
      acknowledged.push(...log.acknowledged);
    }

    // the folder opens again after the last kill (crash recovery) and holds every acknowledged event
    const db = await openDatabase({ dataDir });
    try {
      const rows = await db.sql.query<{ idempotency_key: string }>('SELECT idempotency_key FROM events WHERE idempotency_key = ANY($1::text[])', [acknowledged]);
      const stored = new Set(rows.map((r) => r.idempotency_key));
      const lost = acknowledged.filter((k) => !stored.has(k));
      expect(acknowledged.length).toBeGreaterThan(ROUNDS * 40);
      expect(lost).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
