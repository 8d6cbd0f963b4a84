import { describe, expect, it } from 'vitest';
import { fillRequestSlots } from './slot-filling.js';

const candidates = [
  { itemId: 1, score: 0.9, pctr: 0.08 },
  { itemId: 2, score: 0.8, pctr: 0.06 },
  { itemId: 3, score: 0.7, pctr: 0.3 },
  { itemId: 4, score: 0.6, pctr: 0.01 },
];
const none = candidates.map((c) => ({ itemId: c.itemId, impressions: 0, clicks: 0 }));

describe('fillRequestSlots', () => {
  it('starts new items at their pCTR: the greedy slots follow the predicted rates', () => {
    const served = fillRequestSlots(candidates, none, { k: 2, policy: { kind: 'egreedy', epsilon: 0 }, seed: 1 });
    expect(served.map((s) => s.itemId)).toEqual([3, 1]);
    expect(served.map((s) => s.propensity)).toEqual([1, 1]);
    expect(served.every((s) => !s.explore)).toBe(true);
  });

  it('lets observed clicks override the prior', () => {
    const counts = none.map((c) => (c.itemId === 3 ? { ...c, impressions: 2000, clicks: 10 } : c));
    const served = fillRequestSlots(candidates, counts, { k: 1, policy: { kind: 'egreedy', epsilon: 0 }, seed: 1 });
    expect(served[0].itemId).toBe(1);
  });

  it('serves k distinct items with explore marks and propensities for every policy', () => {
    for (const policy of [{ kind: 'thompson' as const }, { kind: 'ucb1' as const }, { kind: 'egreedy' as const, epsilon: 0.2 }]) {
      const served = fillRequestSlots(candidates, none, { k: 3, policy, seed: 5 });
      expect(new Set(served.map((s) => s.itemId)).size).toBe(3);
      expect(served.map((s) => s.slot)).toEqual([0, 1, 2]);
      for (const s of served) expect(s.propensity).toBeGreaterThan(0);
    }
  });

  it('validates its input', () => {
    expect(() => fillRequestSlots([], [], { k: 1, policy: { kind: 'thompson' }, seed: 1 })).toThrow(/candidates/);
    expect(() => fillRequestSlots(candidates, none.slice(1), { k: 1, policy: { kind: 'thompson' }, seed: 1 })).toThrow(/counts/);
    expect(() => fillRequestSlots([{ itemId: 1, score: 1, pctr: 2 }], [{ itemId: 1, impressions: 0, clicks: 0 }], { k: 1, policy: { kind: 'thompson' }, seed: 1 })).toThrow(/pctr/);
    expect(() => fillRequestSlots(candidates, none, { k: 1, policy: { kind: 'nope' } as never, seed: 1 })).toThrow(/policy.kind/);
  });
});
