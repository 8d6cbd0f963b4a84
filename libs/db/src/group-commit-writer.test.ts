import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupCommitEventWriter, openTestDatabase, parseEvents, upsertItems, type CascadeDatabase } from './index.js';

let db: CascadeDatabase;

beforeAll(async () => {
  db = await openTestDatabase();
  await upsertItems(db.sql, [{ externalId: 'gc-a' }, { externalId: 'gc-b' }]);
});

afterAll(async () => {
  await db?.close();
});

const event = (user: string, item: string, t: number, key?: string) => ({ type: 'click' as const, userId: user, itemId: item, occurredAt: t, ...(key ? { idempotencyKey: key } : {}) });

describe('GroupCommitEventWriter', () => {
  it('commits concurrent batches together, with each caller its own counts, duplicates counted once', async () => {
    const writer = new GroupCommitEventWriter(db.sql);
    const batches = Array.from({ length: 6 }, (_, b) => parseEvents(Array.from({ length: 50 }, (_, i) => event(`gc-u${b}`, i % 2 ? 'gc-a' : 'gc-b', 1_000_000 + i))));
    // the same key from two callers in one group: stored once
    const shared = parseEvents([event('gc-x', 'gc-a', 5, 'gc-shared')]);
    const results = await Promise.all([...batches.map((rows) => writer.write(rows)), writer.write(shared), writer.write([...shared])]);
    for (const r of results.slice(0, 6)) expect(r).toEqual({ inserted: 50, duplicates: 0 });
    expect(results[6].inserted + results[7].inserted).toBe(1);
    const again = await Promise.all(batches.map((rows) => writer.write(rows)));
    for (const r of again) expect(r).toEqual({ inserted: 0, duplicates: 50 });
    expect((await db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE idempotency_key LIKE 'auto:click:%' OR idempotency_key = 'gc-shared'"))[0].n).toBe(301);
  });

  it('fails only the caller whose batch is refused', async () => {
    const writer = new GroupCommitEventWriter(db.sql);
    const good = parseEvents([event('gc-y', 'gc-a', 7)]);
    const bad = parseEvents([event('gc-y', 'gc-unknown-item', 8)]);
    const [ok, refused] = await Promise.allSettled([writer.write(good), writer.write(bad), writer.write(parseEvents([event('gc-z', 'gc-b', 9)]))]);
    expect(ok).toMatchObject({ status: 'fulfilled', value: { inserted: 1 } });
    expect(refused.status).toBe('rejected');
    expect(String((refused as PromiseRejectedResult).reason)).toMatch(/unknown item "gc-unknown-item"/);
  });
});
