import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@cascade/core';
import { topPositions, topPositionsInto } from './policy.js';

describe('top-k helpers', () => {
  it('agree with a full sort, ties in input order', () => {
    const random = new SeededRandom(3);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + random.int(40);
      const values = Array.from({ length: n }, () => random.int(10));
      const k = 1 + random.int(n);
      const out = new Int32Array(k);
      topPositionsInto(values, k, out);
      expect(Array.from(out)).toEqual(Array.from(topPositions(values, k)));
    }
  });
});
