import { SeededRandom } from '@cascade/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ArmStatistics } from './arm-statistics.js';
import { BetaSampler } from './beta-sampler.js';
import { FastRandom } from './fast-random.js';
import { exploreEngineFromEnv, exploreEngineInfo, loadNativeExplore, resolveExploreEngine } from './native-explore.js';
import { topPositionsInto } from './policy.js';
import { fillRequestSlots } from './slot-filling.js';
import { ThompsonPolicy } from './thompson.js';

const native = loadNativeExplore() !== null;

/**
 * A slot-filling problem like serving's: n candidates in ranker order with pCTR priors (strength 20) and a
 * mix of cold arms (a < 1: the tail sampler's first envelope), arms with clicks (a >= 1: the log-concave
 * envelope) and a few strong ones (the direct path).
 */
function problem(n: number, seed: number): ArmStatistics {
  const random = new SeededRandom(seed);
  const stats = new ArmStatistics(n);
  const pctr = Array.from({ length: n }, () => Math.min(0.9, Math.exp(Math.log(0.04) + 0.8 * random.normal()))).sort((a, b) => b - a);
  for (let i = 0; i < n; i++) {
    stats.setPriorFromRate(i, pctr[i], 20);
    if (random.next() < 0.5) {
      const impressions = Math.floor(Math.exp(random.next() * 6));
      stats.setCounts(i, impressions, Math.round(impressions * pctr[i] * (0.5 + random.next())));
    }
  }
  return stats;
}

/** Reference law of the served list: P(arm i in slot j) from `rankings` full JavaScript rankings. */
function referenceSlots(stats: ArmStatistics, k: number, rankings: number, seed: number): Float64Array[] {
  const n = stats.armCount;
  const sampler = new BetaSampler(new FastRandom(seed));
  const samples = new Float64Array(n);
  const top = new Int32Array(k);
  const p = Array.from({ length: k }, () => new Float64Array(n));
  for (let r = 0; r < rankings; r++) {
    for (let i = 0; i < n; i++) samples[i] = sampler.beta(stats.priorAlpha[i] + stats.rewards[i], stats.priorBeta[i] + stats.pulls[i] - stats.rewards[i]);
    topPositionsInto(samples, k, top);
    for (let j = 0; j < k; j++) p[j][top[j]] += 1 / rankings;
  }
  return p;
}

describe('exploration engine selection', () => {
  afterEach(() => {
    delete process.env.CASCADE_EXPLORE_ENGINE;
  });

  it('reads and validates CASCADE_EXPLORE_ENGINE', () => {
    expect(exploreEngineFromEnv()).toBe('auto');
    process.env.CASCADE_EXPLORE_ENGINE = 'js';
    expect(exploreEngineFromEnv()).toBe('js');
    expect(resolveExploreEngine().kind).toBe('js');
    expect(exploreEngineInfo().engine).toBe('js');
    process.env.CASCADE_EXPLORE_ENGINE = 'reference';
    expect(resolveExploreEngine().kind).toBe('reference');
    if (native) expect(resolveExploreEngine('native').kind).toBe('native');
    else expect(() => resolveExploreEngine('native')).toThrow(/native exploration engine/);
    process.env.CASCADE_EXPLORE_ENGINE = 'gpu';
    expect(() => exploreEngineFromEnv()).toThrow(/CASCADE_EXPLORE_ENGINE/);
  });

  it('validates the engine option', () => {
    const stats = problem(10, 1);
    expect(() => new ThompsonPolicy(10, { engine: 'gpu' as never }, stats)).toThrow(/engine/);
    const candidates = [{ itemId: 1, score: 1, pctr: 0.1 }];
    const counts = [{ itemId: 1, impressions: 0, clicks: 0 }];
    expect(() => fillRequestSlots(candidates, counts, { k: 1, policy: { kind: 'thompson', engine: 'gpu' as never }, seed: 1 })).toThrow(/policy.engine/);
    expect(fillRequestSlots(candidates, counts, { k: 1, policy: { kind: 'thompson', engine: 'js' }, seed: 1 })[0].itemId).toBe(1);
  });
});

const engines = native ? (['native', 'js'] as const) : (['js'] as const);

