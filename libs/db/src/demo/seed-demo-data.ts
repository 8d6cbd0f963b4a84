// Loads a SyntheticWorld into the database in one transaction (idempotent: seeding twice changes nothing).
import type { CascadeDatabase } from '../open-database.js';
import { ImportWriter, type ImportCounts } from '../importers/import-writer.js';
import { SyntheticWorld, type SyntheticConfig } from './synthetic-world.js';

export interface SeedProgress {
  done: number;
  total: number;
}

export async function seedDemoData(
  db: CascadeDatabase,
  config: Partial<SyntheticConfig> = {},
  onProgress?: (p: SeedProgress) => void,
  batchSize = 5000,
): Promise<ImportCounts & { world: SyntheticConfig }> {
  const world = new SyntheticWorld(config);
  const total = world.config.users + world.config.items + world.impressionCount;
  let done = 0;
  const counts = await db.sql.transaction(async (tx) => {
    const writer = new ImportWriter(tx, batchSize, { createMissingUsers: false, createMissingItems: false });
    for (const user of world.usersInput()) await writer.addUser(user);
    for (const item of world.itemsInput()) await writer.addItem(item);
    await writer.flush();
    done = world.config.users + world.config.items;
    onProgress?.({ done, total });
    for (const event of world.events()) {
      await writer.addEvent(event);
      if (event.type === 'impression' && ++done % batchSize === 0) onProgress?.({ done, total });
    }
    await writer.flush();
    return writer.counts;
  });
  onProgress?.({ done: total, total });
  return { ...counts, world: world.config };
}
