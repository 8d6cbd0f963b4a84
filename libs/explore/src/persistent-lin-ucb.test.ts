import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '@cascade/core';
import { openDatabase, openTestDatabase, openTestPostgresDatabase, type CascadeDatabase } from '@cascade/db';
import { LinUcbPolicy } from './lin-ucb.js';
import { PersistentLinUcbPolicy } from './persistent-lin-ucb.js';

const ITEMS = [101, 102, 103, 104, 105, 106];
const DIMENSION = 3;

/** Seeded contexts on the simplex-ish and clicks whose rate depends on (item, context). */
function train(policy: PersistentLinUcbPolicy, rounds: number, seed: number): void {
  const random = new SeededRandom(seed);
  const x = new Float64Array(DIMENSION);
  for (let t = 0; t < rounds; t++) {
    for (let j = 0; j < DIMENSION; j++) x[j] = random.next();
    const itemId = policy.select(ITEMS, x);
    const rate = 0.1 + 0.8 * x[(itemId + t) % DIMENSION] * (itemId % 2);
    policy.update(itemId, random.next() < rate ? 1 : 0, x);
  }
}

function probeContexts(): Float64Array[] {
  const random = new SeededRandom(99);
  return Array.from({ length: 25 }, () => Float64Array.from({ length: DIMENSION }, () => random.next() * 2 - 0.5));
}

/** What a restart must preserve: selections, slot fills and predictions for fixed contexts. */
function decisions(policy: PersistentLinUcbPolicy) {
  return probeContexts().map((x) => ({
    selected: policy.select(ITEMS, x),
    slots: Array.from(policy.fillSlots(ITEMS, 3, x).arms),
    predictions: ITEMS.map((id) => policy.predict(id, x)),
  }));
}

/** Trains, closes the policy, re-opens it on `reopen()` (a new process) and compares. */
async function checkRestart(first: CascadeDatabase, reopen: () => Promise<CascadeDatabase>, placement: string): Promise<CascadeDatabase> {
  const before = await PersistentLinUcbPolicy.open(first.sql, { placement, dimension: DIMENSION, alpha: 0.7, flushEvery: 50 });
  train(before, 400, 3);
  const expected = decisions(before);
  const states = ITEMS.map((id) => before.armState(id));
  expect(states.reduce((s, a) => s + (a?.updates ?? 0), 0)).toBe(400);
  await before.close();
  expect(before.pendingUpdates).toBe(0);
  const second = await reopen();
  const after = await PersistentLinUcbPolicy.open(second.sql, { placement, dimension: DIMENSION, alpha: 0.7 });
  expect(after.armCount).toBe(states.filter((s) => s !== null).length);
  ITEMS.forEach((id, i) => {
    const state = after.armState(id);
    expect(state?.updates).toBe(states[i]?.updates);
    if (!state) return;
    // The stored sums are the in-memory ones up to float rounding of the batched additions.
    state.a.forEach((v, j) => expect(v).toBeCloseTo(states[i]!.a[j], 9));
    state.b.forEach((v, j) => expect(v).toBeCloseTo(states[i]!.b[j], 9));
  });
  const actual = decisions(after);
  actual.forEach((d, i) => {
    expect(d.selected).toBe(expected[i].selected);
    expect(d.slots).toEqual(expected[i].slots);
    d.predictions.forEach((p, j) => expect(p).toBeCloseTo(expected[i].predictions[j], 9));
  });
  // The restarted policy keeps learning on top of the loaded state.
  train(after, 50, 4);
  await after.flush();
  const total = await second.sql.query<{ n: number }>('SELECT sum(updates)::float8 AS n FROM explore_linucb_arms WHERE placement = $1', [placement]);
  expect(Number(total[0].n)).toBe(450);
  return second;
}

