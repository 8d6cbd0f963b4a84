// Sign-in attempts per email: at most `limit` in any `windowMs` (default 10 a minute), counted whether they
// succeed or not, so a password cannot be guessed faster than that through one address.
export class SignInRateLimiter {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    readonly limit = 10,
    readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit: must be a positive integer, got ${limit}`);
    if (!(windowMs > 0)) throw new Error(`windowMs: must be > 0, got ${windowMs}`);
  }

  /** Records an attempt for `key`; false (and nothing recorded) when the window is already full. */
  take(key: string): boolean {
    const now = this.now();
    const since = now - this.windowMs;
    const recent = (this.attempts.get(key) ?? []).filter((t) => t > since);
    if (recent.length >= this.limit) {
      this.attempts.set(key, recent);
      return false;
    }
    recent.push(now);
    if (this.attempts.size >= 10_000 && !this.attempts.has(key)) this.prune(since);
    this.attempts.set(key, recent);
    return true;
  }

  private prune(since: number): void {
    for (const [key, times] of this.attempts) if (!times.some((t) => t > since)) this.attempts.delete(key);
    // still full of live keys (a flood of addresses): start over rather than grow without bound
    if (this.attempts.size >= 10_000) this.attempts.clear();
  }
}
