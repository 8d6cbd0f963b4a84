import { describe, expect, it } from 'vitest';
import { BernoulliEnvironment, SegmentEnvironment, simulateBandit } from './simulator.js';
import { ThompsonPolicy } from './thompson.js';
import { Ucb1Policy } from './ucb1.js';

describe('simulateBandit', () => {
  it('reports zero regret for the best arm and the gap times the rounds for a bad one', () => {
    const environment = new BernoulliEnvironment({ rates: [0.1, 0.3] });
    const always = (arm: number) => ({
      name: 'fixed',
      armCount: 2,
      contextual: false,
      select: () => arm,
      update: () => {},
      decay: () => {},
      fillSlots: () => ({ arms: Int32Array.of(arm), explore: Uint8Array.of(0), propensity: Float64Array.of(1) }),
    });
    expect(simulateBandit(always(1), environment, { rounds: 1000, seed: 1 }).regret).toBe(0);
    const bad = simulateBandit(always(0), environment, { rounds: 1000, seed: 1, checkpoints: [100] });
    expect(bad.regret).toBeCloseTo(200, 9);
    expect(bad.regretAt[0]).toBeCloseTo(20, 9);
  });

  it('grows regret sublinearly for Thompson sampling', () => {
    const environment = BernoulliEnvironment.withBetaRates(20, 1, 5, 3);
    const result = simulateBandit(new ThompsonPolicy(20, { seed: 2 }), environment, { rounds: 20_000, seed: 4, checkpoints: [2000] });
    expect(result.regret).toBeLessThan(3 * result.regretAt[0]);
  });

  it('tracks drifting rates better with decay', () => {
    const drifting = (s: number) => () => new BernoulliEnvironment({ rates: [0.2, 0.25, 0.3, 0.15], drift: { interval: 500, scale: 0.6, seed: 9 + s } });
    let plain = 0;
    let forgetting = 0;
    for (let s = 0; s < 4; s++) {
      const environment = drifting(s);
      plain += simulateBandit(new ThompsonPolicy(4, { seed: s }), environment(), { rounds: 20_000, seed: s }).regret;
      forgetting += simulateBandit(new ThompsonPolicy(4, { seed: s }), environment(), { rounds: 20_000, seed: s, decay: { factor: 0.9, every: 100 } }).regret;
    }
    expect(forgetting).toBeLessThan(0.6 * plain);
  });

  it('draws contexts on the simplex and rejects mismatched policies', () => {
    const environment = new SegmentEnvironment({ armCount: 3, segments: 4, seed: 1 });
    const context = new Float64Array(4);
    environment.beginRound(0, context);
    expect(context.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(Math.max(...context)).toBeGreaterThanOrEqual(0.8);
    expect(() => simulateBandit(new Ucb1Policy(5), environment, { rounds: 10, seed: 1 })).toThrow(/arms/);
  });
});