/** Two writers (two processes) updating the same arms; integer contexts make every sum exact. */
async function checkConcurrentWriters(db: CascadeDatabase, placement: string): Promise<void> {
  const writers = await Promise.all([0, 1].map(() => PersistentLinUcbPolicy.open(db.sql, { placement, dimension: 2, ridge: 2, flushEvery: 7 })));
  const expectedA = [2, 0, 0, 2].map((v) => new Map(ITEMS.slice(0, 2).map((id) => [id, v])));
  const expectedB = [0, 0].map(() => new Map(ITEMS.slice(0, 2).map((id) => [id, 0])));
  const expectedN = new Map(ITEMS.slice(0, 2).map((id) => [id, 0]));
  const jobs: { writer: number; itemId: number; reward: number; x: Float64Array }[] = [];
  for (let i = 0; i < 300; i++) {
    const x = Float64Array.of(1 + (i % 3), (i * 7) % 4);
    const itemId = ITEMS[i % 2];
    const reward = (i * 5) % 3 === 0 ? 1 : 0;
    jobs.push({ writer: i % 2, itemId, reward, x });
    for (let r = 0; r < 2; r++) for (let c = 0; c < 2; c++) expectedA[r * 2 + c].set(itemId, expectedA[r * 2 + c].get(itemId)! + x[r] * x[c]);
    for (let r = 0; r < 2; r++) expectedB[r].set(itemId, expectedB[r].get(itemId)! + reward * x[r]);
    expectedN.set(itemId, expectedN.get(itemId)! + 1);
  }
  await Promise.all(
    writers.map(async (writer, w) => {
      let n = 0;
      for (const job of jobs) {
        if (job.writer !== w) continue;
        writer.update(job.itemId, job.reward, job.x);
        if (++n % 20 === 0) await writer.flush();
      }
      await writer.close();
    }),
  );
  const reader = await PersistentLinUcbPolicy.open(db.sql, { placement, dimension: 2, ridge: 2 });
  for (const itemId of ITEMS.slice(0, 2)) {
    const state = reader.armState(itemId)!;
    expect(Array.from(state.a)).toEqual([0, 1, 2, 3].map((e) => expectedA[e].get(itemId)));
    expect(Array.from(state.b)).toEqual([0, 1].map((e) => expectedB[e].get(itemId)));
    expect(state.updates).toBe(expectedN.get(itemId));
  }
  // Each writer saw only its own updates until it refreshes; then it sees both.
  await writers[0].refresh();
  expect(Array.from(writers[0].armState(ITEMS[0])!.a)).toEqual(Array.from(reader.armState(ITEMS[0])!.a));
}

