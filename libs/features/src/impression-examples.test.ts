import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, seedDemoData, type CascadeDatabase } from '@cascade/db';
import {
  assembleTrainingRows,
  ClickLookup,
  encodeImpressionExamples,
  encodeImpressionExamplesInto,
  fitImpressionVocabulary,
  loadImpressionExamples,
  loadTrainingRecords,
  parseFeatureSchema,
} from './index.js';

const WORLD = { users: 60, items: 40, impressionsPerUser: 30, slateSize: 6, days: 10, seed: 11, keyPrefix: 'impressions-test' };
const ACTIVITY = [{ name: 'clicks7d', types: ['click'] as const, days: 7 }];

let db: CascadeDatabase;

/** The labels the ranker stage used to compute with a self-join, in event-id order. */
async function sqlLabels(maxEventId: number): Promise<{ id: number; clicked: boolean }[]> {
  const rows = await db.sql.query<{ id: number; clicked: boolean }>(
    `SELECT e.id::float8 AS id, bool_or(c.id IS NOT NULL) AS clicked
       FROM events e
       LEFT JOIN events c ON c.type = 'click' AND c.id <= $1 AND c.user_id = e.user_id AND c.item_id = e.item_id
        AND (c.request_id = e.request_id
             OR (e.request_id IS NULL AND c.request_id IS NULL
                 AND c.occurred_at >= e.occurred_at AND c.occurred_at < e.occurred_at + interval '1 hour'))
      WHERE e.type = 'impression' AND e.id <= $1
      GROUP BY e.id
      ORDER BY e.id`,
    [maxEventId],
  );
  return rows.map((r) => ({ id: Number(r.id), clicked: r.clicked }));
}

beforeAll(async () => {
  db = await openTestDatabase();
  await seedDemoData(db, WORLD);
});

afterAll(async () => {
  await db?.close();
});

