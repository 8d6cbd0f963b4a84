// Applies prisma/migrations in order and records them in `_prisma_migrations` exactly as
// `prisma migrate deploy` does, so the Prisma CLI and this runtime migrator agree on what is applied.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlDriver } from './sql-driver.js';

/** The committed migrations folder (works from src/ and from dist/). */
export const defaultMigrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../prisma/migrations');

const MIGRATION_LOCK_KEY = 72707369; // the advisory lock key Prisma's schema engine uses

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export async function applyMigrations(sql: SqlDriver, migrationsDir = defaultMigrationsDir): Promise<MigrationResult> {
  if (!existsSync(migrationsDir)) throw new Error(`migrations folder not found: ${migrationsDir}`);
  const migrations = readdirSync(migrationsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(migrationsDir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort();
  await sql.executeScript(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`);
  return sql.transaction(async (tx) => {
    // Serialises concurrent migrators (several server processes starting at once on one PostgreSQL).
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    const rows = await tx.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
    const applied: string[] = [];
    for (const name of migrations) {
      const script = readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(script).digest('hex');
      const previous = done.get(name);
      if (previous !== undefined) {
        if (previous !== checksum) {
          throw new Error(`migration ${name} was modified after it was applied (checksum mismatch); create a new migration instead`);
        }
        continue;
      }
      await tx.executeScript(script);
      await tx.execute(
        'INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)',
        [randomUUID(), checksum, name],
      );
      applied.push(name);
    }
    return { applied, alreadyApplied: migrations.length - applied.length };
  });
}
