import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@cascade/core';
import { LinUcbPolicy, invertSymmetricPositiveDefinite } from './lin-ucb.js';
import { SegmentEnvironment, simulateBandit } from './simulator.js';
import { ThompsonPolicy } from './thompson.js';

describe('LinUcbPolicy', () => {
  it('scores θᵀx + α·sqrt(xᵀA⁻¹x) (hand-computed)', () => {
    const policy = new LinUcbPolicy(2, { dimension: 2, alpha: 1 });
    const x = Float64Array.of(1, 0);
    policy.update(0, 1, x); // A0 = diag(2, 1), b0 = (1, 0), θ0 = (0.5, 0)
    expect(policy.predict(0, x)).toBeCloseTo(0.5, 12);
    expect(policy.select(x)).toBe(0); // 0.5 + sqrt(0.5) = 1.207 > 0 + 1
    const narrow = new LinUcbPolicy(2, { dimension: 2, alpha: 1 });
    narrow.update(0, 0, x); // θ0 = 0, bonus sqrt(0.5) < 1
    expect(narrow.select(x)).toBe(1);
  });

  it('keeps A⁻¹ exact under Sherman–Morrison updates and decay(1)', () => {
    const random = new SeededRandom(2);
    const policy = new LinUcbPolicy(1, { dimension: 3, alpha: 0.5 });
    const x = new Float64Array(3);
    for (let t = 0; t < 200; t++) {
      for (let j = 0; j < 3; j++) x[j] = random.normal();
      policy.update(0, random.next() < 0.5 ? 1 : 0, x);
    }
    const before = Array.from({ length: 5 }, (_, i) => policy.predict(0, Float64Array.of(1, i, -i)));
    policy.decay(1); // re-inverts A from scratch
    const after = Array.from({ length: 5 }, (_, i) => policy.predict(0, Float64Array.of(1, i, -i)));
    for (let i = 0; i < 5; i++) expect(after[i]).toBeCloseTo(before[i], 9);
    const inverse = new Float64Array(4);
    invertSymmetricPositiveDefinite(Float64Array.of(4, 2, 2, 3), inverse, 2);
    expect(Array.from(inverse).map((v) => Number(v.toFixed(6)))).toEqual([0.375, -0.25, -0.25, 0.5]);
  });

  it('beats a non-contextual policy when the best arm depends on the user', () => {
    const environment = () => new SegmentEnvironment({ armCount: 10, segments: 3, seed: 5, rateAlpha: 1, rateBeta: 4 });
    const lin = simulateBandit(new LinUcbPolicy(10, { dimension: 3, alpha: 0.5 }), environment(), { rounds: 8000, seed: 1 });
    const ts = simulateBandit(new ThompsonPolicy(10, { seed: 1 }), environment(), { rounds: 8000, seed: 1 });
    expect(lin.regret).toBeLessThan(ts.regret);
  });

  it('validates contexts', () => {
    const policy = new LinUcbPolicy(2, { dimension: 2 });
    expect(() => policy.select()).toThrow(/context/);
    expect(() => policy.update(0, 1, new Float64Array(3))).toThrow(/context/);
  });
});
