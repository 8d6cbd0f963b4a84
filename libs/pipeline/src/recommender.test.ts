import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEvents, openTestDatabase, seedDemoData, type CascadeDatabase } from '@cascade/db';
import type { ArmStatsStore } from '@cascade/explore';
import { ensureStartupModels, Recommender } from './index.js';

// A small seeded world: 150 users, 120 items.
const WORLD = { users: 150, items: 120, impressionsPerUser: 40, slateSize: 8, days: 10, seed: 11, keyPrefix: 'recommender-test' };
const END_TIME = Date.UTC(2026, 0, 1);

let db: CascadeDatabase;
let root: string;
let modelsDir: string;
let recommender: Recommender;
let users: { id: number; external_id: string }[];

async function interactedItems(userId: number): Promise<Set<string>> {
  const rows = await db.sql.query<{ external_id: string }>(
    `SELECT DISTINCT i.external_id FROM events e JOIN items i ON i.id = e.item_id
      WHERE e.user_id = $1 AND e.type::text IN ('click', 'like', 'rating', 'purchase', 'custom')`,
    [userId],
  );
  return new Set(rows.map((r) => r.external_id));
}

async function inactiveItems(): Promise<Set<string>> {
  const rows = await db.sql.query<{ external_id: string }>('SELECT external_id FROM items WHERE active = false');
  return new Set(rows.map((r) => r.external_id));
}

beforeAll(async () => {
  db = await openTestDatabase();
  await seedDemoData(db, { ...WORLD, endTime: END_TIME });
  // two items taken out of the catalogue after training
  await db.sql.execute(`UPDATE items SET active = false WHERE id IN (SELECT id FROM items WHERE active ORDER BY id LIMIT 2)`);
  root = mkdtempSync(path.join(os.tmpdir(), 'cascade-recommender-'));
  modelsDir = path.join(root, 'models');
  const models = await ensureStartupModels(db, { modelsDir, recall: { als: { factors: 8, iterations: 4 }, evaluate: false }, ranker: { epochs: 1 } });
  expect(models.rankerDir).not.toBeNull();
  recommender = await Recommender.load(db, { modelsDir, now: () => END_TIME });
  users = await db.sql.query<{ id: number; external_id: string }>(
    `SELECT u.id, u.external_id FROM users u WHERE EXISTS (SELECT 1 FROM events e WHERE e.user_id = u.id AND e.type = 'click') ORDER BY u.id LIMIT 5`,
  );
}, 120_000);

