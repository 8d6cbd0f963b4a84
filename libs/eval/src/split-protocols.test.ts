import { describe, expect, it } from 'vitest';
import { leaveLastOutSplit, relevantItemsByUser, stratifiedSplit } from './split-protocols.js';

describe('stratifiedSplit', () => {
  const users: number[] = [];
  for (let u = 0; u < 20; u++) for (let j = 0; j < 10 + u; j++) users.push(u);
  it('puts round(0.75 n) of every user in train, deterministically', () => {
    const a = stratifiedSplit(users, { ratio: 0.75, seed: 42 });
    const b = stratifiedSplit(users, { ratio: 0.75, seed: 42 });
    const c = stratifiedSplit(users, { ratio: 0.75, seed: 7 });
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
    expect(a.train.length + a.test.length).toBe(users.length);
    const trainPerUser = new Map<number, number>();
    for (const r of a.train) trainPerUser.set(users[r], (trainPerUser.get(users[r]) ?? 0) + 1);
    // 10 rows → 7.5 → 8 (half to even); 11 → 8.25 → 8; 12 → 9
    expect(trainPerUser.get(0)).toBe(8);
    expect(trainPerUser.get(1)).toBe(8);
    expect(trainPerUser.get(2)).toBe(9);
  });
  it('validates options', () => {
    expect(() => stratifiedSplit(users, { ratio: 1.5 })).toThrow(/ratio/);
  });
});

describe('leaveLastOutSplit', () => {
  it('holds out the latest row of each user', () => {
    const users = [1, 1, 1, 2, 2, 3];
    const times = [5, 9, 7, 1, 1, 3];
    const split = leaveLastOutSplit(users, times);
    expect(Array.from(split.test)).toEqual([1, 4]);
    expect(Array.from(split.train)).toEqual([0, 2, 3, 5]);
    const truth = relevantItemsByUser(users, [10, 11, 12, 13, 14, 15], split.test);
    expect(truth.get(1)).toEqual(new Set([11]));
  });
  it('validates lengths', () => {
    expect(() => leaveLastOutSplit([1, 2], [1])).toThrow(/timestamps/);
  });
});
