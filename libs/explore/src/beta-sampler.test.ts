import { describe, expect, it } from 'vitest';
import { BetaSampler } from './beta-sampler.js';
import { FastRandom } from './fast-random.js';
import { logGamma, regularizedIncompleteBeta } from './incomplete-beta.js';

describe('BetaSampler', () => {
  it('draws normal, gamma and beta variables with the right moments', () => {
    const sampler = new BetaSampler(new FastRandom(11));
    const n = 200_000;
    let s1 = 0, s2 = 0, s4 = 0, tail = 0;
    for (let i = 0; i < n; i++) {
      const z = sampler.normal();
      s1 += z;
      s2 += z * z;
      s4 += z ** 4;
      if (z > 2) tail++;
    }
    expect(Math.abs(s1 / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.015);
    expect(Math.abs(s4 / n - 3)).toBeLessThan(0.08);
    expect(Math.abs(tail / n - 0.02275)).toBeLessThan(0.0015);
    for (const [a, b] of [[0.5, 3], [1, 1], [3, 40], [200, 800]]) {
      let m = 0, v = 0;
      for (let i = 0; i < n; i++) {
        const x = sampler.beta(a, b);
        m += x;
        v += x * x;
      }
      m /= n;
      v = v / n - m * m;
      const mean = a / (a + b);
      const variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
      expect(Math.abs(m - mean)).toBeLessThan(5 * Math.sqrt(variance / n));
      expect(Math.abs(v / variance - 1)).toBeLessThan(0.03);
    }
  });

  it('computes the regularised incomplete beta', () => {
    expect(regularizedIncompleteBeta(0.5, 2, 3)).toBeCloseTo(11 / 16, 12); // P(Bin(4, ½) ≥ 2)
    expect(regularizedIncompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(regularizedIncompleteBeta(0.9, 5, 2)).toBeCloseTo(6 * 0.9 ** 5 * 0.1 + 0.9 ** 6, 12) // P(Bin(6, 0.9) ≥ 5);
    // Large parameters (a heavily shown arm): normal approximation of Beta(2000, 98000) at mean + 2 sd.
    const mean = 0.02;
    const sd = Math.sqrt((mean * (1 - mean)) / 100_001);
    expect(1 - regularizedIncompleteBeta(mean + 2 * sd, 2000, 98_000)).toBeCloseTo(0.0228, 2);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });
});
