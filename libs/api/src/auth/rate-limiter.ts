// Per-key token buckets: `ratePerSecond` tokens refill continuously up to `burst`; a request takes one.
export interface RateLimitOptions {
  ratePerSecond: number;
  burst: number;
}

export class TokenBucketRateLimiter {
  private readonly buckets = new Map<string | number, { tokens: number; at: number }>();

  constructor(
    readonly options: RateLimitOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(options.ratePerSecond > 0)) throw new Error(`rateLimit.ratePerSecond must be > 0, got ${options.ratePerSecond}`);
    if (!(options.burst >= 1)) throw new Error(`rateLimit.burst must be >= 1, got ${options.burst}`);
  }

  /** Takes one token from `key`'s bucket; false when it is empty. */
  take(key: string | number): boolean {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.options.burst, at: now };
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.options.ratePerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
