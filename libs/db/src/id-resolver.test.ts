import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEvents, openTestDatabase, preloadIds, upsertItems, upsertUsers, type CascadeDatabase } from './index.js';

describe('id resolver cache preload', () => {
  let db: CascadeDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
    await upsertUsers(db.sql, [{ externalId: 'pre-u1' }, { externalId: 'pre-u2' }]);
    await upsertItems(db.sql, [{ externalId: 'pre-i1' }, { externalId: 'pre-i2' }, { externalId: 'pre-i3' }]);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('loads every user and item, and events still create new users and refuse unknown items', async () => {
    expect(await preloadIds(db.sql)).toEqual({ users: 2, items: 3 });
    const at = Date.now();
    const result = await insertEvents(db.sql, [
      { type: 'click', userId: 'pre-u1', itemId: 'pre-i2', occurredAt: at },
      { type: 'click', userId: 'pre-new-user', itemId: 'pre-i3', occurredAt: at },
    ]);
    expect(result).toEqual({ inserted: 2, duplicates: 0 });
    const rows = await db.sql.query<{ user: string; item: string }>(
      'SELECT u.external_id AS user, i.external_id AS item FROM events e JOIN users u ON u.id = e.user_id JOIN items i ON i.id = e.item_id ORDER BY e.id',
    );
    expect(rows).toEqual([
      { user: 'pre-u1', item: 'pre-i2' },
      { user: 'pre-new-user', item: 'pre-i3' },
    ]);
    await expect(insertEvents(db.sql, [{ type: 'click', userId: 'pre-u2', itemId: 'pre-missing', occurredAt: at }])).rejects.toThrow(
      /field "itemId": unknown item "pre-missing"/,
    );
  });
});
