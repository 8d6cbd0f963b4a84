import { describe, expect, it } from 'vitest';
import {
  FeatureVocabularyBuilder,
  assembleFeatures,
  bucketIndex,
  encodeCtrTsv,
  fitCtrTsvEncoder,
  logBucket,
  parseCtrTsv,
  parseFeatureSchema,
  FeatureEncoder,
  EncodedItemCache,
} from './index.js';

describe('numeric transforms', () => {
  it('logBucket is floor(ln(x)^2) above 2 and x otherwise', () => {
    expect(logBucket(100)).toBe(Math.floor(Math.log(100) ** 2));
    expect(logBucket(3)).toBe(1);
    expect(logBucket(2)).toBe(2);
    expect(logBucket(-5)).toBe(-5);
  });
  it('bucketIndex counts boundaries <= x', () => {
    expect(bucketIndex(-1, [0, 10])).toBe(0);
    expect(bucketIndex(0, [0, 10])).toBe(1);
    expect(bucketIndex(25, [0, 10])).toBe(2);
  });
});

describe('feature schema', () => {
  it('names the offending field', () => {
    expect(() => parseFeatureSchema({ fields: [{ name: 'a', type: 'multi_categorical' }] })).toThrow(/fields\.0\.maxValues/);
    expect(() =>
      parseFeatureSchema({ fields: [{ name: 'a', type: 'categorical' }, { name: 'a', type: 'categorical' }] }),
    ).toThrow(/duplicate field name "a"/);
  });
});

describe('ctr-tsv', () => {
  const train = parseCtrTsv('label\tu\tg\n1\ta\tx|y\n0\tb\tx\n1\ta\tz|x|y\n');
  const test = parseCtrTsv('label\tu\tg\n0\tc\tx|q|y|z\n');

  it('infers multi-valued fields, vocabularies and OOV like the peer', () => {
    const enc = fitCtrTsvEncoder(train);
    expect(enc.describeFields()).toEqual([
      { name: 'u', multi: false, vocab: 3, width: 1 },
      { name: 'g', multi: true, vocab: 4, width: 3 },
    ]);
    // layout: 0 pad, u: 1 OOV, 2 a, 3 b; g: 4 OOV, 5 x, 6 y, 7 z
    const tr = encodeCtrTsv(enc, train);
    expect(Array.from(tr.ids)).toEqual([2, 5, 6, 0, 3, 5, 0, 0, 2, 7, 5, 6]);
    const te = encodeCtrTsv(enc, test);
    expect(Array.from(te.ids)).toEqual([1, 5, 4, 6]); // unseen user and token -> OOV, cut to width 3
    expect(enc.vocabularySize).toBe(8);
  });

  it('serves a ctr-tsv model from records once sources are mapped', () => {
    const enc = fitCtrTsvEncoder(train).withSources({ u: 'user.id', g: 'item.categories' });
    const rows = assembleFeatures(enc, { user: { id: 'b' } }, [{ id: 1, categories: ['z', 'x'] }]);
    expect(Array.from(rows.ids)).toEqual([3, 7, 5, 0]);
    expect(() => enc.withSources({ nope: 'user.id' })).toThrow(/no field named "nope"/);
  });

  it('encodes the same rows with an item cache, before and after the cache is warm', () => {
    const enc = fitCtrTsvEncoder(train).withSources({ u: 'user.id', g: 'item.categories' });
    const items = [
      { id: 1, categories: ['z', 'x'] },
      { id: 2, categories: ['y'] },
      { id: 3, categories: [] },
    ];
    const cache = new EncodedItemCache(enc);
    expect(Array.from(cache.positions)).toEqual([1, 2, 3]);
    for (const user of ['a', 'b', 'nobody']) {
      const plain = assembleFeatures(enc, { user: { id: user } }, items);
      const cold = assembleFeatures(enc, { user: { id: user } }, items, { itemCache: cache });
      const warm = assembleFeatures(enc, { user: { id: user } }, [...items].reverse(), { itemCache: cache });
      expect(Array.from(cold.ids)).toEqual(Array.from(plain.ids));
      const reversed = assembleFeatures(enc, { user: { id: user } }, [...items].reverse());
      expect(Array.from(warm.ids)).toEqual(Array.from(reversed.ids));
    }
    expect(() => assembleFeatures(fitCtrTsvEncoder(train), { user: { id: 'a' } }, items, { itemCache: cache })).toThrow(/another encoder/);
  });

  it('applies min-count', () => {
    const enc = fitCtrTsvEncoder(train, { minCount: 2 });
    expect(enc.describeFields()[0].vocab).toBe(2); // only "a"
    expect(Array.from(encodeCtrTsv(enc, train).ids.slice(4, 5))).toEqual([1]);
  });

  it('rejects bad files naming the problem', () => {
    expect(() => parseCtrTsv('y\ta\n1\tx\n')).toThrow(/first header column must be "label"/);
    expect(() => parseCtrTsv('label\ta\n2\tx\n')).toThrow(/line 2: label must be 0 or 1/);
  });
});

