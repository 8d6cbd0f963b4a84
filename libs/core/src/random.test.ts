import { describe, expect, it } from 'vitest';
import { SeededRandom, hashString32 } from './random.js';

describe('SeededRandom', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('draws uniform, normal and beta variables with the right moments', () => {
    const r = new SeededRandom(7);
    const n = 200_000;
    let su = 0, sn = 0, sn2 = 0, sb = 0;
    for (let i = 0; i < n; i++) {
      su += r.next();
      const z = r.normal();
      sn += z;
      sn2 += z * z;
      sb += r.beta(2, 5);
    }
    expect(su / n).toBeCloseTo(0.5, 2);
    expect(sn / n).toBeCloseTo(0, 2);
    expect(sn2 / n).toBeCloseTo(1, 1);
    expect(sb / n).toBeCloseTo(2 / 7, 2);
  });

  it('hashes strings stably', () => {
    expect(hashString32('cascade')).toBe(hashString32('cascade'));
    expect(hashString32('a')).not.toBe(hashString32('b'));
  });
});
