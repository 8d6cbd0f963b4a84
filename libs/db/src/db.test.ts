import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countEntities,
  insertEvents,
  openTestDatabase,
  openTestPostgresDatabase,
  streamInteractions,
  upsertItems,
  upsertUsers,
  type CascadeDatabase,
} from './index.js';

// The same suite runs on the embedded PGlite and, when the test runner started one, on PostgreSQL.
const engines: [string, () => Promise<CascadeDatabase>][] = [['pglite', openTestDatabase]];
const pgUrl = process.env.CASCADE_TEST_DATABASE_URL;
if (pgUrl) engines.push(['postgres', () => openTestPostgresDatabase(pgUrl)]);

describe.each(engines)('data layer on %s', (_engine, open) => {
let db: CascadeDatabase;
beforeAll(async () => {
  db = await open();
});
afterAll(async () => {
  await db?.close();
});

describe('catalogue upserts', () => {
  it('inserts, updates only what changed, and keeps omitted fields', async () => {
    const first = await upsertItems(db.sql, [
      { externalId: 'i1', title: 'One', categories: ['a', 'b'], attributes: { price: 3 } },
      { externalId: 'i2', title: 'Two' },
    ]);
    expect(first).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    const again = await upsertItems(db.sql, [
      { externalId: 'i1', title: 'One', categories: ['a', 'b'], attributes: { price: 3 } },
      { externalId: 'i2', title: 'Two' },
    ]);
    expect(again).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    const changed = await upsertItems(db.sql, [{ externalId: 'i1', active: false }]);
    expect(changed.updated).toBe(1);
    const i1 = await db.prisma.item.findUniqueOrThrow({ where: { externalId: 'i1' } });
    expect(i1).toMatchObject({ title: 'One', categories: ['a', 'b'], active: false, attributes: { price: 3 } });
    expect(await upsertUsers(db.sql, [{ externalId: 'u1', attributes: { age: 30 } }])).toEqual({ inserted: 1, updated: 0, unchanged: 0 });
  });

  it('names the row and field of invalid input', async () => {
    await expect(upsertItems(db.sql, [{ externalId: 'ok' }, { externalId: '' }])).rejects.toThrow(/index 1: field "externalId"/);
  });
});

describe('events', () => {
  it('skips duplicates by idempotency key and streams interactions in chunks', async () => {
    const events = Array.from({ length: 25 }, (_, k) => ({
      type: k % 5 === 0 ? ('click' as const) : ('impression' as const),
      userId: `u${k % 3}`,
      itemId: k % 2 ? 'i1' : 'i2',
      occurredAt: Date.UTC(2024, 0, 1) + k * 1000,
      idempotencyKey: `k${k}`,
    }));
    expect(await insertEvents(db.sql, events)).toEqual({ inserted: 25, duplicates: 0 });
    expect(await insertEvents(db.sql, events.slice(0, 10))).toEqual({ inserted: 0, duplicates: 10 });
    const chunks = [];
    for await (const chunk of streamInteractions(db.sql, { chunkSize: 10 })) chunks.push(chunk);
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(chunks[0].occurredAt[0]).toBe(Date.UTC(2024, 0, 1));
    const clicks = [];
    for await (const chunk of streamInteractions(db.sql, { types: ['click'] })) clicks.push(chunk.length);
    expect(clicks).toEqual([5]);
    expect((await countEntities(db.sql)).events).toBe(25);
  });

  it('refuses events for unknown items and names the field', async () => {
    await expect(
      insertEvents(db.sql, [{ type: 'click', userId: 'u1', itemId: 'nope', occurredAt: 0 }]),
    ).rejects.toThrow(/index 0: field "itemId": unknown item "nope"/);
    await expect(
      insertEvents(db.sql, [{ type: 'click', userId: 'u1', itemId: 'i1', occurredAt: 'yesterday' }]),
    ).rejects.toThrow(/field "occurredAt"/);
  });
});
});