describe('assembleFeatures', () => {
  const schema = parseFeatureSchema({
    fields: [
      { name: 'user', type: 'categorical', source: 'user.id' },
      { name: 'gender', type: 'categorical', source: 'user.attributes.gender' },
      { name: 'item', type: 'categorical', source: 'item.id', encoding: { kind: 'hash', buckets: 16 } },
      { name: 'genres', type: 'multi_categorical', source: 'item.categories', maxValues: 2 },
      { name: 'hour', type: 'categorical', source: 'context.hour' },
      { name: 'clicks', type: 'numeric', source: 'context.activity.clicks7d', transform: { kind: 'log' } },
      { name: 'price', type: 'numeric', source: 'item.attributes.price', transform: { kind: 'buckets', boundaries: [10, 100] } },
    ],
  });
  const examples = [
    { user: { id: 1, attributes: { gender: 'F' } }, item: { id: 'a', categories: ['x', 'y'], attributes: { price: 5 } }, context: { timestamp: Date.UTC(2024, 0, 1, 13), activity: { clicks7d: 30 } } },
    { user: { id: 2, attributes: { gender: 'M' } }, item: { id: 'b', categories: ['y'], attributes: { price: 500 } }, context: { timestamp: Date.UTC(2024, 0, 1, 8), activity: { clicks7d: 1 } } },
  ];

  it('encodes training and serving rows through the same path', () => {
    const builder = new FeatureVocabularyBuilder(schema);
    const rawRows = examples.map((e) => ({
      user: e.user.id, gender: e.user.attributes.gender, item: e.item.id, genres: e.item.categories,
      hour: new Date(e.context.timestamp).getUTCHours(), clicks: e.context.activity.clicks7d, price: e.item.attributes.price,
    }));
    for (const row of rawRows) builder.addRow(row);
    const encoder = builder.build();
    const restored = new FeatureEncoder(JSON.parse(JSON.stringify(encoder.toJSON())));
    const served = assembleFeatures(restored, { user: examples[0].user, context: examples[0].context }, [examples[0].item, examples[1].item]);
    const direct = encoder.encodeRows([rawRows[0], { ...rawRows[1], user: 1, gender: 'F', hour: 13, clicks: 30 }]);
    expect(Array.from(served.ids)).toEqual(Array.from(direct.ids));
    expect(served.slots).toBe(8);
    expect(served.ids.every((id) => id >= 0 && id < encoder.vocabularySize)).toBe(true);
  });

  it('rejects unknown sources', () => {
    const bad = parseFeatureSchema({ fields: [{ name: 'x', type: 'categorical', source: 'user.nope' }] });
    const enc = new FeatureVocabularyBuilder(bad).build();
    expect(() => assembleFeatures(enc, { user: { id: 1 } }, [{ id: 1 }])).toThrow(/unknown feature source "user.nope"/);
  });
});
