import { describe, expect, it } from 'vitest';
import { ArmStatistics } from './arm-statistics.js';
import { EpsilonGreedyPolicy, binomialCdfBelow } from './epsilon-greedy.js';

function statsWith(counts: Array<[number, number]>): ArmStatistics {
  const stats = new ArmStatistics(counts.length);
  counts.forEach(([pulls, clicks], arm) => stats.setCounts(arm, pulls, clicks));
  return stats;
}

describe('EpsilonGreedyPolicy', () => {
  it('exploits the best sample average at ε = 0, and the best posterior mean when asked', () => {
    // empirical: 0.3, 0.5, 0 (unseen) → arm 1; posterior Beta(1,1): 4/12, 6/12, 1/2 → tie 1 vs 2 → arm 1.
    const counts: Array<[number, number]> = [[10, 3], [10, 5], [0, 0]];
    expect(new EpsilonGreedyPolicy(3, { epsilon: 0 }, statsWith(counts)).select()).toBe(1);
    const optimistic = new EpsilonGreedyPolicy(3, { epsilon: 0, estimate: 'posterior' }, statsWith([[10, 3], [10, 4], [0, 0]]));
    expect(optimistic.select()).toBe(2); // 4/12, 5/12 < 1/2 for the unseen arm
  });

  it('picks the greedy arm with probability 1 − ε + ε/K', () => {
    const policy = new EpsilonGreedyPolicy(4, { epsilon: 0.3, seed: 5 }, statsWith([[10, 1], [10, 2], [10, 6], [10, 3]]));
    const n = 40_000;
    let greedy = 0;
    for (let i = 0; i < n; i++) if (policy.select() === 2) greedy++;
    const p = 1 - 0.3 + 0.3 / 4;
    expect(Math.abs(greedy / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
  });

  it('decays ε as min(ε0, cK/t)', () => {
    const policy = new EpsilonGreedyPolicy(10, { epsilon: 0.5, decayConstant: 2 }, statsWith(Array.from({ length: 10 }, () => [0, 0])));
    expect(policy.currentEpsilon()).toBe(0.5);
    for (let t = 0; t < 99; t++) policy.update(t % 10, 0);
    expect(policy.currentEpsilon()).toBeCloseTo(20 / 100, 12);
  });

  it('computes binomial lower tails', () => {
    expect(binomialCdfBelow(2, 0.2, 1)).toBeCloseTo(0.64, 12);
    expect(binomialCdfBelow(3, 0.5, 2)).toBeCloseTo(0.5, 12);
    expect(binomialCdfBelow(3, 0.5, 4)).toBe(1);
    expect(binomialCdfBelow(3, 0.5, 0)).toBe(0);
  });

  it('fills slots with exact propensities (hand-computed and by simulation)', () => {
    // 4 arms, k = 3: exploit order 3, 2, 1; pool = {0}. Slot 2 is replaced with probability
    // ε·P(Bin(2, ε) < 1) = 0.2 · 0.64 = 0.128.
    const stats = statsWith([[10, 0], [10, 1], [10, 2], [10, 3]]);
    const policy = new EpsilonGreedyPolicy(4, { epsilon: 0.2, seed: 9 }, stats);
    const counts = new Map<string, number>();
    const reported = new Map<string, number>();
    const n = 30_000;
    for (let i = 0; i < n; i++) {
      const fill = policy.fillSlots([0, 1, 2, 3], 3);
      expect(new Set(fill.arms).size).toBe(3);
      for (let j = 0; j < 3; j++) {
        const key = `${j}:${fill.arms[j]}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        reported.set(key, fill.propensity[j]);
        expect(fill.explore[j]).toBe(fill.arms[j] === 3 - j ? 0 : 1);
      }
    }
    expect(reported.get('0:3')).toBeCloseTo(0.8, 12);
    expect(reported.get('0:0')).toBeCloseTo(0.2, 12);
    expect(reported.get('2:1')).toBeCloseTo(1 - 0.128, 12);
    expect(reported.get('2:0')).toBeCloseTo(0.128, 12);
    for (const [key, count] of counts) {
      const p = reported.get(key) as number;
      expect(Math.abs(count / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n) + 1e-9);
    }
  });

  it('validates its input', () => {
    expect(() => new EpsilonGreedyPolicy(3, { epsilon: 1.5 })).toThrow(/epsilon/);
    const policy = new EpsilonGreedyPolicy(3, { epsilon: 0.1 });
    expect(() => policy.fillSlots([0, 0], 1)).toThrow(/eligibleArms\[1\]/);
    expect(() => policy.fillSlots([0, 1], 0)).toThrow(/k must/);
    expect(() => policy.update(0, 2)).toThrow(/reward/);
  });
});
