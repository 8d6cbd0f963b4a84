import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@cascade/core';
import { inversePropensityEstimate, replayEvaluate, type LoggedDecision } from './offline-evaluation.js';
import type { BanditPolicy, SlotFill } from './policy.js';
import { BernoulliEnvironment, simulateBandit } from './simulator.js';
import { ThompsonPolicy } from './thompson.js';

const rates = [0.05, 0.1, 0.2, 0.35, 0.15];

function uniformLog(n: number, seed: number): LoggedDecision[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: n }, () => {
    const arm = random.int(rates.length);
    return { arm, reward: random.next() < rates[arm] ? 1 : 0, propensity: 1 / rates.length };
  });
}

/** Always plays one arm: its true click rate is that arm's rate. */
class FixedArmPolicy implements BanditPolicy {
  readonly name = 'fixed';
  readonly contextual = false;
  constructor(readonly armCount: number, private readonly arm: number) {}
  select(): number {
    return this.arm;
  }
  update(): void {}
  decay(): void {}
  fillSlots(): SlotFill {
    return { arms: Int32Array.of(this.arm), explore: Uint8Array.of(0), propensity: Float64Array.of(1) };
  }
}

describe('offline evaluation', () => {
  it('replay of a uniformly random logger estimates a policy’s true click rate within two standard errors', () => {
    // Over 20 independent logs, ~95% of the estimates must fall within 2 SE (≥ 17 of 20: a 1.5% miss
    // chance for a correct estimator), and the pooled estimate within 2 pooled SE.
    let within = 0;
    let pooled = 0;
    let pooledVariance = 0;
    const logs = 20;
    for (let seed = 1; seed <= logs; seed++) {
      const result = replayEvaluate(new FixedArmPolicy(5, 3), uniformLog(20_000, seed));
      expect(result.events).toBeGreaterThan(3500);
      if (Math.abs(result.estimate - rates[3]) < 2 * result.standardError) within++;
      pooled += result.estimate / logs;
      pooledVariance += result.standardError ** 2 / logs ** 2;
    }
    expect(within).toBeGreaterThanOrEqual(17);
    expect(Math.abs(pooled - rates[3])).toBeLessThan(2 * Math.sqrt(pooledVariance));
  });

  it('replay of a learning policy matches its online click rate', () => {
    // Thompson over the same number of rounds online, averaged over seeds, vs. its replay estimate.
    const log = uniformLog(100_000, 2);
    const replay = replayEvaluate(new ThompsonPolicy(5, { seed: 3 }), log);
    let online = 0;
    const seeds = 20;
    for (let s = 0; s < seeds; s++) {
      const result = simulateBandit(new ThompsonPolicy(5, { seed: 10 + s }), new BernoulliEnvironment({ rates }), { rounds: replay.events, seed: 50 + s });
      online += result.clicks / result.rounds / seeds;
    }
    expect(Math.abs(replay.estimate - online)).toBeLessThan(2 * replay.standardError + 0.01);
  });

  it('IPS with logged propensities is unbiased for a fixed target policy', () => {
    // An ε-greedy logger (ε = 0.3, greedy arm 1), known propensities; the target always plays arm 3.
    const random = new SeededRandom(4);
    const log: LoggedDecision[] = [];
    for (let i = 0; i < 60_000; i++) {
      const arm = random.next() < 0.3 ? random.int(5) : 1;
      const propensity = arm === 1 ? 0.7 + 0.3 / 5 : 0.3 / 5;
      log.push({ arm, reward: random.next() < rates[arm] ? 1 : 0, propensity });
    }
    const target = (e: LoggedDecision) => (e.arm === 3 ? 1 : 0);
    const ips = inversePropensityEstimate(log, target);
    expect(Math.abs(ips.estimate - rates[3])).toBeLessThan(2.5 * ips.standardError);
    const snips = inversePropensityEstimate(log, target, { selfNormalized: true });
    expect(Math.abs(snips.estimate - rates[3])).toBeLessThan(0.03);
    expect(() => inversePropensityEstimate([{ arm: 0, reward: 1 }], target)).toThrow(/propensity/);
  });
});
