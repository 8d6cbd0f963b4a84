import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, seedDemoData, type CascadeDatabase } from '@cascade/db';
import { trainRankerStage } from './ranker-stage.js';

const WORLD = { users: 100, items: 60, impressionsPerUser: 36, slateSize: 6, days: 12, seed: 5, keyPrefix: 'ranker-stage-test' };
const QUICK = { epochs: 2, hyperparameters: { hidden: [8], embedDim: 4 } };

let db: CascadeDatabase;
let root: string;
let impressionIds: number[];

beforeAll(async () => {
  db = await openTestDatabase();
  await seedDemoData(db, WORLD);
  root = mkdtempSync(path.join(os.tmpdir(), 'cascade-ranker-stage-'));
  const rows = await db.sql.query<{ id: number }>(`SELECT id::float8 AS id FROM events WHERE type = 'impression' ORDER BY id`);
  impressionIds = rows.map((r) => Number(r.id));
});

afterAll(async () => {
  await db?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('trainRankerStage', () => {
  it('trains on the snapshot window, reports its curve and scores itself identically through compareWith', async () => {
    const bound = impressionIds[Math.floor(impressionIds.length * 0.8)];
    const r = await trainRankerStage(db, { modelsDir: path.join(root, 'a'), ...QUICK, maxEventId: bound, maxImpressions: 1500 });
    expect(r.maxEventId).toBe(bound);
    expect(r.trainRows + r.testRows).toBe(1500);
    const window = impressionIds.filter((id) => id <= bound).slice(-1500);
    expect(r.windowFromEventId).toBe(window[0]);
    expect(r.curve.map((p) => p.epoch)).toEqual([1, 2]);
    for (const p of r.curve) {
      expect(p.trainLoss).toBeGreaterThan(0);
      expect(p.auc).toBeGreaterThan(0);
    }
    expect(Number.isNaN(Date.parse(r.holdoutFrom))).toBe(false);
    expect(r.comparisons).toEqual([]);

    // The next version, on the whole snapshot, compares itself and the previous one on its own holdout.
    const next = await trainRankerStage(db, {
      modelsDir: path.join(root, 'b'),
      ...QUICK,
      compareWith: [{ name: 'previous', dir: r.artifactDir }],
    });
    expect(next.trainRows + next.testRows).toBe(impressionIds.length);
    expect(next.comparisons.map((c) => c.name)).toEqual(['previous']);
    expect(next.comparisons[0].auc).toBeGreaterThan(0);
    const self = await trainRankerStage(db, {
      modelsDir: path.join(root, 'c'),
      ...QUICK,
      maxEventId: bound,
      maxImpressions: 1500,
      compareWith: [{ name: 'itself', dir: r.artifactDir }],
    });
    // Same data, same seed: the same model; scored through the loaded artefact on the same holdout.
    expect(self.auc).toBeCloseTo(r.auc, 10);
    expect(self.comparisons[0].auc).toBeCloseTo(self.auc, 6);
    expect(self.comparisons[0].logloss).toBeCloseTo(self.logloss, 5);
  });

  it('stops with "cancelled" when asked, and validates the new options', async () => {
    // Asked to stop once training has begun: it stops at the end of the first epoch.
    let training = false;
    await expect(
      trainRankerStage(db, {
        modelsDir: path.join(root, 'stop'),
        ...QUICK,
        epochs: 3,
        onProgress: () => (training = true),
        shouldStop: async () => training,
      }),
    ).rejects.toThrow(/^cancelled after epoch 1 of 3/);
    await expect(trainRankerStage(db, { modelsDir: path.join(root, 'stop'), ...QUICK, shouldStop: () => true })).rejects.toThrow(/^cancelled/);
    await expect(trainRankerStage(db, { modelsDir: root, maxImpressions: 1 })).rejects.toThrow(/maxImpressions/);
    await expect(trainRankerStage(db, { modelsDir: root, maxEventId: 1.5 })).rejects.toThrow(/maxEventId/);
    await expect(trainRankerStage(db, { modelsDir: root, compareWith: [{ name: '', dir: 'x' }] })).rejects.toThrow(/compareWith/);
  });
});
