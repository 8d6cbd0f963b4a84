import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countEntities, importDataset, openTestDatabase, type CascadeDatabase } from '../index.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
let db: CascadeDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

describe('importers', () => {
  it('imports MovieLens 100K with attributes, genres and ISO-8859-1 titles; a re-import changes nothing', async () => {
    const first = await importDataset(db, 'movielens-100k', path.join(fixtures, 'ml-100k'), { idPrefix: '100k:' });
    expect(first.users.inserted).toBe(3);
    expect(first.items.inserted).toBe(3);
    expect(first.events).toEqual({ inserted: 6, duplicates: 0 });
    const cafe = await db.prisma.item.findUniqueOrThrow({ where: { externalId: '100k:3' } });
    expect(cafe.title).toBe('Café Society (1995)');
    expect(cafe.categories).toEqual(['unknown', 'Drama']);
    const toy = await db.prisma.item.findUniqueOrThrow({ where: { externalId: '100k:1' } });
    expect(toy.createdAt.toISOString()).toBe('1995-01-01T00:00:00.000Z');
    const user = await db.prisma.user.findUniqueOrThrow({ where: { externalId: '100k:2' } });
    expect(user.attributes).toEqual({ age: 53, gender: 'F', occupation: 'other', zip: '94043' });
    const [u1, m1] = await Promise.all([db.prisma.user.findUniqueOrThrow({ where: { externalId: '100k:1' } }), db.prisma.item.findUniqueOrThrow({ where: { externalId: '100k:1' } })]);
    const rating = await db.prisma.event.findFirstOrThrow({ where: { userId: u1.id, itemId: m1.id } });
    expect(rating).toMatchObject({ type: 'rating', value: 5 });
    expect(rating.occurredAt.getTime()).toBe(874965758000);

    const before = await countEntities(db.sql);
    const again = await importDataset(db, 'movielens-100k', path.join(fixtures, 'ml-100k'), { idPrefix: '100k:' });
    expect(again.users).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
    expect(again.items).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
    expect(again.events).toEqual({ inserted: 0, duplicates: 6 });
    expect(await countEntities(db.sql)).toEqual(before);
  });

  it('stops at a malformed row naming file, line and field, and leaves the database as it was', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cascade-broken-'));
    for (const f of ['u.user', 'u.item', 'u.genre']) copyFileSync(path.join(fixtures, 'ml-100k', f), path.join(dir, f));
    const lines = readFileSync(path.join(fixtures, 'ml-100k', 'u.data'), 'utf8').trim().split('\n');
    lines[4] = '3\t2\tfive\t889751712';
    writeFileSync(path.join(dir, 'u.data'), `${lines.join('\n')}\n`);
    const before = await countEntities(db.sql);
    await expect(importDataset(db, 'movielens-100k', dir, { idPrefix: 'broken:', batchSize: 2 })).rejects.toThrow(
      'u.data, line 5, field "rating": expected a number in 0.5..5, got "five"',
    );
    expect(await countEntities(db.sql)).toEqual(before);
  });

  it('imports MovieLens 1M (:: separated, ISO-8859-1) and MovieLens latest (quoted CSV)', async () => {
    const ml1m = await importDataset(db, 'movielens-1m', path.join(fixtures, 'ml-1m'), { idPrefix: '1m:' });
    expect([ml1m.users.inserted, ml1m.items.inserted, ml1m.events.inserted]).toEqual([2, 3, 3]);
    const cafe = await db.prisma.item.findUniqueOrThrow({ where: { externalId: '1m:3' } });
    expect(cafe.title).toBe('Café au lait (1994)');
    expect(cafe.attributes).toEqual({ year: 1994 });
    const latest = await importDataset(db, 'movielens-latest', path.join(fixtures, 'ml-latest'), { idPrefix: 'latest:' });
    expect([latest.items.inserted, latest.events.inserted]).toEqual([3, 3]);
    const president = await db.prisma.item.findUniqueOrThrow({ where: { externalId: 'latest:2' } });
    expect(president).toMatchObject({ title: 'American President, The (1995)', categories: ['Comedy', 'Drama', 'Romance'] });
    expect((await db.prisma.item.findUniqueOrThrow({ where: { externalId: 'latest:3' } })).categories).toEqual([]);
  });

  it('imports Criteo rows as labelled CTR examples, idempotently', async () => {
    const first = await importDataset(db, 'criteo', path.join(fixtures, 'criteo.tsv'), { dataset: 'criteo-test' });
    expect(first.ctrExamples).toMatchObject({ inserted: 2, duplicates: 0, dataset: 'criteo-test' });
    const again = await importDataset(db, 'criteo', path.join(fixtures, 'criteo.tsv'), { dataset: 'criteo-test' });
    expect(again.ctrExamples.inserted).toBe(0);
    const row = await db.prisma.ctrExample.findFirstOrThrow({ where: { dataset: 'criteo-test', line: 1 } });
    expect(row.label).toBe(1);
    expect(row.features).toMatchObject({ I1: 3, I2: 1, I12: null, I13: 2, C1: '68fd1e64', C22: null });
  });

  it('imports the generic items, users and events formats', async () => {
    const items = await importDataset(db, 'items', path.join(fixtures, 'items.tsv'));
    expect(items.items.inserted).toBe(2);
    const hat = await db.prisma.item.findUniqueOrThrow({ where: { externalId: 'i2' } });
    expect(hat).toMatchObject({ title: 'Blue hat', categories: ['fashion'], active: false, attributes: { brand: 'globex', price: 19 } });
    const users = await importDataset(db, 'users', path.join(fixtures, 'users.csv'));
    expect(users.users.inserted).toBe(2);
    const events = await importDataset(db, 'events', path.join(fixtures, 'events.csv'));
    expect(events.events).toEqual({ inserted: 3, duplicates: 0 });
    const click = await db.prisma.event.findFirstOrThrow({ where: { type: 'click', requestId: 'r1' } });
    expect(click.occurredAt.toISOString()).toBe('2026-01-01T10:00:05.000Z');
    expect((await importDataset(db, 'events', path.join(fixtures, 'events.csv'))).events.inserted).toBe(0);
  });

  it('rejects unknown formats, unknown columns and bad event types with clear messages', async () => {
    await expect(importDataset(db, 'parquet', fixtures)).rejects.toThrow(/unknown import format "parquet"/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cascade-generic-'));
    writeFileSync(path.join(dir, 'a.csv'), 'user_id,item_id,type,timestamp,colour\nu,i,click,0,red\n');
    await expect(importDataset(db, 'events', path.join(dir, 'a.csv'))).rejects.toThrow(/a.csv, line 1, field "colour": unknown column/);
    writeFileSync(path.join(dir, 'b.csv'), 'user_id,item_id,type,timestamp\nu,i,click,0\nu,i,view,0\n');
    await expect(importDataset(db, 'events', path.join(dir, 'b.csv'))).rejects.toThrow(/b.csv, line 3, field "type": expected one of/);
  });
});
