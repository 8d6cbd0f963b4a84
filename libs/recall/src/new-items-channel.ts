// New items: the most recently created catalogue items within a time window, newest first. New items reach
// users here before they have interactions (and, later, a vector in the index).
import type { ChannelResult } from './channel-result.js';

export class NewItemsChannel {
  private readonly created = new Map<number, { at: number; categories: readonly string[] }>();
  private ordered: number[] | null = null;

  constructor(private readonly windowMs = 14 * 24 * 3600 * 1000) {
    if (!(windowMs > 0)) throw new Error(`windowMs: must be > 0, got ${windowMs}`);
  }

  add(itemId: number, createdAt: number, categories: readonly string[] = []): void {
    if (!Number.isInteger(itemId)) throw new Error(`itemId: must be an integer, got ${itemId}`);
    if (!Number.isFinite(createdAt)) throw new Error(`createdAt: must be a finite epoch-ms time, got ${createdAt}`);
    this.created.set(itemId, { at: createdAt, categories });
    this.ordered = null;
  }

  remove(itemId: number): void {
    if (this.created.delete(itemId)) this.ordered = null;
  }

  /** Drops items older than the window (call now and then). */
  prune(now: number): void {
    for (const [id, v] of this.created) if (now - v.at > this.windowMs) this.created.delete(id);
    this.ordered = null;
  }

  top(k: number, now: number, options: { exclude?: (itemId: number) => boolean; category?: string } = {}): ChannelResult {
    if (!Number.isInteger(k) || k < 0) throw new Error(`k: must be a non-negative integer, got ${k}`);
    if (!this.ordered) {
      this.ordered = Array.from(this.created.keys()).sort((a, b) => this.created.get(b)!.at - this.created.get(a)!.at || a - b);
    }
    const ids = new Int32Array(Math.min(k, this.ordered.length));
    const scores = new Float32Array(ids.length);
    let out = 0;
    for (const id of this.ordered) {
      if (out >= ids.length) break;
      const entry = this.created.get(id)!;
      if (now - entry.at > this.windowMs) break; // ordered newest first: the rest are older
      if (options.category !== undefined && !entry.categories.includes(options.category)) continue;
      if (options.exclude && options.exclude(id)) continue;
      ids[out] = id;
      // freshness in (0, 1]: 1 for an item created now
      scores[out] = 1 - Math.max(0, now - entry.at) / this.windowMs;
      out++;
    }
    return { channel: 'new', ids: ids.subarray(0, out), scores: scores.subarray(0, out) };
  }
}