afterAll(async () => {
  recommender?.dispose();
  await db?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('Recommender', () => {
  it('serves k distinct, active, unseen items to known users with pCTR, propensities and timings', async () => {
    const inactive = await inactiveItems();
    expect(inactive.size).toBeGreaterThanOrEqual(2);
    for (const u of users) {
      const seen = await interactedItems(u.id);
      expect(seen.size).toBeGreaterThan(0);
      const r = await recommender.recommend({ userId: u.external_id, placement: 'home', k: 10 });
      expect(r.items).toHaveLength(10);
      expect(new Set(r.items.map((i) => i.itemId)).size).toBe(10);
      for (const item of r.items) {
        expect(inactive.has(item.itemId)).toBe(false);
        expect(seen.has(item.itemId)).toBe(false);
        expect(item.pctr).not.toBeNull();
        expect(item.pctr!).toBeGreaterThan(0);
        expect(item.pctr!).toBeLessThan(1);
        expect(item.propensity).toBeGreaterThan(0);
        expect(item.propensity).toBeLessThanOrEqual(1);
        expect(item.channels.length).toBeGreaterThan(0);
      }
      expect(r.fallbacks.filter((f) => f.startsWith('ranker:') || f.startsWith('explore:'))).toEqual([]);
      expect(r.modelVersions.recall).not.toBeNull();
      expect(r.modelVersions.ranker).not.toBeNull();
      expect(r.timings.totalMs).toBeGreaterThanOrEqual(r.timings.recallMs);
      expect(r.requestId.length).toBeGreaterThan(0);
      expect(r.candidates).toBeGreaterThanOrEqual(10);
    }
  });

  it('takes the cold-start path for an unknown user', async () => {
    const inactive = await inactiveItems();
    const r = await recommender.recommend({ userId: 'never-seen-user', placement: 'home', k: 12 });
    expect(r.items).toHaveLength(12);
    expect(new Set(r.items.map((i) => i.itemId)).size).toBe(12);
    expect(r.fallbacks).toContain('user:unknown-cold-start');
    for (const item of r.items) {
      expect(inactive.has(item.itemId)).toBe(false);
      expect(item.channels.every((c) => c === 'popular' || c === 'new' || c === 'itemToItem' || c === 'catalogue')).toBe(true);
      expect(item.propensity).toBeGreaterThan(0);
      expect(item.propensity).toBeLessThanOrEqual(1);
    }
  });

  it('never returns excluded or deactivated items', async () => {
    const userId = users[0].external_id;
    const first = await recommender.recommend({ userId, placement: 'home', k: 10, requestId: 'r-first' });
    const exclude = first.items.slice(0, 5).map((i) => i.itemId);
    const deactivated = first.items.slice(5, 7).map((i) => i.itemId);
    for (const id of deactivated) recommender.setItemActive(id, false);
    try {
      for (let rep = 0; rep < 5; rep++) {
        const r = await recommender.recommend({ userId, placement: 'home', k: 10, exclude });
        const ids = r.items.map((i) => i.itemId);
        expect(ids).toHaveLength(10);
        for (const id of [...exclude, ...deactivated]) expect(ids).not.toContain(id);
      }
      const cold = await recommender.recommend({ userId: 'someone-new', placement: 'home', k: 10, exclude });
      for (const id of [...exclude, ...deactivated]) expect(cold.items.map((i) => i.itemId)).not.toContain(id);
    } finally {
      for (const id of deactivated) recommender.setItemActive(id, true);
    }
  });

  it('falls back to recall order without a ranker and says so', async () => {
    const noRanker = await Recommender.load(db, { modelsDir, rankerDir: null, now: () => END_TIME });
    const seen = await interactedItems(users[1].id);
    const r = await noRanker.recommend({ userId: users[1].external_id, placement: 'home', k: 8 });
    expect(r.fallbacks).toContain('ranker:missing-recall-order');
    expect(r.modelVersions.ranker).toBeNull();
    expect(r.items).toHaveLength(8);
    for (const item of r.items) {
      expect(item.pctr).toBeNull();
      expect(item.explore).toBe(false);
      expect(item.propensity).toBe(1);
      expect(seen.has(item.itemId)).toBe(false);
    }
    const scores = r.items.map((i) => i.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('falls back to ranked order when exploration fails, and skips the ranker when recall spent its budget', async () => {
    const failingStats = { get: () => Promise.reject(new Error('arm stats unavailable')) } as unknown as ArmStatsStore;
    const noExplore = await Recommender.load(db, { modelsDir, now: () => END_TIME, armStats: failingStats });
    try {
      const r = await noExplore.recommend({ userId: users[3].external_id, placement: 'home', k: 7 });
      expect(r.fallbacks).toContain('explore:error-ranked-order');
      expect(r.items).toHaveLength(7);
      const pctrs = r.items.map((i) => i.pctr!);
      expect([...pctrs].sort((a, b) => b - a)).toEqual(pctrs);
      for (const item of r.items) expect(item.propensity).toBe(1);
    } finally {
      noExplore.dispose();
    }
    const tight = await Recommender.load(db, { modelsDir, now: () => END_TIME, budgets: { recallMs: 1e-6, rankMs: 1e-6 } });
    try {
      const r = await tight.recommend({ userId: users[3].external_id, placement: 'home', k: 7 });
      expect(r.fallbacks).toContain('recall:over-budget');
      expect(r.fallbacks).toContain('ranker:skipped-over-budget-recall-order');
      expect(r.items).toHaveLength(7);
      for (const item of r.items) expect(item.pctr).toBeNull();
    } finally {
      tight.dispose();
    }
  });

  it('uses the per-placement policy and logs impressions with their propensities when asked', async () => {
    const custom = await Recommender.load(db, {
      modelsDir,
      now: () => END_TIME,
      placementPolicies: { sidebar: { kind: 'egreedy', epsilon: 0.3 } },
    });
    try {
      const r = await custom.recommend({ userId: users[2].external_id, placement: 'sidebar', k: 6, log: true, requestId: 'req-logged' });
      expect(r.items).toHaveLength(6);
      await custom.impressionLog.flushServed(); // written behind the request
      const logged = await db.sql.query<{ propensity: number; policy: string; slot: number }>(
        `SELECT propensity, policy, slot FROM explore_impressions WHERE request_id = 'req-logged' ORDER BY slot`,
      );
      expect(logged).toHaveLength(6);
      logged.forEach((row, slot) => {
        expect(row.policy).toBe('egreedy');
        expect(Number(row.propensity)).toBeCloseTo(r.items[slot].propensity, 6);
      });
      const unlogged = await custom.recommend({ userId: users[2].external_id, placement: 'sidebar', k: 6, requestId: 'req-unlogged' });
      expect(unlogged.items).toHaveLength(6);
      await custom.impressionLog.flushServed();
      const none = await db.sql.query(`SELECT 1 FROM explore_impressions WHERE request_id = 'req-unlogged'`);
      expect(none).toHaveLength(0);
    } finally {
      custom.dispose();
    }
  });

  it('follows new events: a clicked item leaves the seen filter at once and counts in the activity features', async () => {
    const user = users[4];
    const sqlClicks7d = async () =>
      Number(
        (
          await db.sql.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM events WHERE user_id = $1 AND type = 'click' AND occurred_at >= $2 AND occurred_at < $3`,
            [user.id, new Date(END_TIME - 7 * 86_400_000), new Date(END_TIME)],
          )
        )[0].n,
      );
    const before = await recommender.userFeatures(user.external_id);
    expect(before!.activity.clicks7d).toBe(await sqlClicks7d());
    const first = await recommender.recommend({ userId: user.external_id, placement: 'home', k: 10 });
    const clicked = first.items.slice(0, 3).map((i) => i.itemId);
    await insertEvents(
      db.sql,
      clicked.map((itemId, i) => ({ type: 'click' as const, userId: user.external_id, itemId, occurredAt: END_TIME - 1000 * (i + 1) })),
    );
    expect(await recommender.syncEvents()).toBe(3);
    const after = await recommender.userFeatures(user.external_id);
    expect(after!.activity.clicks7d).toBe(before!.activity.clicks7d + 3);
    expect(after!.activity.clicks7d).toBe(await sqlClicks7d());
    // followed interactions go to the front of the history in the order they were written
    expect(after!.recentItems.slice(0, 3)).toEqual([...clicked].reverse());
    for (let rep = 0; rep < 3; rep++) {
      const r = await recommender.recommend({ userId: user.external_id, placement: 'home', k: 10 });
      for (const id of clicked) expect(r.items.map((i) => i.itemId)).not.toContain(id);
    }
    expect(await recommender.syncEvents()).toBe(0);
  });

  it('rejects invalid input naming the field', async () => {
    await expect(recommender.recommend({ userId: '', placement: 'home', k: 5 })).rejects.toThrow(/^userId/);
    await expect(recommender.recommend({ userId: 'u', placement: 'home', k: 0 })).rejects.toThrow(/^k/);
    await expect(recommender.recommend({ userId: 'u', placement: 'home', k: 2.5 })).rejects.toThrow(/^k/);
    await expect(recommender.recommend({ userId: 'u', k: 5 } as never)).rejects.toThrow(/^placement/);
    await expect(recommender.recommend({ userId: 'u', placement: 'home', k: 5, exclude: [3] } as never)).rejects.toThrow(/^exclude/);
    await expect(Recommender.load(db, { modelsDir, candidates: 0 })).rejects.toThrow(/^candidates/);
    await expect(Recommender.load(db, { placementPolicies: { home: { kind: 'bogus' } } } as never)).rejects.toThrow(/^placementPolicies\.home/);
  });
});
