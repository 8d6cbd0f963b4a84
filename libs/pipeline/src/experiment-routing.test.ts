// A running A/B experiment in serving: users are split between the variants by a stable hash, each variant
// serves with its own policy, and impressions and attributed clicks are counted per variant.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, seedDemoData, type CascadeDatabase } from '@cascade/db';
import { ExperimentStore } from '@cascade/explore';
import { ensureStartupModels, loadServingRecommender, type Recommender } from './index.js';

let db: CascadeDatabase;
let root: string;
let recommender: Recommender;

beforeAll(async () => {
  db = await openTestDatabase();
  await seedDemoData(db, { users: 120, items: 90, impressionsPerUser: 30, slateSize: 8, days: 10, seed: 21, keyPrefix: 'abtest' });
  root = mkdtempSync(path.join(os.tmpdir(), 'cascade-abtest-'));
  await ensureStartupModels(db, { modelsDir: root, recall: { als: { factors: 8, iterations: 3 }, evaluate: false }, ranker: { epochs: 1 } });
  const store = new ExperimentStore(db.sql);
  await store.create({
    key: 'home-policy',
    placement: 'home',
    variants: [
      { name: 'control', weight: 1, config: { policy: { kind: 'egreedy', epsilon: 0 } } },
      { name: 'thompson', weight: 1, config: { policy: { kind: 'thompson' } } },
    ],
    decisionRule: { kind: 'sequential', baselineRate: 0.05, minimumDetectableLift: 0.2 },
  });
  await store.start('home-policy');
  recommender = await loadServingRecommender(db);
}, 120_000);

afterAll(async () => {
  await db?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('A/B experiments in serving', () => {
  it('assigns users to variants stably, serves each variant its policy and counts impressions and clicks per variant', async () => {
    const seen = new Map<string, string>();
    let clicked: { requestId: string; itemId: string; variant: string } | null = null;
    for (let u = 1; u <= 40; u++) {
      const userId = `abtest-user-${u}`;
      const r = await recommender.recommend({ userId, placement: 'home', k: 5, log: true });
      expect(r.experiment?.key).toBe('home-policy');
      seen.set(userId, r.experiment!.variant);
      // the control variant is greedy: it never explores
      if (r.experiment!.variant === 'control') expect(r.items.every((i) => !i.explore)).toBe(true);
      clicked ??= { requestId: r.requestId, itemId: r.items[0].itemId, variant: r.experiment!.variant };
    }
    expect(new Set(seen.values())).toEqual(new Set(['control', 'thompson']));
    // stable: the same user gets the same variant again
    const again = await recommender.recommend({ userId: 'abtest-user-1', placement: 'home', k: 5, log: false });
    expect(again.experiment?.variant).toBe(seen.get('abtest-user-1'));
    // other placements are not in the experiment
    expect((await recommender.recommend({ userId: 'abtest-user-1', placement: 'email', k: 5, log: false })).experiment).toBeNull();

    const internal = (await db.sql.query<{ id: number }>('SELECT id FROM items WHERE external_id = $1', [clicked!.itemId]))[0].id;
    expect(await recommender.impressionLog.recordClick(clicked!.requestId, Number(internal))).toBe(true);
    const counts = await new ExperimentStore(db.sql).counts('home-policy');
    const impressions = counts.reduce((s, c) => s + c.impressions, 0);
    expect(impressions).toBe(40 * 5);
    expect(counts.find((c) => c.name === clicked!.variant)?.clicks).toBe(1);
  }, 60_000);
});
