import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, upsertItems, type CascadeDatabase } from '@cascade/db';
import { startApiServer, type ApiServer } from './index.js';

let db: CascadeDatabase;
let server: ApiServer;
beforeAll(async () => {
  db = await openTestDatabase();
  await upsertItems(db.sql, [{ externalId: 'a' }, { externalId: 'b' }]);
  server = await startApiServer({ db, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await db?.close();
});

describe('API server', () => {
  it('answers health, readiness and tRPC queries', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({ status: 'ready', database: 'pglite' });
    const counts = (await (await fetch(`${server.url}/trpc/system.counts`)).json()) as { result: { data: unknown } };
    expect(counts.result.data).toMatchObject({ items: 2, users: 0, events: 0 });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });
});
