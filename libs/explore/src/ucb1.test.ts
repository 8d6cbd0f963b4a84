import { describe, expect, it } from 'vitest';
import { ArmStatistics } from './arm-statistics.js';
import { BernoulliEnvironment, simulateBandit } from './simulator.js';
import { Ucb1Policy } from './ucb1.js';

describe('Ucb1Policy', () => {
  it('scores mean + c·sqrt(2 ln t / n) (hand-computed)', () => {
    const stats = new ArmStatistics(2);
    stats.setCounts(0, 10, 5);
    stats.setCounts(1, 20, 14);
    const policy = new Ucb1Policy(2, {}, stats);
    const index = policy.indices();
    expect(index[0]).toBeCloseTo(0.5 + Math.sqrt((2 * Math.log(30)) / 10), 12);
    expect(index[1]).toBeCloseTo(0.7 + Math.sqrt((2 * Math.log(30)) / 20), 12);
    expect(policy.select()).toBe(0); // 1.3248 > 1.2832
    const narrow = new Ucb1Policy(2, { explorationConstant: 0.1 }, stats);
    expect(narrow.select()).toBe(1); // 0.5825 < 0.7583
  });

  it('plays unplayed arms first, the highest prior mean first', () => {
    const stats = new ArmStatistics(3);
    stats.setCounts(0, 5, 5);
    stats.setPriorFromRate(1, 0.01, 10);
    stats.setPriorFromRate(2, 0.2, 10);
    const policy = new Ucb1Policy(3, {}, stats);
    expect(policy.select()).toBe(2);
    policy.update(2, 0);
    expect(policy.select()).toBe(1);
  });

  it('converges to the best arm', () => {
    const policy = new Ucb1Policy(5);
    const environment = new BernoulliEnvironment({ rates: [0.1, 0.2, 0.3, 0.4, 0.6] });
    simulateBandit(policy, environment, { rounds: 5000, seed: 3 });
    expect(policy.stats.pulls[4] / 5000).toBeGreaterThan(0.7);
  });

  it('fills slots deterministically with propensity 1 and marks bonus-driven picks as explore', () => {
    const stats = new ArmStatistics(3);
    stats.setCounts(0, 1000, 300);
    stats.setCounts(1, 2, 0);
    stats.setCounts(2, 1000, 100);
    const fill = new Ucb1Policy(3, {}, stats).fillSlots([0, 1, 2], 2);
    expect(Array.from(fill.arms)).toEqual([1, 0]);
    expect(Array.from(fill.propensity)).toEqual([1, 1]);
    expect(Array.from(fill.explore)).toEqual([1, 0]);
  });
});
