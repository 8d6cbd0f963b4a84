// The recall stage for one request: user-embedding search in the HNSW index, item-to-item neighbours of the
// user's recent items, time-decayed popularity and new items, merged by quota into ~500 candidates. Unknown
// users (no vector) get the cold-start mix: item-to-item when they have recent items, popularity and new
// items, optionally restricted to a category.
import { emptyResult, type ChannelResult } from './channel-result.js';
import { mergeCandidates, type CandidateSet } from './candidate-merge.js';
import type { HnswItemIndex } from './hnsw-item-index.js';
import type { NewItemsChannel } from './new-items-channel.js';
import type { DecayedPopularity } from './popularity-channel.js';

export interface ChannelQuotas {
  embedding: number;
  itemToItem: number;
  popular: number;
  new: number;
}

export const DEFAULT_QUOTAS: ChannelQuotas = { embedding: 300, itemToItem: 100, popular: 60, new: 40 };
export const DEFAULT_COLD_START_QUOTAS: ChannelQuotas = { embedding: 0, itemToItem: 200, popular: 200, new: 100 };

export interface MultiChannelRecallOptions {
  index: HnswItemIndex;
  /** The item's vector (the index holds the same one), or undefined for items without one. */
  itemVector: (itemId: number) => ArrayLike<number> | undefined;
  popularity: DecayedPopularity;
  newItems: NewItemsChannel;
  quotas?: Partial<ChannelQuotas>;
  coldStartQuotas?: Partial<ChannelQuotas>;
  /** How many of the most recent items seed the item-to-item channel (default 3). */
  itemToItemSeeds?: number;
}

export interface RecallRequest {
  userVector?: ArrayLike<number>;
  /** The user's recent items, most recent first. */
  recentItems?: readonly number[];
  /** Items to leave out (seen by the user). */
  seen?: ReadonlySet<number>;
  category?: string;
  total?: number;
  now?: number;
}

const NO_ITEMS: ReadonlySet<number> = new Set();

export class MultiChannelRecall {
  private readonly inactive = new Set<number>();
  private readonly quotas: ChannelQuotas;
  private readonly coldStartQuotas: ChannelQuotas;
  private readonly seeds: number;

  constructor(private readonly options: MultiChannelRecallOptions) {
    this.quotas = { ...DEFAULT_QUOTAS, ...options.quotas };
    this.coldStartQuotas = { ...DEFAULT_COLD_START_QUOTAS, ...options.coldStartQuotas };
    this.seeds = options.itemToItemSeeds ?? 3;
    for (const [name, q] of Object.entries({ ...this.quotas, ...this.coldStartQuotas })) {
      if (!Number.isInteger(q) || q < 0) throw new Error(`quotas.${name}: must be a non-negative integer, got ${q}`);
    }
    if (!Number.isInteger(this.seeds) || this.seeds < 0) throw new Error(`itemToItemSeeds: must be a non-negative integer`);
  }

  /**
   * A new catalogue item: it enters the new-items channel at once (and the category lists of popularity), and
   * the index as soon as it has a vector (now, or later through `activate`).
   */
  addItem(itemId: number, createdAt: number, categories: readonly string[] = [], vector?: ArrayLike<number>): void {
    this.options.newItems.add(itemId, createdAt, categories);
    this.options.popularity.setCategories(itemId, categories);
    if (vector) this.options.index.upsert(itemId, vector);
  }

  /** Takes an item out of every channel (inactive or removed from the catalogue). */
  deactivate(itemId: number): void {
    this.inactive.add(itemId);
    this.options.index.markDeleted(itemId);
  }

  /** Brings an item back; with a vector it is (re)inserted into the index. */
  activate(itemId: number, vector?: ArrayLike<number>): void {
    this.inactive.delete(itemId);
    const v = vector ?? this.options.itemVector(itemId);
    if (v) this.options.index.upsert(itemId, v);
  }

  recall(request: RecallRequest): CandidateSet {
    const total = request.total ?? 500;
    if (!Number.isInteger(total) || total < 1) throw new Error(`total: must be a positive integer, got ${total}`);
    const now = request.now ?? Date.now();
    const seen = request.seen ?? NO_ITEMS;
    const inactive = this.inactive;
    const exclude = (id: number): boolean => seen.has(id) || inactive.has(id);
    const cold = request.userVector === undefined;
    const base = cold ? this.coldStartQuotas : this.quotas;
    const sum = base.embedding + base.itemToItem + base.popular + base.new;
    // scale the quotas to the requested total
    const scale = sum > 0 ? total / sum : 0;
    const quota = {
      embedding: Math.round(base.embedding * scale),
      itemToItem: Math.round(base.itemToItem * scale),
      popular: Math.round(base.popular * scale),
      new: Math.round(base.new * scale),
    };
    const results: ChannelResult[] = [];
    if (!cold && quota.embedding > 0) {
      const r = this.options.index.query(request.userVector!, quota.embedding, { exclude: seen });
      results.push({ channel: 'embedding', ids: r.ids, scores: r.scores });
    }
    const recent = request.recentItems ?? [];
    const recentSet = new Set(recent);
    results.push(this.itemToItem(recent, quota.itemToItem, (id) => exclude(id) || recentSet.has(id)));
    // popularity and new items over-fetch a little so that the merge can fill gaps left by duplicates
    results.push(this.options.popularity.top(quota.popular * 2, { exclude, category: request.category }));
    results.push(this.options.newItems.top(quota.new * 2, now, { exclude, category: request.category }));
    return mergeCandidates(
      results,
      { embedding: quota.embedding, itemToItem: quota.itemToItem, popular: quota.popular, new: quota.new },
      total,
    );
  }

  /**
   * Neighbours of the most recent items; an item reached from several seeds keeps its best similarity. The
   * per-seed searches are not widened by the seen set (that would multiply their cost); seen items are dropped
   * afterwards and the merge fills any gap from the other channels.
   */
  private itemToItem(recent: readonly number[], k: number, exclude: (id: number) => boolean): ChannelResult {
    if (k === 0 || recent.length === 0 || this.seeds === 0) return emptyResult('itemToItem');
    const seeds = recent.slice(0, this.seeds);
    const perSeed = Math.ceil(k / seeds.length);
    // typed buffers and an index sort: this runs on every request (see candidate-merge.ts on allocation)
    const ids = new Int32Array(perSeed * seeds.length);
    const scores = new Float32Array(ids.length);
    const position = new Map<number, number>();
    let n = 0;
    for (const item of seeds) {
      const v = this.options.itemVector(item);
      if (!v) continue;
      const r = this.options.index.query(v, perSeed);
      for (let j = 0; j < r.ids.length; j++) {
        const id = r.ids[j];
        if (exclude(id)) continue;
        const at = position.get(id);
        if (at === undefined) {
          position.set(id, n);
          ids[n] = id;
          scores[n] = r.scores[j];
          n++;
        } else if (r.scores[j] > scores[at]) {
          scores[at] = r.scores[j];
        }
      }
    }
    const order = new Uint32Array(n);
    for (let j = 0; j < n; j++) order[j] = j;
    order.sort((a, b) => scores[b] - scores[a] || ids[a] - ids[b]);
    const outIds = new Int32Array(n);
    const outScores = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      outIds[j] = ids[order[j]];
      outScores[j] = scores[order[j]];
    }
    return { channel: 'itemToItem', ids: outIds, scores: outScores };
  }
}
