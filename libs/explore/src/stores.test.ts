import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, openTestDatabase, type CascadeDatabase } from '@cascade/db';
import { ArmStatsStore } from './arm-stats-store.js';
import { ExperimentStore } from './experiment-store.js';
import { ImpressionLog } from './impression-log.js';
import { inversePropensityEstimate, loggedSlotDecisions } from './offline-evaluation.js';
import { SlotFiller } from './slot-filling.js';

describe('online statistics and experiments in the database', () => {
  let db: CascadeDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  it('loses no counts when several writers update the same arms concurrently', async () => {
    const writers = Array.from({ length: 4 }, () => new ArmStatsStore(db.sql, { flushEvery: 37 }));
    await Promise.all(
      writers.map(async (store, w) => {
        for (let i = 0; i < 500; i++) {
          store.recordImpression('home', i % 5);
          if ((i + w) % 3 === 0) store.recordClick('home', i % 5);
          if (i % 50 === 0) await store.flush();
        }
        await store.flush();
      }),
    );
    const reader = new ArmStatsStore(db.sql);
    const counts = await reader.get('home', [0, 1, 2, 3, 4]);
    expect(counts.reduce((s, c) => s + c.impressions, 0)).toBe(2000);
    let expectedClicks = 0;
    for (let w = 0; w < 4; w++) for (let i = 0; i < 500; i++) if ((i + w) % 3 === 0) expectedClicks++;
    expect(counts.reduce((s, c) => s + c.clicks, 0)).toBe(expectedClicks);
    expect(counts.every((c) => c.impressions === 400)).toBe(true);
  });

  it('shows its own pending increments, decays and rebuilds a sliding window', async () => {
    const store = new ArmStatsStore(db.sql, { flushEvery: 0 });
    store.recordImpression('decay', 1, 10);
    store.recordClick('decay', 1, 4);
    expect(await store.get('decay', [1])).toEqual([{ itemId: 1, impressions: 10, clicks: 4 }]);
    store.recordImpression('decay', 1, 10);
    expect((await store.get('decay', [1]))[0].impressions).toBe(20);
    await store.decay('decay', 0.5);
    expect(await store.get('decay', [1])).toEqual([{ itemId: 1, impressions: 10, clicks: 2 }]);
    await expect(store.decay('decay', 2)).rejects.toThrow(/factor/);
  });

  it('reads a placement once, then serves from memory and picks up other processes in the background', async () => {
    const other = new ArmStatsStore(db.sql, { flushEvery: 0 });
    other.recordImpression('cached', 1, 5);
    await other.flush();
    let queries = 0;
    const counting = { ...db.sql, query: (text: string, params?: unknown[]) => (queries++, db.sql.query(text, params)) } as typeof db.sql;
    const store = new ArmStatsStore(counting, { flushEvery: 0, refreshMs: 20 });
    expect(await store.get('cached', [1, 2])).toEqual([
      { itemId: 1, impressions: 5, clicks: 0 },
      { itemId: 2, impressions: 0, clicks: 0 },
    ]);
    store.recordImpression('cached', 2, 3);
    expect((await store.get('cached', [2, 3, 4]))[0].impressions).toBe(3);
    expect(queries).toBe(1);
    other.recordClick('cached', 1, 2);
    await other.flush();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await store.get('cached', [1]); // starts the background re-read
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await store.get('cached', [1, 2])).toEqual([
      { itemId: 1, impressions: 5, clicks: 2 },
      { itemId: 2, impressions: 3, clicks: 0 }, // its own pending increment survives the re-read
    ]);
    await store.flush();
    expect((await new ArmStatsStore(db.sql).get('cached', [2]))[0].impressions).toBe(3);
    expect(() => new ArmStatsStore(db.sql, { refreshMs: -1 })).toThrow(/refreshMs/);
  });

  it('writes served requests behind the request, in one statement, and attributes clicks on queued ones', async () => {
    const stats = new ArmStatsStore(db.sql, { flushEvery: 0 });
    let inserts = 0;
    let failNext = false;
    const driver = {
      ...db.sql,
      query: (text: string, params?: unknown[]) => {
        if (text.includes('INSERT INTO explore_impressions')) {
          inserts++;
          if (failNext) {
            failNext = false;
            return Promise.reject(new Error('database unavailable'));
          }
        }
        return db.sql.query(text, params);
      },
    } as typeof db.sql;
    const log = new ImpressionLog(driver, stats, undefined, { flushMs: 10_000 });
    const served = (r: number) => ({ requestId: `wb-${r}`, placement: 'wb', policy: 'thompson', items: [{ itemId: r, slot: 0, propensity: 0.5, explore: false }] });
    for (let r = 0; r < 5; r++) log.enqueueServed(served(r));
    expect(log.queuedSlots).toBe(5);
    expect(inserts).toBe(0);
    expect(await log.recordClick('wb-3', 3)).toBe(true); // flushes the queue first
    expect(inserts).toBe(1);
    expect((await stats.get('wb', [3]))[0]).toEqual({ itemId: 3, impressions: 1, clicks: 1 });
    failNext = true;
    log.enqueueServed(served(7));
    await expect(log.flushServed()).rejects.toThrow(/unavailable/);
    expect(log.queuedSlots).toBe(1); // kept for the next write
    const logged = [];
    for await (const row of log.read('wb')) logged.push(row.requestId);
    expect(logged.sort()).toEqual(['wb-0', 'wb-1', 'wb-2', 'wb-3', 'wb-4', 'wb-7']);
    expect(log.queuedSlots).toBe(0);
    const timed = new ImpressionLog(db.sql, stats, undefined, { flushMs: 5 });
    timed.enqueueServed(served(9));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(timed.queuedSlots).toBe(0);
    expect((await stats.get('wb', [9]))[0].impressions).toBe(1);
    expect(() => log.enqueueServed({ ...served(1), items: [{ itemId: 1, slot: 0, propensity: 0, explore: false }] })).toThrow(/propensity/);
    expect(() => new ImpressionLog(db.sql, stats, undefined, { flushMs: 0 })).toThrow(/flushMs/);
  });

  it('attributes clicks through the request id, once, and feeds the experiment counters', async () => {
    const stats = new ArmStatsStore(db.sql, { flushEvery: 0 });
    const experiments = new ExperimentStore(db.sql);
    await experiments.create({
      key: 'slots-1',
      variants: [
        { name: 'control', weight: 1, config: { policy: 'ucb1' } },
        { name: 'thompson', weight: 1, config: { policy: 'thompson' } },
      ],
      decisionRule: { kind: 'fixed-horizon', baselineRate: 0.05, minimumDetectableLift: 0.2 },
    });
    await experiments.start('slots-1');
    const log = new ImpressionLog(db.sql, stats, experiments);
    const filler = new SlotFiller(stats, log);
    const candidates = [
      { itemId: 10, score: 3, pctr: 0.1 },
      { itemId: 11, score: 2, pctr: 0.05 },
      { itemId: 12, score: 1, pctr: 0.2 },
    ];
    const served = await filler.serve({
      requestId: 'r-1',
      placement: 'feed',
      candidates,
      options: { k: 2, policy: { kind: 'thompson', propensityDraws: 50 }, seed: 1 },
      experiment: { key: 'slots-1', variant: 'thompson' },
    });
    expect(served).toHaveLength(2);
    expect(served.every((s) => s.propensity > 0 && s.propensity <= 1)).toBe(true);
    expect(await log.recordClick('r-1', served[0].itemId)).toBe(true);
    expect(await log.recordClick('r-1', served[0].itemId)).toBe(false); // counted once
    expect(await log.recordClick('r-unknown', 10)).toBe(false);
    await stats.flush();
    const fresh = new ArmStatsStore(db.sql);
    const counts = await fresh.get('feed', [served[0].itemId, served[1].itemId]);
    expect(counts.map((c) => [c.impressions, c.clicks])).toEqual([[1, 1], [1, 0]]);
    expect(await experiments.counts('slots-1')).toEqual([
      { name: 'control', impressions: 0, clicks: 0 },
      { name: 'thompson', impressions: 2, clicks: 1 },
    ]);
    const logged = [];
    for await (const row of log.read('feed')) logged.push(row);
    expect(logged.map((r) => r.clicked)).toEqual([true, false]);
    expect(await stats.rebuildWindow('feed', new Date(Date.now() - 60_000))).toBe(2);
  });

  it('serves each user the policy of their experiment variant', async () => {
    const stats = new ArmStatsStore(db.sql, { flushEvery: 0 });
    const experiments = new ExperimentStore(db.sql);
    const filler = new SlotFiller(stats, new ImpressionLog(db.sql, stats, experiments), experiments);
    await experiments.create({
      key: 'policies-3',
      variants: [
        { name: 'greedy', weight: 1, config: { policy: { kind: 'egreedy', epsilon: 0 } } },
        { name: 'thompson', weight: 1, config: { policy: { kind: 'thompson', propensityDraws: 20 } } },
      ],
      decisionRule: { kind: 'sequential', baselineRate: 0.05, minimumDetectableLift: 0.2 },
    });
    const candidates = [
      { itemId: 20, score: 2, pctr: 0.1 },
      { itemId: 21, score: 1, pctr: 0.05 },
    ];
    const request = (user: number) => ({ experimentKey: 'policies-3', userId: `u${user}`, requestId: `q${user}`, placement: 'p3', candidates, k: 1, seed: user, fallback: { kind: 'ucb1' as const } });
    const before = await filler.serveInExperiment(request(0));
    expect(before.variant).toBeNull(); // draft: the fallback serves
    await experiments.start('policies-3');
    const variants = new Set<string>();
    for (let u = 1; u <= 20; u++) {
      const { variant, served } = await filler.serveInExperiment(request(u));
      variants.add(variant as string);
      if (variant === 'greedy') expect(served[0].itemId).toBe(20);
    }
    expect(variants).toEqual(new Set(['greedy', 'thompson']));
    const counts = await experiments.counts('policies-3');
    expect(counts.reduce((s, c) => s + c.impressions, 0)).toBe(20);
  });

  it('runs an experiment lifecycle with a non-peeking decision and persists it', async () => {
    const experiments = new ExperimentStore(db.sql);
    await experiments.create({
      key: 'ab-2',
      description: 'ranker v2 vs v1',
      variants: [
        { name: 'v1', weight: 1, config: { modelVersion: 1 } },
        { name: 'v2', weight: 1, config: { modelVersion: 2 } },
      ],
      decisionRule: { kind: 'sequential', baselineRate: 0.05, minimumDetectableLift: 0.2, maxImpressionsPerVariant: 100_000 },
    });
    await expect(experiments.create({ key: 'ab-2', variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }], decisionRule: { kind: 'sequential', baselineRate: 0.05, minimumDetectableLift: 0.2 } })).rejects.toThrow(/already exists/);
    expect(await experiments.assign('ab-2', 'u1')).toBeNull(); // draft
    await experiments.start('ab-2');
    await expect(experiments.start('ab-2')).rejects.toThrow(/not draft/);
    const variant = await experiments.assign('ab-2', 'u1');
    expect(variant?.name).toBe((await experiments.assign('ab-2', 'u1'))?.name);
    await experiments.record('ab-2', 'v1', 1000, 50);
    await experiments.record('ab-2', 'v2', 1000, 52);
    expect((await experiments.evaluate('ab-2', { stopOnDecision: true })).status).toBe('continue');
    await experiments.record('ab-2', 'v1', 20_000, 1000);
    await experiments.record('ab-2', 'v2', 20_000, 1300);
    const decision = await experiments.evaluate('ab-2', { stopOnDecision: true });
    expect(decision.winner).toBe('v2');
    const stored = await experiments.get('ab-2');
    expect(stored.status).toBe('stopped');
    expect(stored.winner).toBe('v2');
    expect(stored.stoppedAt).toBeInstanceOf(Date);
    expect(stored.decision?.comparisons[0].alwaysValidPValue).toBeLessThan(0.05);
    await expect(experiments.record('ab-2', 'v9', 1, 0)).rejects.toThrow(/v9/);
    await expect(experiments.stop('ab-2')).rejects.toThrow(/not running/);
    expect((await experiments.list('stopped')).map((e) => e.key)).toContain('ab-2');
    expect((await experiments.list('running')).map((e) => e.key)).not.toContain('ab-2');
    expect((await experiments.list()).length).toBeGreaterThanOrEqual(2);
  });

  it('evaluates a policy offline with IPS on the logged impressions', async () => {
    // An ε-greedy logger over 4 items (ε = 0.5, greedy item 30); the target always shows item 32.
    const stats = new ArmStatsStore(db.sql, { flushEvery: 0 });
    const log = new ImpressionLog(db.sql, stats);
    const rates = new Map([[30, 0.05], [31, 0.1], [32, 0.3], [33, 0.02]]);
    let state = 12345;
    const uniform = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296);
    for (let r = 0; r < 1500; r++) {
      const explore = uniform() < 0.5;
      const itemId = explore ? 30 + Math.floor(uniform() * 4) : 30;
      const propensity = itemId === 30 ? 0.5 + 0.5 / 4 : 0.5 / 4;
      await log.logServed({ requestId: `ips-${r}`, placement: 'ips', policy: 'egreedy', items: [{ itemId, slot: 0, propensity, explore }] });
      if (uniform() < (rates.get(itemId) as number)) await log.recordClick(`ips-${r}`, itemId);
    }
    const { decisions, itemIds } = await loggedSlotDecisions(log.read('ips', { pageSize: 400 }));
    expect(decisions).toHaveLength(1500);
    const target = itemIds.indexOf(32);
    const ips = inversePropensityEstimate(decisions, (e) => (e.arm === target ? 1 : 0));
    expect(Math.abs(ips.estimate - 0.3)).toBeLessThan(2.5 * ips.standardError + 0.01);
  });

  it('keeps statistics and experiments across a restart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cascade-explore-'));
    const dataDir = path.join(dir, 'data');
    try {
      const first = await openDatabase({ dataDir });
      const store = new ArmStatsStore(first.sql);
      store.recordImpression('home', 7, 3);
      store.recordClick('home', 7);
      await store.flush();
      await new ExperimentStore(first.sql).create({
        key: 'persist',
        variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 2 }],
        decisionRule: { kind: 'fixed-horizon', baselineRate: 0.1, minimumDetectableLift: 0.1 },
      });
      await first.close();
      const second = await openDatabase({ dataDir });
      expect(await new ArmStatsStore(second.sql).get('home', [7])).toEqual([{ itemId: 7, impressions: 3, clicks: 1 }]);
      const experiment = await new ExperimentStore(second.sql).get('persist');
      expect(experiment.variants.map((v) => v.weight)).toEqual([1, 2]);
      expect(experiment.status).toBe('draft');
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