describe('loadImpressionExamples', () => {
  it('labels every impression as the self-join did and counts activity as loadTrainingRecords does', async () => {
    const examples = await loadImpressionExamples(db, { activity: ACTIVITY, chunkSize: 97 });
    const expected = await sqlLabels(examples.maxEventId);
    expect(examples.count).toBe(expected.length);
    expect(Array.from(examples.eventIds)).toEqual(expected.map((r) => r.id));
    expect(Array.from(examples.labels)).toEqual(expected.map((r) => (r.clicked ? 1 : 0)));
    expect(examples.labels.reduce((s, y) => s + y, 0)).toBeGreaterThan(0);

    const old = await loadTrainingRecords(db, { label: (type) => (type === 'impression' ? 0 : null), activity: ACTIVITY });
    expect(old.examples.length).toBe(examples.count);
    expect(Array.from(examples.activity[0].counts)).toEqual(old.examples.map((e) => e.context?.activity?.clicks7d));
    expect(examples.activity[0].counts.some((c) => c > 0)).toBe(true);
  });

  it('encodes through the same assemble path as the record-based loader', async () => {
    const schema = parseFeatureSchema({
      fields: [
        { name: 'user', type: 'categorical', source: 'user.id' },
        { name: 'item', type: 'categorical', source: 'item.id' },
        { name: 'tags', type: 'multi_categorical', source: 'item.tags', maxValues: 2 },
        { name: 'country', type: 'categorical', source: 'user.attributes.country' },
        { name: 'price', type: 'numeric', source: 'item.attributes.price', transform: { kind: 'log' } },
        { name: 'hour', type: 'categorical', source: 'context.hour' },
        { name: 'clicks7d', type: 'numeric', source: 'context.activity.clicks7d', transform: { kind: 'log' } },
      ],
    });
    const examples = await loadImpressionExamples(db, { activity: ACTIVITY });
    const half = Int32Array.from({ length: examples.count >> 1 }, (_, i) => i);
    const all = Int32Array.from({ length: examples.count }, (_, i) => i);
    const encoder = fitImpressionVocabulary(schema, examples, half);
    const encoded = encodeImpressionExamples(encoder, examples, all);
    const old = await loadTrainingRecords(db, { label: (type) => (type === 'impression' ? 0 : null), activity: ACTIVITY });
    const reference = assembleTrainingRows(encoder, old.examples);
    expect(encoded.count).toBe(reference.count);
    expect(Array.from(encoded.ids)).toEqual(Array.from(reference.ids));
    expect(Array.from(encoded.labels)).toEqual(Array.from(examples.labels));
    expect(() => encodeImpressionExamples(encoder, examples, [examples.count])).toThrow(/rows/);
    // Slice by slice into one output: the same rows.
    const out = { ids: new Int32Array(encoded.ids.length), labels: new Float32Array(encoded.count) };
    for (let s = 0; s < all.length; s += 37) encodeImpressionExamplesInto(encoder, examples, all.subarray(s, s + 37), out, s);
    expect(Array.from(out.ids)).toEqual(Array.from(encoded.ids));
    expect(Array.from(out.labels)).toEqual(Array.from(encoded.labels));
    expect(() => encodeImpressionExamplesInto(encoder, examples, all, out, 1)).toThrow(/at/);
  });

  it('honours the snapshot bound and the training window', async () => {
    const ids = await db.sql.query<{ id: number }>(`SELECT id::float8 AS id FROM events WHERE type = 'impression' ORDER BY id`);
    const bound = Number(ids[Math.floor(ids.length / 2)].id);
    const snapshot = await loadImpressionExamples(db, { maxEventId: bound, activity: ACTIVITY });
    expect(snapshot.maxEventId).toBe(bound);
    expect(snapshot.count).toBe(ids.filter((r) => Number(r.id) <= bound).length);
    expect(Math.max(...snapshot.eventIds)).toBeLessThanOrEqual(bound);
    expect(Array.from(snapshot.labels)).toEqual((await sqlLabels(bound)).map((r) => (r.clicked ? 1 : 0)));

    const window = await loadImpressionExamples(db, { maxEventId: bound, maxImpressions: 100, activity: ACTIVITY, chunkSize: 50 });
    const expectedIds = ids.map((r) => Number(r.id)).filter((id) => id <= bound).slice(-100);
    expect(Array.from(window.eventIds)).toEqual(expectedIds);
    // The window's activity counts still see the clicks before it.
    const offset = snapshot.count - 100;
    expect(Array.from(window.activity[0].counts)).toEqual(Array.from(snapshot.activity[0].counts.subarray(offset)));
    expect(Array.from(window.labels)).toEqual(Array.from(snapshot.labels.subarray(offset)));
  });

  it('stops with "cancelled" when asked and validates its options', async () => {
    await expect(loadImpressionExamples(db, { chunkSize: 50, shouldStop: async () => true })).rejects.toThrow(/^cancelled/);
    await expect(loadImpressionExamples(db, { maxImpressions: 0 })).rejects.toThrow(/maxImpressions/);
    await expect(loadImpressionExamples(db, { maxEventId: -1 })).rejects.toThrow(/maxEventId/);
    const none = await loadImpressionExamples(db, { maxEventId: 0 });
    expect(none.count).toBe(0);
  });
});

describe('ClickLookup', () => {
  it('finds clicks by (user, item, request) and request-less clicks within the hour after', () => {
    const clicks = new ClickLookup(2);
    for (let u = 1; u <= 5000; u++) clicks.add(u, u * 7, u % 13, 0);
    clicks.add(9, 9, null, 10_000);
    expect(clicks.clicked(42, 294, 42 % 13, 0)).toBe(true);
    expect(clicks.clicked(42, 294, 5, 0)).toBe(false);
    expect(clicks.clicked(42, 295, 42 % 13, 0)).toBe(false);
    expect(clicks.clicked(9, 9, null, 5_000)).toBe(true);
    expect(clicks.clicked(9, 9, null, 20_000)).toBe(false);
    expect(clicks.clicked(9, 9, null, 10_000 - 3_600_000)).toBe(false);
    expect(clicks.size).toBe(5001);
  });
});
