import { describe, expect, it } from 'vitest';
import { trainImplicitAls } from './als.js';
import { bm25Weighted } from './bm25-weighting.js';
import { trainBpr } from './bpr.js';
import { buildInteractionMatrix, type InteractionMatrix } from './interaction-matrix.js';
import { scoreAllItems, type FactorModel } from './mf-model.js';
import { plantedBlocks } from './test-fixtures.js';
import { topKIndices } from './top-k.js';

const planted = plantedBlocks({ users: 120, items: 80, groups: 4, perUser: 8, seed: 3 });

/** Share of each user's top-10 unseen items that lie in the user's own group. */
function inGroupShare(model: FactorModel, m: InteractionMatrix): number {
  const scores = new Float32Array(model.items);
  let hits = 0;
  let total = 0;
  for (let u = 0; u < model.users; u++) {
    scoreAllItems(model, u, scores);
    const seen = new Set(m.byUser.idx.subarray(m.byUser.ptr[u], m.byUser.ptr[u + 1]));
    const top = topKIndices(scores, 10, (i) => seen.has(i));
    for (const i of top) {
      total++;
      if (planted.itemGroup(m.itemIds[i]) === planted.userGroup(m.userIds[u])) hits++;
    }
  }
  return hits / total;
}

describe('interaction matrix', () => {
  it('sums duplicates and maps ids both ways', () => {
    const m = buildInteractionMatrix(
      { length: 4, userIds: [7, 7, 9, 7], itemIds: [100, 200, 100, 100], types: [3, 1, 0, 3], values: [4, 0, 5, 1] },
    );
    // impressions weigh 0 by default: user 9 never appears
    expect(Array.from(m.userIds)).toEqual([7]);
    expect(Array.from(m.itemIds)).toEqual([100, 200]);
    expect(Array.from(m.byUser.idx)).toEqual([0, 1]);
    expect(Array.from(m.byUser.vals)).toEqual([5, 1]);
    expect(Array.from(m.byItem.ptr)).toEqual([0, 1, 2]);
  });
  it('rejects unknown event types in the weight table', () => {
    expect(() => buildInteractionMatrix({ length: 0, userIds: [], itemIds: [] }, { view: { weight: 1 } } as never)).toThrow(
      /eventWeights.view/,
    );
  });
});

describe('bm25Weighted', () => {
  it('gives a popular item less weight than a rare one in the same row', () => {
    // item 1 is in every row, item 2 only in user 7's row
    const m = buildInteractionMatrix({ length: 4, userIds: [7, 7, 8, 9], itemIds: [1, 2, 1, 1], values: [3, 3, 3, 3] });
    const w = bm25Weighted(m);
    expect(w.byUser.vals[1]).toBeGreaterThan(w.byUser.vals[0]);
    expect(w.byItem.ptr).toEqual(m.byItem.ptr);
    expect(() => bm25Weighted(m, 0)).toThrow(/k1/);
  });
});

describe('trainImplicitAls', () => {
  it('recovers planted groups, deterministically', async () => {
    const m = buildInteractionMatrix(planted.columns);
    const a = await trainImplicitAls(m, { factors: 8, regularization: 0.1, alpha: 5, iterations: 8, seed: 1 });
    const b = await trainImplicitAls(m, { factors: 8, regularization: 0.1, alpha: 5, iterations: 8, seed: 1 });
    expect(Array.from(a.userFactors)).toEqual(Array.from(b.userFactors));
    expect(inGroupShare(a, m)).toBeGreaterThan(0.95);
  });
  it('gives the same factors with a worker thread as on one thread', async () => {
    const m = buildInteractionMatrix(planted.columns);
    const one = await trainImplicitAls(m, { factors: 8, iterations: 3, threads: 1 });
    const two = await trainImplicitAls(m, { factors: 8, iterations: 3, threads: 2 });
    expect(Array.from(two.itemFactors)).toEqual(Array.from(one.itemFactors));
  });
  it('validates options', async () => {
    const m = buildInteractionMatrix(planted.columns);
    await expect(trainImplicitAls(m, { factors: 0 })).rejects.toThrow(/factors/);
    await expect(trainImplicitAls(m, { alpha: -1 })).rejects.toThrow(/alpha/);
  });
});

describe('trainBpr', () => {
  it('recovers planted groups, deterministically', () => {
    const m = buildInteractionMatrix(planted.columns);
    const a = trainBpr(m, { factors: 8, iterations: 40, learningRate: 0.2, seed: 5 });
    const b = trainBpr(m, { factors: 8, iterations: 40, learningRate: 0.2, seed: 5 });
    expect(Array.from(a.itemFactors)).toEqual(Array.from(b.itemFactors));
    expect(inGroupShare(a, m)).toBeGreaterThan(0.9);
  });
  it('validates options', () => {
    const m = buildInteractionMatrix(planted.columns);
    expect(() => trainBpr(m, { learningRate: 0 })).toThrow(/learningRate/);
    expect(() => trainBpr(m, { negatives: 1.5 })).toThrow(/negatives/);
  });
});
