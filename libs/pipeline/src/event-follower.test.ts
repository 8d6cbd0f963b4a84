import { describe, expect, it } from 'vitest';
import type { CascadeDatabase } from '@cascade/db';
import { EventFollower, type FollowedEvent } from './event-follower.js';
import { UserActivityCounts } from './user-activity.js';

/** A fake events table: `visible` ids are committed; the query is the follower's range read. */
function fakeDb(kind: 'pglite' | 'postgres', visible: number[]): CascadeDatabase {
  const sql = {
    query: async (text: string, params: unknown[]) => {
      if (text.includes('max(id)')) return [{ id: visible.length ? Math.max(...visible) : null }];
      const [after, upTo, types] = params as [number, number, string[] | undefined];
      return [...visible]
        .sort((a, b) => a - b)
        .filter((id) => id > after && id <= upTo)
        .map((id) => ({ id, user_id: id % 3, item_id: id, type: id % 2 ? 'click' : 'impression', value: 1, ms: id * 1000 }))
        .filter((r) => !types || types.includes(r.type));
    },
  };
  return { kind, sql } as unknown as CascadeDatabase;
}

describe('EventFollower', () => {
  it('delivers every new event once, in pages, from where the state was loaded', async () => {
    const visible = Array.from({ length: 25 }, (_, i) => i + 1);
    const got: number[] = [];
    const follower = new EventFollower(fakeDb('pglite', visible), { afterId: 5, pageSize: 7, onEvents: (e) => got.push(...e.map((x) => x.id)) });
    expect(await follower.syncNow()).toBe(20);
    expect(got).toEqual(visible.slice(5));
    visible.push(26, 27);
    expect(await follower.syncNow()).toBe(2);
    expect(await follower.syncNow()).toBe(0);
    expect(got).toHaveLength(22);
    expect(follower.position).toBe(27);
  });

  it('delivers only the event types asked for, and still moves past the others', async () => {
    const visible = Array.from({ length: 10 }, (_, i) => i + 1);
    const got: FollowedEvent[] = [];
    const follower = new EventFollower(fakeDb('pglite', visible), { afterId: 0, pageSize: 4, types: ['click'], onEvents: (e) => got.push(...e) });
    expect(await follower.syncNow()).toBe(5);
    expect(got.every((e) => e.type === 'click')).toBe(true);
    expect(follower.position).toBe(10);
  });

  it('on PostgreSQL picks up a transaction that committed after a higher id', async () => {
    const visible = [1, 2, 4, 5];
    const got: FollowedEvent[] = [];
    const follower = new EventFollower(fakeDb('postgres', visible), { afterId: 0, overlapIds: 10, pageSize: 50, onEvents: (e) => got.push(...e) });
    await follower.syncNow();
    visible.push(3, 6); // 3 commits late
    await follower.syncNow();
    await follower.syncNow();
    expect(got.map((e) => e.id)).toEqual([1, 2, 4, 5, 3, 6]);
  });

  it('validates its options, naming them', () => {
    const db = fakeDb('pglite', []);
    expect(() => new EventFollower(db, { afterId: -1, onEvents: () => undefined })).toThrow(/afterId/);
    expect(() => new EventFollower(db, { afterId: 0, intervalMs: 0, onEvents: () => undefined })).toThrow(/intervalMs/);
    expect(() => new EventFollower(db, { afterId: 0, pageSize: 0, onEvents: () => undefined })).toThrow(/pageSize/);
    expect(() => new EventFollower(db, { afterId: 0, types: 'click' as never, onEvents: () => undefined })).toThrow(/types/);
  });
});

describe('UserActivityCounts', () => {
  it('counts each window over [now − days, now), only its types', () => {
    const day = 86_400_000;
    const now = 100 * day;
    const counts = new UserActivityCounts([
      { name: 'clicks7d', types: ['click'], days: 7 },
      { name: 'engaged1d', types: ['click', 'purchase'], days: 1 },
    ]);
    expect(counts.countedTypes).toEqual(['click', 'purchase']);
    counts.add(1, 'click', now - 7 * day, now); // on the boundary: in
    counts.add(1, 'click', now - 7 * day - 1, now); // just out
    counts.add(1, 'purchase', now - 1000, now);
    counts.add(1, 'click', now - 2000, now);
    counts.add(1, 'impression', now - 10, now); // not counted by any window
    counts.add(1, 'click', now, now); // at now: out (strictly before the request)
    expect(counts.counts(1, now)).toEqual({ clicks7d: 2, engaged1d: 2 });
    expect(counts.counts(2, now)).toEqual({ clicks7d: 0, engaged1d: 0 });
    for (let i = 0; i < 200; i++) counts.add(3, 'click', now - 30 * day, now); // pruned past the horizon
    expect(counts.counts(3, now)).toEqual({ clicks7d: 0, engaged1d: 0 });
    expect(() => new UserActivityCounts([{ name: 'x', types: ['click'], days: 0 }])).toThrow(/activity\[0\]\.days/);
  });
});