describe.each(engines)('Thompson slot filling, %s engine', (engine) => {

  it('is deterministic for a seed and fills distinct slots', () => {
    const fill = (seed: number) => new ThompsonPolicy(60, { seed, engine }, problem(60, 2)).fillSlots(Int32Array.from({ length: 60 }, (_, i) => i), 8);
    const a = fill(5);
    expect(fill(5)).toEqual(a);
    expect(new Set(a.arms).size).toBe(8);
    for (const p of a.propensity) expect(p).toBeGreaterThan(0);
    const others = [6, 7, 8, 9].map((s) => Array.from(fill(s).arms).join());
    expect(others.some((o) => o !== Array.from(a.arms).join())).toBe(true);
  });

  it('serves each slot with the same law as the JavaScript reference, with matching propensities', () => {
    // 40 arms, 4 slots: the served arms of many native calls against the slot law of 40 000 JS rankings, and
    // the native propensity estimates (D = 200 further rankings) against the same reference.
    const n = 40;
    const k = 4;
    const draws = 200;
    const stats = problem(n, 3);
    const reference = referenceSlots(stats, k, 40_000, 11);
    const calls = 3000;
    const policy = new ThompsonPolicy(n, { seed: 17, engine, propensityDraws: draws }, stats);
    const eligible = Int32Array.from({ length: n }, (_, i) => i);
    const served = Array.from({ length: k }, () => new Float64Array(n));
    const estimated = new Float64Array(k);
    const expected = new Float64Array(k);
    for (let c = 0; c < calls; c++) {
      const fill = policy.fillSlots(eligible, k);
      for (let j = 0; j < k; j++) {
        served[j][fill.arms[j]] += 1 / calls;
        estimated[j] += (fill.propensity[j] * (1 + draws) - 1) / draws / calls; // hits / D
        expected[j] += reference[j][fill.arms[j]] / calls;
      }
    }
    let covered = 0;
    for (let j = 0; j < k; j++) {
      for (let arm = 0; arm < n; arm++) {
        const p = reference[j][arm];
        const se = Math.sqrt(Math.max(p * (1 - p), 1e-4) * (1 / calls + 1 / 40_000));
        expect(Math.abs(served[j][arm] - p)).toBeLessThan(4.5 * se);
        covered += p;
      }
      // Mean propensity estimate of the served arm vs its reference probability (reference error ~0.003).
      expect(Math.abs(estimated[j] - expected[j])).toBeLessThan(0.012);
    }
    expect(covered).toBeCloseTo(k, 6);
  });

  it('handles edge cases: k = n, no further draws, extreme and tied posteriors', () => {
    const stats = new ArmStatistics(6);
    stats.setPriorFromRate(0, 1, 20); // a ≈ 20, b ≈ 2e-5: draws round to 1
    stats.setPriorFromRate(1, 0, 20); // a ≈ 2e-5: draws underflow to 0 (ties, broken by input order)
    stats.setPriorFromRate(2, 0, 20);
    stats.setPriorFromRate(3, 0.5, 0.5); // a, b < 1
    stats.setPriorFromRate(4, 0.01, 20);
    stats.setCounts(4, 1_000_000, 10_000); // a very narrow posterior
    stats.setPriorFromRate(5, 0.3, 20);
    const eligible = Int32Array.from({ length: 6 }, (_, i) => i);
    const all = new ThompsonPolicy(6, { seed: 1, engine }, stats).fillSlots(eligible, 6);
    expect([...all.arms].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(all.arms[0]).toBe(0);
    // Arms 1 and 2 almost always draw exactly 0, so they take the last two slots in input order.
    expect([...all.arms.slice(4)]).toEqual([1, 2]);
    const none = new ThompsonPolicy(6, { seed: 2, engine, propensityDraws: 0 }, stats).fillSlots(eligible, 3);
    expect([...none.propensity]).toEqual([1, 1, 1]);
    // Served law of slots 1–2 (arm 0 always takes slot 0) against the JavaScript reference.
    const reference = referenceSlots(stats, 3, 20_000, 13);
    const policy = new ThompsonPolicy(6, { seed: 3, engine, propensityDraws: 4 }, stats);
    const calls = 20_000;
    const served = [new Float64Array(6), new Float64Array(6), new Float64Array(6)];
    for (let c = 0; c < calls; c++) {
      const fill = policy.fillSlots(eligible, 3);
      for (let j = 0; j < 3; j++) served[j][fill.arms[j]] += 1 / calls;
    }
    for (let j = 0; j < 3; j++) {
      for (let arm = 0; arm < 6; arm++) {
        const p = reference[j][arm];
        expect(Math.abs(served[j][arm] - p)).toBeLessThan(4.5 * Math.sqrt(Math.max(p * (1 - p), 1e-4) * (2 / calls)));
      }
    }
  });

  it('lets cold arms win through their tails as often as the JavaScript reference does', () => {
    // Four strong arms and 96 cold ones (pCTR priors 0.02–0.05, a < 1): the chance that a slot goes to a
    // cold arm is decided by the tail sampler alone once the thresholds have risen.
    const n = 100;
    const k = 3;
    const stats = new ArmStatistics(n);
    for (let i = 0; i < n; i++) stats.setPriorFromRate(i, i < 4 ? 0.15 : 0.02 + (0.03 * (n - i)) / n, 20);
    for (let i = 0; i < 4; i++) stats.setCounts(i, 200, 30);
    const rankings = 40_000;
    const reference = referenceSlots(stats, k, rankings, 12);
    const calls = 4000;
    const policy = new ThompsonPolicy(n, { seed: 23, engine, propensityDraws: 8 }, stats);
    const eligible = Int32Array.from({ length: n }, (_, i) => i);
    const cold = new Float64Array(k);
    for (let c = 0; c < calls; c++) {
      const fill = policy.fillSlots(eligible, k);
      for (let j = 0; j < k; j++) if (fill.arms[j] >= 4) cold[j] += 1 / calls;
    }
    for (let j = 0; j < k; j++) {
      let p = 0;
      for (let arm = 4; arm < n; arm++) p += reference[j][arm];
      expect(p).toBeGreaterThan(0.05);
      expect(Math.abs(cold[j] - p)).toBeLessThan(4.5 * Math.sqrt(p * (1 - p) * (1 / calls + 1 / rankings)));
    }
  });

  it('matches the reference on a serving-sized request (500 candidates, 20 slots)', () => {
    // Summary of the served list: the ranker position of the arm in each slot, averaged over requests, and
    // the mean propensity, for both engines (same estimator, independent streams).
    const n = 500;
    const k = 20;
    const stats = problem(n, 4);
    const eligible = Int32Array.from({ length: n }, (_, i) => i);
    const summary = (which: 'reference' | 'native' | 'js', calls: number) => {
      const policy = new ThompsonPolicy(n, { seed: which === 'reference' ? 101 : 202, engine: which }, stats);
      const position = new Float64Array(k);
      const square = new Float64Array(k);
      const propensity = new Float64Array(k);
      const propensitySquare = new Float64Array(k);
      for (let c = 0; c < calls; c++) {
        const fill = policy.fillSlots(eligible, k);
        for (let j = 0; j < k; j++) {
          position[j] += fill.arms[j] / calls;
          square[j] += (fill.arms[j] * fill.arms[j]) / calls;
          propensity[j] += fill.propensity[j] / calls;
          propensitySquare[j] += fill.propensity[j] ** 2 / calls;
        }
      }
      return {
        position,
        variance: square.map((s, j) => s - position[j] ** 2),
        propensity,
        propensityVariance: propensitySquare.map((s, j) => s - propensity[j] ** 2),
      };
    };
    const js = summary('reference', 120);
    const nat = summary(engine, 1200);
    for (let j = 0; j < k; j++) {
      const se = Math.sqrt(js.variance[j] / 120 + nat.variance[j] / 1200);
      expect(Math.abs(js.position[j] - nat.position[j])).toBeLessThan(4.5 * se + 0.5);
      const seP = Math.sqrt(js.propensityVariance[j] / 120 + nat.propensityVariance[j] / 1200);
      expect(Math.abs(js.propensity[j] - nat.propensity[j])).toBeLessThan(4.5 * seP + 1e-3);
    }
  });
});
