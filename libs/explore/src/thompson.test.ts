import { describe, expect, it } from 'vitest';
import { ArmStatistics } from './arm-statistics.js';
import { BernoulliEnvironment, simulateBandit } from './simulator.js';
import { ThompsonPolicy } from './thompson.js';

function frequencies(policy: ThompsonPolicy, draws: number): Float64Array {
  const counts = new Float64Array(policy.armCount);
  for (let i = 0; i < draws; i++) counts[policy.select()] += 1 / draws;
  return counts;
}

describe('ThompsonPolicy', () => {
  it('plays arm 0 with P(Beta(2,1) > Beta(1,2)) = 5/6 (hand-computed)', () => {
    const stats = new ArmStatistics(2);
    stats.setCounts(0, 1, 1); // Beta(2, 1)
    stats.setCounts(1, 1, 0); // Beta(1, 2)
    const n = 40_000;
    const p = frequencies(new ThompsonPolicy(2, { seed: 3 }, stats), n)[0];
    expect(Math.abs(p - 5 / 6)).toBeLessThan(4 * Math.sqrt((5 / 36) / n));
  });

  it('samples only what is needed without changing the decision distribution', () => {
    // A clear leader, a close contender and many weak arms whose tails sometimes win (δ = 0.2 makes
    // the tail path frequent, so a wrong tail law would show).
    const build = () => {
      const stats = new ArmStatistics(30);
      stats.setCounts(0, 300, 30);
      stats.setCounts(1, 200, 17);
      for (let a = 2; a < 30; a++) stats.setCounts(a, 40, 2);
      return stats;
    };
    const n = 60_000;
    const pruned = new ThompsonPolicy(30, { seed: 1, pruneDelta: 0.2 }, build());
    const exact = new ThompsonPolicy(30, { seed: 2, prune: false }, build());
    const a = frequencies(pruned, n);
    const b = frequencies(exact, n);
    let weak = 0;
    for (let arm = 0; arm < 30; arm++) {
      const p = (a[arm] + b[arm]) / 2;
      expect(Math.abs(a[arm] - b[arm])).toBeLessThan(4.5 * Math.sqrt((2 * p * (1 - p)) / n) + 1e-4);
      if (arm >= 2) weak += b[arm];
    }
    expect(weak).toBeGreaterThan(0.05); // the weak arms do win through their tails
    expect(pruned.sampledArms / n).toBeLessThan(25); // and most of them were never sampled
  });

  it('converges to the best arm', () => {
    const policy = new ThompsonPolicy(5, { seed: 4 });
    const environment = new BernoulliEnvironment({ rates: [0.1, 0.2, 0.3, 0.4, 0.6] });
    simulateBandit(policy, environment, { rounds: 5000, seed: 3 });
    expect(policy.stats.pulls[4] / 5000).toBeGreaterThan(0.8);
  });

  it('starts a new arm at its pCTR prior', () => {
    const stats = new ArmStatistics(2);
    stats.setPriorFromRate(0, 0.3, 1000);
    stats.setPriorFromRate(1, 0.01, 1000);
    expect(stats.posteriorMean(0)).toBeCloseTo(0.3, 9);
    expect(frequencies(new ThompsonPolicy(2, { seed: 8 }, stats), 2000)[0]).toBeCloseTo(1, 9);
  });

  it('fills distinct slots with Monte-Carlo propensities that match the served frequencies', () => {
    const stats = new ArmStatistics(4);
    stats.setCounts(0, 20, 8);
    stats.setCounts(1, 20, 6);
    stats.setCounts(2, 20, 4);
    stats.setCounts(3, 20, 2);
    const policy = new ThompsonPolicy(4, { seed: 6, propensityDraws: 400 }, stats);
    const n = 3000;
    const shown = new Map<string, number>();
    const reported = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const fill = policy.fillSlots([0, 1, 2, 3], 2);
      expect(fill.arms[0]).not.toBe(fill.arms[1]);
      for (let j = 0; j < 2; j++) {
        const key = `${j}:${fill.arms[j]}`;
        shown.set(key, (shown.get(key) ?? 0) + 1);
        (reported.get(key) ?? reported.set(key, []).get(key) ?? []).push(fill.propensity[j]);
        expect(fill.explore[j]).toBe(fill.arms[j] >= 2 ? 1 : 0);
      }
    }
    for (const [key, count] of shown) {
      const values = reported.get(key) as number[];
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      expect(Math.abs(mean - count / n)).toBeLessThan(0.04);
    }
  });
});
