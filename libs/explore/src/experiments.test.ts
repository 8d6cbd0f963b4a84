import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@cascade/core';
import { assignVariant, validateVariants } from './experiment-assignment.js';
import { decideExperiment } from './experiment-decision.js';
import {
  fixedHorizonSampleSize,
  mixtureSequentialTest,
  normalCdf,
  normalQuantile,
  twoProportionZTest,
  wilsonInterval,
} from './experiment-statistics.js';

describe('assignVariant', () => {
  const variants = [
    { name: 'control', weight: 5 },
    { name: 'b', weight: 3 },
    { name: 'c', weight: 2 },
  ];

  it('is deterministic and close to the configured split (chi-square)', () => {
    const n = 30_000;
    const counts = new Map<string, number>();
    for (let u = 0; u < n; u++) {
      const v = assignVariant(`user-${u}`, 'exp-1', variants).name;
      expect(assignVariant(`user-${u}`, 'exp-1', variants).name).toBe(v);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    let chi2 = 0;
    for (const v of variants) {
      const expected = (n * v.weight) / 10;
      chi2 += ((counts.get(v.name) ?? 0) - expected) ** 2 / expected;
    }
    expect(chi2).toBeLessThan(13.8); // χ²(2) at p = 0.001
  });

  it('splits users independently across experiments', () => {
    const two = [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }];
    let same = 0;
    const n = 20_000;
    for (let u = 0; u < n; u++) if (assignVariant(u, 'x', two).name === assignVariant(u, 'y', two).name) same++;
    expect(Math.abs(same / n - 0.5)).toBeLessThan(0.02);
  });

  it('validates variants', () => {
    expect(() => validateVariants([{ name: 'a', weight: 1 }])).toThrow(/at least two/);
    expect(() => validateVariants([{ name: 'a', weight: 1 }, { name: 'a', weight: 1 }])).toThrow(/repeated/);
    expect(() => validateVariants([{ name: 'a', weight: 1 }, { name: 'b', weight: 0 }])).toThrow(/variants\[1\]\.weight/);
  });
});

describe('experiment statistics', () => {
  it('computes the normal CDF and quantile', () => {
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655254, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 6);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621234, 6);
  });

  it('computes Wilson intervals (hand-computed)', () => {
    // p = 0.1, n = 100, z = 1.96: centre 0.11325, half-width 0.06056.
    const ci = wilsonInterval(10, 100);
    expect(ci.lower).toBeCloseTo(0.05523, 4);
    expect(ci.upper).toBeCloseTo(0.17437, 4);
    expect(wilsonInterval(0, 0)).toEqual({ rate: 0, lower: 0, upper: 1 });
  });

  it('runs the two-proportion z-test (hand-computed)', () => {
    // 100/1000 vs 130/1000: pooled 0.115, se = sqrt(0.115·0.885·0.002) = 0.014267, z = 2.1028.
    const t = twoProportionZTest(100, 1000, 130, 1000);
    expect(t.difference).toBeCloseTo(0.03, 12);
    expect(t.z).toBeCloseTo(2.1028, 3);
    expect(t.pValue).toBeCloseTo(0.0355, 3);
    expect(() => twoProportionZTest(5, 3, 1, 10)).toThrow(/clicks of the control/);
  });

  it('plans fixed-horizon sample sizes', () => {
    // Classic example: p1 = 0.10 → 0.12 at α = 0.05, power 0.8 needs ≈ 3841 per arm.
    const n = fixedHorizonSampleSize({ baselineRate: 0.1, minimumDetectableLift: 0.2 });
    expect(Math.abs(n - 3841)).toBeLessThan(5);
    expect(() => fixedHorizonSampleSize({ baselineRate: 0, minimumDetectableLift: 0.1 })).toThrow(/baselineRate/);
  });

  it('keeps the mSPRT valid under continuous monitoring (A/A), unlike a peeking z-test', () => {
    const random = new SeededRandom(21);
    const experiments = 300;
    let sequentialRejections = 0;
    let peekingRejections = 0;
    for (let e = 0; e < experiments; e++) {
      let ca = 0, cb = 0, n = 0;
      let sequential = false, peeking = false;
      for (let look = 0; look < 40; look++) {
        for (let i = 0; i < 250; i++) {
          if (random.next() < 0.05) ca++;
          if (random.next() < 0.05) cb++;
        }
        n += 250;
        if (mixtureSequentialTest(ca, n, cb, n, 0.005).pValue <= 0.05) sequential = true;
        if (twoProportionZTest(ca, n, cb, n).pValue < 0.05) peeking = true;
      }
      if (sequential) sequentialRejections++;
      if (peeking) peekingRejections++;
    }
    expect(sequentialRejections / experiments).toBeLessThanOrEqual(0.06);
    expect(peekingRejections / experiments).toBeGreaterThan(0.1);
  });
});

describe('decideExperiment', () => {
  const fixed = { kind: 'fixed-horizon' as const, baselineRate: 0.05, minimumDetectableLift: 0.2 };

  it('decides nothing before the fixed horizon, even on a large observed effect', () => {
    const d = decideExperiment(fixed, [
      { name: 'control', impressions: 2000, clicks: 80 },
      { name: 'b', impressions: 2000, clicks: 160 },
    ]);
    expect(d.status).toBe('continue');
    expect(d.winner).toBeNull();
    expect(d.requiredImpressionsPerVariant).toBe(fixedHorizonSampleSize({ baselineRate: 0.05, minimumDetectableLift: 0.2 }));
  });

  it('names the winner at the horizon, or keeps the control when nothing differs', () => {
    const n = 10_000;
    expect(decideExperiment(fixed, [{ name: 'control', impressions: n, clicks: 500 }, { name: 'b', impressions: n, clicks: 640 }]).winner).toBe('b');
    const tie = decideExperiment(fixed, [{ name: 'control', impressions: n, clicks: 500 }, { name: 'b', impressions: n, clicks: 510 }]);
    expect(tie.status).toBe('no-difference');
    expect(tie.winner).toBe('control');
    const worse = decideExperiment(fixed, [{ name: 'control', impressions: n, clicks: 640 }, { name: 'b', impressions: n, clicks: 500 }]);
    expect(worse.winner).toBe('control');
    expect(worse.status).toBe('winner');
  });

  it('stops a sequential test as soon as the always-valid p-value allows, and keeps its running minimum', () => {
    const rule = { kind: 'sequential' as const, baselineRate: 0.05, minimumDetectableLift: 0.2 };
    const strong = decideExperiment(rule, [{ name: 'control', impressions: 20_000, clicks: 1000 }, { name: 'b', impressions: 20_000, clicks: 1300 }]);
    expect(strong.status).toBe('winner');
    expect(strong.winner).toBe('b');
    const weak = decideExperiment(rule, [{ name: 'control', impressions: 1000, clicks: 50 }, { name: 'b', impressions: 1000, clicks: 52 }], { b: 0.2 });
    expect(weak.status).toBe('continue');
    expect(weak.comparisons[0].alwaysValidPValue).toBeLessThanOrEqual(0.2);
  });
});
