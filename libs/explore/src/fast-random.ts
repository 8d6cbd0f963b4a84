import { SeededRandom } from '@cascade/core';

/**
 * xoshiro128** with its state kept as signed 32-bit integers (small integers to V8, so an update
 * allocates nothing): the same generator as `SeededRandom`, for the bandit hot loops, where
 * `SeededRandom`'s unsigned state words (stored as heap numbers) cost 15–30 ns per draw. Seeded from
 * `SeededRandom(seed)`, so a run is reproducible from one integer seed.
 */
export class FastRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const seeder = new SeededRandom(seed);
    this.a = seeder.nextUint32() | 0;
    this.b = seeder.nextUint32() | 0;
    this.c = seeder.nextUint32() | 0;
    this.d = seeder.nextUint32() | 0;
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Uniform 32-bit integer, as a signed int32. */
  nextInt32(): number {
    const b = this.b;
    const m = Math.imul(b, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    const t = b << 9;
    this.c ^= this.a;
    this.d ^= b;
    this.b = b ^ this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return result;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    return this.nextInt32() >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return (this.nextInt32() >>> 0) * 2.3283064365386963e-10;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }
}
