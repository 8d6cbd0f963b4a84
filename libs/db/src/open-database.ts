// Opens Cascade's database: embedded PGlite by default (zero set-up), any PostgreSQL server when
// DATABASE_URL is set. One Prisma client for typed access and one raw SQL driver for bulk paths.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaClient } from '@prisma/client';
import { applyMigrations, type MigrationResult } from './migrate.js';
import { createPgDriver, createPgliteDriver, type SqlDriver } from './sql-driver.js';
import { acquireDataDirLock } from './database-lock.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface CascadeDatabase {
  prisma: PrismaClient;
  sql: SqlDriver;
  kind: DatabaseKind;
  /** Where the data lives: the PGlite folder, or the PostgreSQL URL with the password masked. */
  location: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A PostgreSQL connection string; defaults to DATABASE_URL. */
  databaseUrl?: string;
  /** The PGlite data folder; defaults to CASCADE_DATA_DIR or `.cascade/data` under the working directory. `memory://` for a throw-away database. */
  dataDir?: string;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /** Largest number of PostgreSQL connections in the pool (default 10). */
  poolSize?: number;
}

export function defaultDataDir(): string {
  return path.resolve(process.env.CASCADE_DATA_DIR ?? path.join('.cascade', 'data'));
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<CascadeDatabase & { migrations?: MigrationResult }> {
  const databaseUrl = options.databaseUrl ?? (options.dataDir ? undefined : process.env.DATABASE_URL);
  const db = databaseUrl ? await openPostgres(databaseUrl, options.poolSize ?? 10) : await openPglite(options.dataDir ?? defaultDataDir());
  if (options.migrate === false) return db;
  try {
    const migrations = await applyMigrations(db.sql);
    return { ...db, migrations };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** A fresh in-memory PGlite with every migration applied: for tests. */
export function openTestDatabase(): Promise<CascadeDatabase> {
  return openDatabase({ dataDir: 'memory://' });
}

async function openPglite(dataDir: string): Promise<CascadeDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  const inMemory = dataDir.startsWith('memory://');
  let release = () => {};
  if (!inMemory) {
    mkdirSync(path.dirname(dataDir), { recursive: true });
    release = acquireDataDirLock(`${dataDir}.lock`);
  }
  let pglite;
  try {
    pglite = await PGlite.create({ dataDir: inMemory ? undefined : dataDir });
  } catch (error) {
    release();
    throw new Error(`could not open the embedded database at ${dataDir}: ${(error as Error).message}`);
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  const sql = createPgliteDriver(pglite);
  return {
    prisma,
    sql,
    kind: 'pglite',
    location: inMemory ? 'memory' : dataDir,
    async close() {
      await prisma.$disconnect();
      if (!pglite.closed) await pglite.close();
      release();
    },
  };
}

async function openPostgres(url: string, poolSize: number): Promise<CascadeDatabase> {
  const pg = (await import('pg')).default;
  const { PrismaPg } = await import('@prisma/adapter-pg');
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    throw new Error(`could not connect to PostgreSQL at ${maskUrl(url)}: ${(error as Error).message}`);
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    sql: createPgDriver(pool),
    kind: 'postgres',
    location: maskUrl(url),
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}

function maskUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
