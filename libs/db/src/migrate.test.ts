import { cpSync, mkdtempSync, appendFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyMigrations, defaultMigrationsDir, openDatabase, openTestPostgresDatabase } from './index.js';

const migrationNames = readdirSync(defaultMigrationsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe('migrations', () => {
  it('apply to a fresh PGlite once, are recorded like prisma migrate deploy, and detect edited migrations', async () => {
    const db = await openDatabase({ dataDir: 'memory://' });
    try {
      expect(db.migrations?.applied).toEqual(migrationNames);
      expect(await applyMigrations(db.sql)).toEqual({ applied: [], alreadyApplied: migrationNames.length });
      const rows = await db.sql.query<{ migration_name: string; checksum: string }>('SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name');
      expect(rows.map((r) => r.migration_name)).toEqual(migrationNames);
      expect(rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);
      const edited = mkdtempSync(path.join(os.tmpdir(), 'cascade-migrations-'));
      cpSync(defaultMigrationsDir, edited, { recursive: true });
      appendFileSync(path.join(edited, migrationNames[0], 'migration.sql'), '\n-- edited\n');
      await expect(applyMigrations(db.sql, edited)).rejects.toThrow(/was modified after it was applied/);
    } finally {
      await db.close();
    }
  });

  it.runIf(process.env.CASCADE_TEST_DATABASE_URL)('apply to a fresh schema on the PostgreSQL server', async () => {
    const db = await openTestPostgresDatabase(process.env.CASCADE_TEST_DATABASE_URL!);
    try {
      expect(db.kind).toBe('postgres');
      expect(db.migrations?.applied).toEqual(migrationNames);
      expect(await db.prisma.item.count()).toBe(0);
    } finally {
      await db.close();
    }
  });
});
