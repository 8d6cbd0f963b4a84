import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, seedDemoData, type CascadeDatabase } from '@cascade/db';
import { HnswItemIndex, loadRecallModel, scoreAllItems, topKIndices, userQueryVector } from '@cascade/recall';
import { loadRanker } from '@cascade/ranking';
import { buildIndexStage, ensureStartupModels, trainRankerStage, trainRecallStage, type StartupStageReport } from './index.js';

// A small seeded world: 120 users, 80 items, ~40 impressions each.
const WORLD = { users: 120, items: 80, impressionsPerUser: 40, slateSize: 8, days: 10, seed: 7, keyPrefix: 'pipeline-test' };

let db: CascadeDatabase;
let root: string;

beforeAll(async () => {
  db = await openTestDatabase();
  await seedDemoData(db, WORLD);
  root = mkdtempSync(path.join(os.tmpdir(), 'cascade-pipeline-'));
});

afterAll(async () => {
  await db?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('recall stages', () => {
  it('trains ALS from the events with holdout metrics, writes a loadable model and its index', async () => {
    const modelsDir = path.join(root, 'recall-only');
    const r = await trainRecallStage(db, { modelsDir, als: { factors: 8, iterations: 5 } });
    expect(r.modelDir.startsWith(path.join(modelsDir, 'recall'))).toBe(true);
    expect(r.events).toBeGreaterThan(0);
    expect(r.holdout?.k).toBe(10);
    expect(r.holdout!.ndcg).toBeGreaterThanOrEqual(0);
    expect(r.holdout!.ndcg).toBeLessThanOrEqual(1);

    const artifact = loadRecallModel(r.modelDir);
    expect(artifact.meta.users).toBe(r.users);
    const scores = new Float32Array(artifact.model.items);
    scoreAllItems(artifact.model, 0, scores);
    const top = topKIndices(scores, 5);
    expect(top.length).toBe(5);

    const idx = await buildIndexStage(r.modelDir, { db });
    const index = HnswItemIndex.load(idx.indexFile);
    const found = index.query(userQueryVector(artifact.model, 0), 5);
    expect(found.ids.length).toBe(5);
    // The index answers with database item ids of the model's catalogue.
    for (const id of found.ids) expect(artifact.meta.itemIds).toContain(id);
  });

  it('rejects a missing models folder', async () => {
    await expect(trainRecallStage(db, { modelsDir: '' })).rejects.toThrow(/modelsDir/);
    await expect(trainRankerStage(db, { modelsDir: '' })).rejects.toThrow(/modelsDir/);
  });
});

describe('ranker stage', () => {
  it('trains DeepFM on clicked impressions and the artefact scores candidates with probabilities', async () => {
    const modelsDir = path.join(root, 'ranker-only');
    const r = await trainRankerStage(db, { modelsDir, epochs: 1, hyperparameters: { hidden: [16] } });
    expect(r.trainRows).toBeGreaterThan(r.testRows);
    expect(r.positives).toBeGreaterThan(0);
    expect(r.auc).toBeGreaterThan(0);
    expect(r.logloss).toBeGreaterThan(0);

    const ranker = await loadRanker(r.artifactDir);
    const user = { id: 'user-1', attributes: { country: 'de', device: 'ios', age: 30 } };
    const candidates = [
      { id: 'item-1', categories: ['books'], tags: ['regular'], attributes: { price: 12 } },
      { id: 'item-2', categories: ['music'], tags: ['sale'], attributes: { price: 40 } },
      { id: 'never-seen', categories: [], tags: [], attributes: {} },
    ];
    const p = ranker.score({ user, context: { timestamp: Date.UTC(2026, 0, 1), activity: { clicks7d: 2 } } }, candidates);
    expect(p.length).toBe(3);
    for (const x of p) {
      expect(x).toBeGreaterThan(0);
      expect(x).toBeLessThan(1);
    }
    ranker.dispose();
  });
});

describe('ensureStartupModels', () => {
  it('trains the three stages once and reuses the artefacts the second time', async () => {
    const modelsDir = path.join(root, 'startup');
    const options = { modelsDir, recall: { als: { factors: 8, iterations: 3 } }, ranker: { epochs: 1, hyperparameters: { hidden: [16] } } };
    const seen: StartupStageReport[] = [];
    const first = await ensureStartupModels(db, { ...options, onProgress: (r) => seen.push(r) });
    expect(seen.map((s) => `${s.stage}:${s.status}`)).toEqual(['recall:trained', 'index:trained', 'ranker:trained']);
    expect(seen[0].metrics.ndcg).toBeGreaterThanOrEqual(0);
    expect(seen[2].metrics.auc).toBeGreaterThan(0);
    expect(first.recallModelDir && first.indexFile && first.rankerDir).toBeTruthy();

    const second = await ensureStartupModels(db, options);
    expect(second.stages.map((s) => `${s.stage}:${s.status}`)).toEqual(['recall:reused', 'index:reused', 'ranker:reused']);
    expect(second.recallModelDir).toBe(first.recallModelDir);
    expect(second.indexFile).toBe(first.indexFile);
    expect(second.rankerDir).toBe(first.rankerDir);
  });

  it('skips the stages on a database without events', async () => {
    const empty = await openTestDatabase();
    try {
      const result = await ensureStartupModels(empty, { modelsDir: path.join(root, 'empty') });
      expect(result.stages.map((s) => `${s.stage}:${s.status}`)).toEqual(['recall:skipped', 'index:skipped', 'ranker:skipped']);
      expect(result.recallModelDir).toBeNull();
    } finally {
      await empty.close();
    }
  });
});
