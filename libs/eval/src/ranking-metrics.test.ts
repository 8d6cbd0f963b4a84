import { describe, expect, it } from 'vitest';
import {
  averagePrecisionAtK,
  catalogueCoverage,
  evaluateTopK,
  hitAtK,
  ndcgAtK,
  precisionAtK,
  recallAtK,
} from './ranking-metrics.js';

describe('ranking metrics', () => {
  const recs = [5, 1, 7, 3, 9];
  const relevant = new Set([1, 3, 4]);
  it('computes precision, recall and hit at k', () => {
    expect(precisionAtK(recs, relevant, 5)).toBeCloseTo(2 / 5);
    expect(recallAtK(recs, relevant, 5)).toBeCloseTo(2 / 3);
    expect(hitAtK(recs, relevant, 1)).toBe(0);
    expect(hitAtK(recs, relevant, 2)).toBe(1);
  });
  it('computes NDCG with binary relevance', () => {
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(5);
    const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAtK(recs, relevant, 5)).toBeCloseTo(dcg / idcg, 12);
    expect(ndcgAtK([1, 3, 4], relevant, 3)).toBeCloseTo(1, 12);
  });
  it('computes average precision at k', () => {
    expect(averagePrecisionAtK(recs, relevant, 5)).toBeCloseTo((1 / 2 + 2 / 4) / 3, 12);
    expect(averagePrecisionAtK([1, 3], relevant, 2)).toBeCloseTo(1, 12);
  });
  it('aggregates over users and measures coverage', () => {
    const recommendations = new Map([
      [1, [10, 11]],
      [2, [12, 10]],
    ]);
    const truth = new Map([
      [1, new Set([10])],
      [2, new Set([99])],
      [3, new Set([10])],
    ]);
    const m = evaluateTopK(recommendations, truth, 2, 10);
    expect(m.users).toBe(3);
    expect(m.hitRate).toBeCloseTo(1 / 3);
    expect(m.precision).toBeCloseTo(0.5 / 3);
    expect(m.coverage).toBeCloseTo(0.3);
    expect(catalogueCoverage(recommendations, 1, 4)).toBeCloseTo(0.5);
  });
  it('validates k', () => {
    expect(() => precisionAtK(recs, relevant, 0)).toThrow(/k/);
    expect(() => evaluateTopK(new Map(), new Map(), 10, -1)).toThrow(/catalogueSize/);
  });
});
