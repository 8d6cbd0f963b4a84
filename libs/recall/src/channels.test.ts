import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@cascade/core';
import { mergeCandidates } from './candidate-merge.js';
import { HnswItemIndex } from './hnsw-item-index.js';
import { MultiChannelRecall } from './multi-channel-recall.js';
import { NewItemsChannel } from './new-items-channel.js';
import { DecayedPopularity } from './popularity-channel.js';

const day = 24 * 3600 * 1000;

describe('DecayedPopularity', () => {
  it('ranks by decayed weight and halves a score per half-life', () => {
    const p = new DecayedPopularity({ halfLifeMs: day });
    p.record(1, 0, 4); // 4 events a day before item 2's 3
    p.record(2, day, 3);
    expect(Array.from(p.top(2).ids)).toEqual([2, 1]);
    expect(p.scoreAt(1, day)).toBeCloseTo(2, 9);
    expect(p.scoreAt(2, 2 * day)).toBeCloseTo(1.5, 9);
  });
  it('filters by category and exclusion', () => {
    const p = new DecayedPopularity();
    for (const [id, w] of [[1, 5], [2, 4], [3, 3]]) p.record(id, 0, w);
    p.setCategories(2, ['jazz']);
    p.setCategories(3, ['jazz']);
    expect(Array.from(p.top(5, { category: 'jazz' }).ids)).toEqual([2, 3]);
    expect(Array.from(p.top(5, { exclude: (id) => id === 1 }).ids)).toEqual([2, 3]);
    expect(() => p.top(-1)).toThrow(/k/);
  });
});

describe('NewItemsChannel', () => {
  it('returns the newest items inside the window', () => {
    const c = new NewItemsChannel(10 * day);
    c.add(1, 0);
    c.add(2, 5 * day, ['a']);
    c.add(3, 8 * day);
    expect(Array.from(c.top(5, 12 * day).ids)).toEqual([3, 2]);
    expect(Array.from(c.top(5, 12 * day, { category: 'a' }).ids)).toEqual([2]);
  });
});

describe('mergeCandidates', () => {
  it('applies quotas, dedupes and keeps every channel with its score', () => {
    const a = { channel: 'a', ids: Int32Array.from([1, 2, 3, 4]), scores: Float32Array.from([0.9, 0.8, 0.7, 0.6]) };
    const b = { channel: 'b', ids: Int32Array.from([2, 5, 6]), scores: Float32Array.from([3, 2, 1]) };
    const merged = mergeCandidates([a, b], { a: 2, b: 2 }, 4);
    expect(Array.from(merged.itemIds.subarray(0, merged.size))).toEqual([1, 2, 5, 6]);
    expect(merged.toArray()[1]).toEqual({ itemId: 2, channels: ['a', 'b'], channelScores: [expect.closeTo(0.8), 3] });
    expect(merged.channelsOf(2)).toEqual(['b']);
    expect(merged.scoreOf(0, 'a')).toBeCloseTo(0.9);
    expect(merged.scoreOf(0, 'b')).toBeNaN();
    // a short channel leaves room that the others fill
    const filled = mergeCandidates([a, { ...b, ids: b.ids.subarray(0, 1), scores: b.scores.subarray(0, 1) }], { a: 2, b: 2 }, 4);
    expect(filled.toArray().map((c) => c.itemId)).toEqual([1, 2, 3, 4]);
    expect(() => mergeCandidates([a], { a: -1 }, 4)).toThrow(/quotas.a/);
  });
});

describe('MultiChannelRecall', () => {
  const dim = 8;
  const n = 600;
  const rng = new SeededRandom(4);
  const vectors = Float32Array.from({ length: n * dim }, () => rng.normal());
  const ids = Int32Array.from({ length: n }, (_, i) => i);
  const index = HnswItemIndex.build(vectors, ids, { dim, ef: 100 });
  const popularity = new DecayedPopularity();
  for (let i = 0; i < 100; i++) popularity.record(i, 0, 100 - i);
  const newItems = new NewItemsChannel(day);
  newItems.add(9000, 0); // a new item without a vector yet
  const recall = new MultiChannelRecall({
    index,
    itemVector: (id) => (id < n ? vectors.subarray(id * dim, (id + 1) * dim) : undefined),
    popularity,
    newItems,
  });

  it('returns deduplicated candidates from every channel, without seen or inactive items', () => {
    const seen = new Set([0, 1, 2, 3]);
    recall.deactivate(5);
    const candidates = recall
      .recall({ userVector: vectors.subarray(10 * dim, 11 * dim), recentItems: [20, 21], seen, total: 100, now: 1000 })
      .toArray();
    expect(candidates.length).toBe(100);
    const itemIds = candidates.map((c) => c.itemId);
    expect(new Set(itemIds).size).toBe(100);
    for (const s of [...seen, 5]) expect(itemIds).not.toContain(s);
    const channels = new Set(candidates.flatMap((c) => c.channels));
    expect(channels).toEqual(new Set(['embedding', 'itemToItem', 'popular', 'new']));
    expect(itemIds).toContain(9000);
    for (const c of candidates) expect(c.channels.length).toBe(c.channelScores.length);
    recall.activate(5);
  });
  it('puts a new item in the new-items channel at once and in the index once it has a vector', () => {
    recall.addItem(9001, 500, ['jazz']);
    const cold = recall.recall({ category: 'jazz', total: 10, now: 1000 }).toArray();
    expect(cold.map((c) => c.itemId)).toContain(9001);
    const v = Float32Array.from({ length: dim }, (_, a) => (a === 0 ? 50 : 0));
    recall.activate(9001, v);
    const warm = recall.recall({ userVector: v, total: 20, now: 1000 }).toArray();
    const hit = warm.find((c) => c.itemId === 9001);
    expect(hit?.channels).toContain('embedding');
  });
  it('serves unknown users from popularity, new items and their recent items', () => {
    const candidates = recall.recall({ recentItems: [7], total: 50, now: 1000 }).toArray();
    const channels = new Set(candidates.flatMap((c) => c.channels));
    expect(channels.has('embedding')).toBe(false);
    expect(channels.has('popular')).toBe(true);
    expect(channels.has('itemToItem')).toBe(true);
    expect(candidates.length).toBe(50);
  });
});
