// The database options every command shares, and opening the database from them.
import type { Command } from 'commander';
import { openDatabase, type CascadeDatabase } from '@cascade/db';

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir?: string;
}

export function withDatabaseOptions(command: Command): Command {
  return command
    .option('--database-url <url>', 'PostgreSQL connection string (default: $DATABASE_URL; the embedded database when unset)')
    .option('--data-dir <dir>', 'folder of the embedded database (default: $CASCADE_DATA_DIR or .cascade/data)');
}

export function openFromOptions(options: DatabaseOptions): Promise<CascadeDatabase> {
  return openDatabase({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
}

export async function withDatabase<T>(options: DatabaseOptions, fn: (db: CascadeDatabase) => Promise<T>): Promise<T> {
  const db = await openFromOptions(options);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
