import { describe, expect, it } from 'vitest';
import { evaluateOnRatings } from './recall-training.js';
import { plantedBlocks } from './test-fixtures.js';
import type { RatingsColumns } from './ratings-file.js';

const planted = plantedBlocks({ users: 100, items: 60, groups: 3, perUser: 12, seed: 9 }).columns;
const ratings: RatingsColumns = {
  length: planted.length,
  userIds: Int32Array.from(planted.userIds),
  itemIds: Int32Array.from(planted.itemIds),
  values: Float32Array.from(planted.values!),
  occurredAt: Float64Array.from({ length: planted.length }, (_, i) => i),
};

describe('evaluateOnRatings', () => {
  it('beats popularity with ALS and BPR on planted data under both protocols', async () => {
    const pop = await evaluateOnRatings(ratings, { algorithm: 'popularity', k: 5 });
    const als = await evaluateOnRatings(ratings, { algorithm: 'als', k: 5, training: { factors: 8, regularization: 1, alpha: 2, iterations: 8 } });
    const bpr = await evaluateOnRatings(ratings, { algorithm: 'bpr', k: 5, training: { factors: 8, iterations: 40, learningRate: 0.2 } });
    expect(als.metrics.ndcg).toBeGreaterThan(pop.metrics.ndcg + 0.05);
    expect(bpr.metrics.ndcg).toBeGreaterThan(pop.metrics.ndcg + 0.05);
    expect(als.testRows + als.trainRows).toBe(ratings.length);
    const llo = await evaluateOnRatings(ratings, { algorithm: 'als', protocol: 'leave-last-out', k: 5, training: { factors: 8, iterations: 5 } });
    expect(llo.testRows).toBe(100);
  });
  it('validates the protocol and k', async () => {
    await expect(evaluateOnRatings(ratings, { algorithm: 'als', k: 0 })).rejects.toThrow(/k/);
    await expect(evaluateOnRatings(ratings, { algorithm: 'als', protocol: 'x' as never })).rejects.toThrow(/protocol/);
  });
});
