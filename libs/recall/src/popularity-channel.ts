// Time-decayed popularity: each interaction adds weight · 2^(-(now − t) / halfLife). Scores are kept relative
// to a fixed reference time (in log-free form, rescaled when they grow large), so recording is O(1) and the
// ranking does not change as time passes; the sorted top list is rebuilt lazily when something changed.
import type { ChannelResult } from './channel-result.js';

export interface PopularityOptions {
  /** Half-life of an interaction's weight, in milliseconds (default 7 days). */
  halfLifeMs?: number;
  /** How many items the cached ranking keeps per list (default 2000). */
  keep?: number;
}

export class DecayedPopularity {
  private readonly halfLifeMs: number;
  private readonly keep: number;
  private referenceTime = 0;
  private readonly scores = new Map<number, number>();
  private readonly categoriesOf = new Map<number, readonly string[]>();
  private ranked: Int32Array | null = null;
  private rankedScores: Float32Array | null = null;
  private byCategory = new Map<string, number[]>();

  constructor(options: PopularityOptions = {}) {
    this.halfLifeMs = options.halfLifeMs ?? 7 * 24 * 3600 * 1000;
    this.keep = options.keep ?? 2000;
    if (!(this.halfLifeMs > 0)) throw new Error(`halfLifeMs: must be > 0, got ${this.halfLifeMs}`);
    if (!Number.isInteger(this.keep) || this.keep < 1) throw new Error(`keep: must be a positive integer, got ${this.keep}`);
  }

  /** Sets the item's categories (for category-restricted cold start). */
  setCategories(itemId: number, categories: readonly string[]): void {
    this.categoriesOf.set(itemId, categories);
    this.ranked = null;
  }

  record(itemId: number, occurredAt: number, weight = 1): void {
    if (!Number.isFinite(occurredAt)) throw new Error(`occurredAt: must be a finite epoch-ms time, got ${occurredAt}`);
    if (!Number.isFinite(weight)) throw new Error(`weight: must be finite, got ${weight}`);
    if (this.scores.size === 0 && this.referenceTime === 0) this.referenceTime = occurredAt;
    let factor = Math.pow(2, (occurredAt - this.referenceTime) / this.halfLifeMs);
    if (factor > 1e12) {
      // move the reference forward so that the relative scores stay in range
      const shift = Math.pow(2, (this.referenceTime - occurredAt) / this.halfLifeMs);
      for (const [k, v] of this.scores) this.scores.set(k, v * shift);
      this.referenceTime = occurredAt;
      factor = 1;
    }
    this.scores.set(itemId, (this.scores.get(itemId) ?? 0) + weight * factor);
    this.ranked = null;
  }

  /** The decayed score at time `at`. */
  scoreAt(itemId: number, at: number): number {
    return (this.scores.get(itemId) ?? 0) * Math.pow(2, (this.referenceTime - at) / this.halfLifeMs);
  }

  private rank(): void {
    const entries = Array.from(this.scores.entries()).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const n = Math.min(entries.length, this.keep);
    this.ranked = Int32Array.from({ length: n }, (_, i) => entries[i][0]);
    this.rankedScores = Float32Array.from({ length: n }, (_, i) => entries[i][1]);
    this.byCategory = new Map();
    for (const [id] of entries) {
      for (const c of this.categoriesOf.get(id) ?? []) {
        let list = this.byCategory.get(c);
        if (!list) this.byCategory.set(c, (list = []));
        if (list.length < this.keep) list.push(id);
      }
    }
  }

  /** Top k items (optionally of one category), skipping `exclude`; scores are relative (not decayed to now). */
  top(k: number, options: { exclude?: (itemId: number) => boolean; category?: string } = {}): ChannelResult {
    if (!Number.isInteger(k) || k < 0) throw new Error(`k: must be a non-negative integer, got ${k}`);
    if (!this.ranked) this.rank();
    const source: ArrayLike<number> = options.category !== undefined ? (this.byCategory.get(options.category) ?? []) : this.ranked!;
    const ids = new Int32Array(Math.min(k, source.length));
    const scores = new Float32Array(ids.length);
    let out = 0;
    for (let r = 0; r < source.length && out < ids.length; r++) {
      const id = source[r];
      if (options.exclude && options.exclude(id)) continue;
      ids[out] = id;
      scores[out] = options.category !== undefined ? (this.scores.get(id) ?? 0) : this.rankedScores![r];
      out++;
    }
    return { channel: 'popular', ids: ids.subarray(0, out), scores: scores.subarray(0, out) };
  }
}
