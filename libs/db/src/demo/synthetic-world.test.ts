import { describe, expect, it } from 'vitest';
import { countEntities, openTestDatabase, seedDemoData, SyntheticWorld } from '../index.js';

describe('SyntheticWorld', () => {
  it('is deterministic for a seed', () => {
    const a = [...new SyntheticWorld({ users: 50, items: 40, seed: 7 }).events()].slice(0, 200);
    const b = [...new SyntheticWorld({ users: 50, items: 40, seed: 7 }).events()].slice(0, 200);
    const c = [...new SyntheticWorld({ users: 50, items: 40, seed: 8 }).events()].slice(0, 200);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('plants its ground truth: clicks follow the users\' latent tastes', () => {
    const world = new SyntheticWorld({ users: 400, items: 300, seed: 3 });
    const userIndex = (id: string) => Number(id.slice('user-'.length)) - 1;
    const itemIndex = (id: string) => Number(id.slice('item-'.length)) - 1;
    const shown = [0, 0];
    const clicked = [0, 0];
    for (const e of world.events()) {
      const same = world.itemCategory[itemIndex(e.itemId)] === world.userCategory[userIndex(e.userId)] ? 1 : 0;
      if (e.type === 'impression') shown[same]++;
      else clicked[same]++;
    }
    const ctrSame = clicked[1] / shown[1];
    const ctrOther = clicked[0] / shown[0];
    expect(ctrSame).toBeGreaterThan(2 * ctrOther);
    const overall = (clicked[0] + clicked[1]) / (shown[0] + shown[1]);
    expect(overall).toBeGreaterThan(0.02);
    expect(overall).toBeLessThan(0.25);
  });

  it('seeds a database idempotently', async () => {
    const db = await openTestDatabase();
    try {
      const config = { users: 30, items: 20, impressionsPerUser: 20, seed: 5 };
      const first = await seedDemoData(db, config);
      expect(first.users.inserted).toBe(30);
      expect(first.items.inserted).toBe(20);
      const counts = await countEntities(db.sql);
      expect(counts.events).toBe(first.events.inserted);
      const again = await seedDemoData(db, config);
      expect(again.events.inserted).toBe(0);
      expect(await countEntities(db.sql)).toEqual(counts);
    } finally {
      await db.close();
    }
  });
});