describe('PersistentLinUcbPolicy', () => {
  let db: CascadeDatabase;
  let dataRoot: string;
  beforeAll(async () => {
    db = await openTestDatabase();
    dataRoot = mkdtempSync(path.join(tmpdir(), 'cascade-linucb-'));
  });
  afterAll(async () => {
    await db.close();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  it('survives closing and re-opening the database, and selects the same arms afterwards', async () => {
    const dataDir = path.join(dataRoot, 'db');
    const first = await openDatabase({ dataDir });
    let closedFirst = false;
    const second = await checkRestart(
      first,
      async () => {
        await first.close();
        closedFirst = true;
        return openDatabase({ dataDir });
      },
      'home',
    );
    expect(closedFirst).toBe(true);
    await second.close();
  });

  it('loses no update when two stores update the same arms concurrently', async () => {
    await checkConcurrentWriters(db, 'concurrent');
  });

  it('scores like the in-memory LinUcbPolicy and persists the ridge prior exactly', async () => {
    const policy = await PersistentLinUcbPolicy.open(db.sql, { placement: 'same', dimension: 2, alpha: 0.5, ridge: 1.5, flushEvery: 0 });
    const reference = new LinUcbPolicy(3, { dimension: 2, alpha: 0.5, ridge: 1.5 });
    const random = new SeededRandom(8);
    const x = new Float64Array(2);
    for (let t = 0; t < 60; t++) {
      x[0] = random.next();
      x[1] = random.next();
      const arm = reference.select(x);
      expect(policy.select([10, 11, 12], x)).toBe(10 + arm);
      const reward = random.next() < 0.3 + 0.2 * arm * x[0] ? 1 : 0;
      reference.update(arm, reward, x);
      policy.update(10 + arm, reward, x);
    }
    expect(policy.pendingUpdates).toBe(60);
    await policy.flush();
    const rows = await db.sql.query<{ a: number[]; b: number[] }>("SELECT a, b FROM explore_linucb_arms WHERE placement = 'same' ORDER BY item_id");
    rows.forEach((row, i) => {
      const state = policy.armState(10 + i)!;
      row.a.forEach((v, j) => expect(v).toBeCloseTo(state.a[j], 12));
      row.b.forEach((v, j) => expect(v).toBeCloseTo(state.b[j], 12));
    });
  });

  it('rejects a mismatching context dimension or ridge with a clear message', async () => {
    const policy = await PersistentLinUcbPolicy.open(db.sql, { placement: 'dims', dimension: 3 });
    expect(() => policy.update(1, 1, new Float64Array(2))).toThrow(/context has length 2, but placement "dims" uses LinUCB dimension 3/);
    expect(() => policy.select([1], new Float64Array(4))).toThrow(/context/);
    expect(() => policy.update(1, 1, Float64Array.of(1, NaN, 0))).toThrow(/context\[1\]/);
    expect(() => policy.update(1, 2, new Float64Array(3))).toThrow(/reward/);
    expect(() => policy.update(1.5, 1, new Float64Array(3))).toThrow(/itemId/);
    expect(() => policy.fillSlots([1, 1], 2, new Float64Array(3))).toThrow(/itemIds\[1\]/);
    policy.update(1, 1, Float64Array.of(1, 0, 1));
    await policy.close();
    await expect(PersistentLinUcbPolicy.open(db.sql, { placement: 'dims', dimension: 4 })).rejects.toThrow(
      /dimension: placement "dims" stores LinUCB models of dimension 3, got 4/,
    );
    await expect(PersistentLinUcbPolicy.open(db.sql, { placement: 'dims', dimension: 3, ridge: 2 })).rejects.toThrow(/ridge/);
    await expect(PersistentLinUcbPolicy.open(db.sql, { placement: '', dimension: 3 })).rejects.toThrow(/placement/);
    await expect(PersistentLinUcbPolicy.open(db.sql, { placement: 'x', dimension: 0 })).rejects.toThrow(/dimension/);
    // A process opened before another one stored a different dimension: its flush names the conflict.
    const early = await PersistentLinUcbPolicy.open(db.sql, { placement: 'late', dimension: 2 });
    const other = await PersistentLinUcbPolicy.open(db.sql, { placement: 'late', dimension: 3 });
    other.update(5, 1, Float64Array.of(1, 1, 1));
    await other.flush();
    early.update(5, 1, Float64Array.of(1, 1));
    await expect(early.flush()).rejects.toThrow(/dimension\/ridge: 1 LinUCB arm\(s\) of placement "late"/);
  });

  it('decays the stored models towards the prior and scores unseen items at the prior bound', async () => {
    const policy = await PersistentLinUcbPolicy.open(db.sql, { placement: 'decay', dimension: 2, ridge: 1, alpha: 1 });
    policy.update(7, 1, Float64Array.of(2, 0));
    policy.update(7, 0, Float64Array.of(0, 2));
    await policy.decay(0.5);
    expect(Array.from(policy.armState(7)!.a)).toEqual([3, 0, 0, 3]);
    expect(Array.from(policy.armState(7)!.b)).toEqual([1, 0]);
    expect(policy.armState(7)!.updates).toBe(1);
    expect(policy.score(8, Float64Array.of(3, 4))).toBeCloseTo(5, 12);
    expect(policy.armState(8)).toBeNull();
    await expect(policy.decay(0)).rejects.toThrow(/factor/);
  });

  const pgUrl = process.env.CASCADE_TEST_DATABASE_URL;
  it.runIf(pgUrl)('persists and merges concurrent writers on PostgreSQL', async () => {
    const pg = await openTestPostgresDatabase(pgUrl!);
    try {
      await checkRestart(pg, async () => pg, 'home');
      await checkConcurrentWriters(pg, 'concurrent');
    } finally {
      await pg.close();
    }
  });
});
