import { describe, expect, it } from 'vitest';
import { auc, logLoss } from './ctr-metrics.js';

describe('auc', () => {
  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(auc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9])).toBe(0);
  });
  it('matches sklearn on a small example with ties', () => {
    // sklearn.metrics.roc_auc_score([0,0,1,1,0,1],[0.1,0.4,0.35,0.8,0.4,0.4]) = 0.6666...
    expect(auc([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.4, 0.4])).toBeCloseTo(0.6666666667, 9);
    expect(auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });
  it('validates its input', () => {
    expect(() => auc([1, 1], [0.2, 0.3])).toThrow(/labels/);
    expect(() => auc([1, 0], [0.2])).toThrow(/scores/);
    expect(() => auc([1, 0], [NaN, 0.1])).toThrow(/scores\[0\]/);
  });
});

describe('logLoss', () => {
  it('matches the closed form', () => {
    const expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.7)) / 3;
    expect(logLoss([1, 0, 1], [0.9, 0.2, 0.7])).toBeCloseTo(expected, 12);
  });
  it('clips extreme probabilities', () => {
    expect(Number.isFinite(logLoss([1, 0], [0, 1]))).toBe(true);
  });
  it('validates its input', () => {
    expect(() => logLoss([1], [1.5])).toThrow(/probs\[0\]/);
    expect(() => logLoss([1, 0], [0.5])).toThrow(/probs/);
  });
});
