import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEvents, openTestDatabase, upsertItems, upsertUsers } from '@cascade/db';
import type { CascadeDatabase } from '@cascade/db';
import {
  FeatureVocabularyBuilder,
  assembleFeatureRow,
  assembleFeaturesFromDatabase,
  assembleTrainingRows,
  loadFeatureRecords,
  loadTrainingRecords,
  parseFeatureSchema,
} from './index.js';

describe('features from the database', () => {
  let db: CascadeDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
    await upsertUsers(db.sql, [{ externalId: 'u1', attributes: { gender: 'F', age: 25 } }]);
    await upsertItems(db.sql, [
      { externalId: 'i1', categories: ['Drama'], attributes: { year: 1995 } },
      { externalId: 'i2', categories: ['Comedy', 'Romance'], attributes: { year: 2001 } },
    ]);
    await insertEvents(db.sql, [
      { type: 'click', userId: 'u1', itemId: 'i1', occurredAt: '2024-01-09T10:00:00Z' },
      { type: 'click', userId: 'u1', itemId: 'i2', occurredAt: '2024-01-09T11:00:00Z' },
      { type: 'click', userId: 'u1', itemId: 'i2', occurredAt: '2023-12-01T11:00:00Z' },
      { type: 'impression', userId: 'u1', itemId: 'i2', occurredAt: '2024-01-09T11:00:00Z' },
    ]);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('reads user, items and recent activity and encodes them through assembleFeatures', async () => {
    const users = await db.prisma.user.findMany();
    const items = await db.prisma.item.findMany({ orderBy: { externalId: 'asc' } });
    const request = {
      userId: users[0].id,
      itemIds: [items[1].id, items[0].id],
      at: new Date('2024-01-10T15:30:00Z'),
      activity: [{ name: 'clicks7d', types: ['click'] as const, days: 7 }],
    };
    const records = await loadFeatureRecords(db, request);
    expect(records.user).toEqual({ id: 'u1', attributes: { gender: 'F', age: 25 } });
    expect(records.items.map((i) => i.id)).toEqual(['i2', 'i1']);
    expect(records.context.activity).toEqual({ clicks7d: 2 });

    const schema = parseFeatureSchema({
      fields: [
        { name: 'user', type: 'categorical', source: 'user.id' },
        { name: 'gender', type: 'categorical', source: 'user.attributes.gender' },
        { name: 'item', type: 'categorical', source: 'item.id' },
        { name: 'genres', type: 'multi_categorical', source: 'item.categories', maxValues: 2 },
        { name: 'hour', type: 'categorical', source: 'context.hour' },
        { name: 'clicks', type: 'numeric', source: 'context.activity.clicks7d', transform: { kind: 'log' } },
      ],
    });
    const builder = new FeatureVocabularyBuilder(schema);
    for (const item of records.items) builder.addRow(assembleFeatureRow(schema, { user: records.user, item, context: records.context }));
    const encoder = builder.build();
    const rows = await assembleFeaturesFromDatabase(db, encoder, request);
    expect(rows.count).toBe(2);
    // Trained on exactly these rows: no id may fall back to an OOV index.
    const oov = new Set(Array.from(encoder.fieldOffset));
    expect(Array.from(rows.ids).filter((id) => id !== 0 && oov.has(id))).toEqual([]);
    await expect(loadFeatureRecords(db, { ...request, itemIds: [999999] })).rejects.toThrow(/itemId 999999 not found/);
  });

  it('turns labelled events into training records with activity counted before each event', async () => {
    const { examples, labels } = await loadTrainingRecords(db, { activity: [{ name: 'clicks7d', types: ['click'], days: 7 }] });
    // Events in id order: click (1), click (1), old click (1), impression (0).
    expect(Array.from(labels)).toEqual([1, 1, 1, 0]);
    expect(examples.map((e) => e.item.id)).toEqual(['i1', 'i2', 'i2', 'i2']);
    expect(examples.map((e) => e.context?.activity?.clicks7d)).toEqual([0, 1, 0, 1]); // the second click is simultaneous with the impression: not before it
    const schema = parseFeatureSchema({
      fields: [
        { name: 'item', type: 'categorical', source: 'item.id' },
        { name: 'clicks', type: 'numeric', source: 'context.activity.clicks7d', transform: { kind: 'buckets', boundaries: [1, 2] } },
      ],
    });
    const builder = new FeatureVocabularyBuilder(schema);
    for (const e of examples) builder.addRow(assembleFeatureRow(schema, e));
    const rows = assembleTrainingRows(builder.build(), examples);
    expect(rows.count).toBe(4);
    await expect(loadTrainingRecords(db, { activity: [{ name: 'x', types: ['click'], days: 0 }] })).rejects.toThrow(/days must be > 0/);
  });
});
