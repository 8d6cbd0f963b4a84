// Opens Cascade's database: embedded PGlite by default (zero set-up), any PostgreSQL server when
// DATABASE_URL is set. One Prisma client for typed access and one raw SQL driver for bulk paths.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaClient } from '@prisma/client';
import { applyMigrations, type MigrationResult } from './migrate.js';
import { createPgDriver, createPgliteDriver, type SqlDriver } from './sql-driver.js';
import { createPgliteThreadDriver } from './pglite-thread-driver.js';
import { acquireDataDirLock } from './database-lock.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface CascadeDatabase {
  prisma: PrismaClient;
  sql: SqlDriver;
  kind: DatabaseKind;
  /** Where the data lives: the PGlite folder, or the PostgreSQL URL with the password masked. */
  location: string;
  /** What opening the database migrated (absent when opened with `migrate: false`). */
  migrations?: MigrationResult;
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
  /**
   * Run embedded PGlite on its own worker thread (default false; CASCADE_PGLITE_THREAD=1|0 overrides either
   * way). Its work then runs in parallel with the event loop, but only `db.sql` is available, not `db.prisma`.
   */
  pgliteThread?: boolean;
}

/** Whether PGlite runs on its own thread: CASCADE_PGLITE_THREAD (1 or 0), validated, else the option. */
export function pgliteThreadEnabled(option: boolean | undefined): boolean {
  const raw = process.env.CASCADE_PGLITE_THREAD;
  if (raw === undefined || raw.trim() === '') return option ?? false;
  if (raw.trim() === '1') return true;
  if (raw.trim() === '0') return false;
  throw new Error(`CASCADE_PGLITE_THREAD must be 1 (PGlite on its own thread) or 0 (in process), got "${raw}"`);
}

export const PRISMA_UNAVAILABLE_ON_THREAD = 'db.prisma is not available when PGlite runs on its own thread (CASCADE_PGLITE_THREAD); use db.sql';

/** PGlite's shared_buffers for a folder database unless CASCADE_PGLITE_SHARED_BUFFERS_MB says otherwise. */
export const DEFAULT_PGLITE_SHARED_BUFFERS_MB = 512;
/** In-memory databases (tests) keep PGlite's own default: each one holds its whole buffer pool in memory. */
const MEMORY_PGLITE_SHARED_BUFFERS_MB = 128;
/** PGlite runs in 32-bit WebAssembly (at most 2 GB of memory in all). */
const MAX_PGLITE_SHARED_BUFFERS_MB = 1024;

/** The shared_buffers (MB) for an embedded database: CASCADE_PGLITE_SHARED_BUFFERS_MB, validated, or the default. */
export function pgliteSharedBuffersMb(inMemory: boolean): number {
  const raw = process.env.CASCADE_PGLITE_SHARED_BUFFERS_MB;
  if (raw === undefined || raw.trim() === '') return inMemory ? MEMORY_PGLITE_SHARED_BUFFERS_MB : DEFAULT_PGLITE_SHARED_BUFFERS_MB;
  const mb = Number(raw);
  if (!Number.isInteger(mb) || mb < 16 || mb > MAX_PGLITE_SHARED_BUFFERS_MB) {
    throw new Error(`CASCADE_PGLITE_SHARED_BUFFERS_MB must be an integer from 16 to ${MAX_PGLITE_SHARED_BUFFERS_MB}, got "${raw}"`);
  }
  return mb;
}

/**
 * PGlite's start parameters: its defaults (which already run with fsync off) plus a buffer pool that holds the
 * events indexes that ingestion writes at random (user and item), so a batch does not read and evict pages
 * through the file system for every row, and no full-page images in the WAL: with fsync off they cannot
 * protect against an operating-system crash anyway, and a killed process cannot tear a page (each page is one
 * write to the operating system's cache). A commit still writes its WAL before it returns.
 */
export function pgliteStartParams(defaults: readonly string[], sharedBuffersMb: number): string[] {
  return [...defaults, '-c', `shared_buffers=${sharedBuffersMb}MB`, '-c', 'full_page_writes=off'];
}

export function defaultDataDir(): string {
  return path.resolve(process.env.CASCADE_DATA_DIR ?? path.join('.cascade', 'data'));
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<CascadeDatabase> {
  const databaseUrl = options.databaseUrl ?? (options.dataDir ? undefined : process.env.DATABASE_URL);
  const db = databaseUrl
    ? await openPostgres(databaseUrl, options.poolSize ?? 10)
    : await openPglite(options.dataDir ?? defaultDataDir(), pgliteThreadEnabled(options.pgliteThread));
  if (options.migrate === false) return db;
  try {
    // Assigned, not spread: spreading would read the throwing db.prisma of a threaded database.
    db.migrations = await applyMigrations(db.sql);
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** A fresh in-memory PGlite with every migration applied: for tests. */
export function openTestDatabase(): Promise<CascadeDatabase> {
  return openDatabase({ dataDir: 'memory://' });
}

async function openPglite(dataDir: string, thread: boolean): Promise<CascadeDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  const inMemory = dataDir.startsWith('memory://');
  const startParams = pgliteStartParams(PGlite.defaultStartParams, pgliteSharedBuffersMb(inMemory));
  let release = () => {};
  if (!inMemory) {
    mkdirSync(path.dirname(dataDir), { recursive: true });
    release = acquireDataDirLock(`${dataDir}.lock`);
  }
  if (thread) return openPgliteThread(inMemory ? undefined : dataDir, startParams, release);
  let pglite;
  try {
    pglite = await PGlite.create({ dataDir: inMemory ? undefined : dataDir, startParams });
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

/** PGlite on a worker thread: the folder lock stays with this thread, and there is no Prisma client. */
async function openPgliteThread(dataDir: string | undefined, startParams: string[], release: () => void): Promise<CascadeDatabase> {
  let sql: SqlDriver;
  try {
    sql = await createPgliteThreadDriver({ dataDir, startParams });
  } catch (error) {
    release();
    throw error;
  }
  return {
    get prisma(): PrismaClient {
      throw new Error(PRISMA_UNAVAILABLE_ON_THREAD);
    },
    sql,
    kind: 'pglite',
    location: dataDir ?? 'memory',
    async close() {
      try {
        await sql.close();
      } finally {
        release();
      }
    },
  };
}

/** Splits Prisma's `?schema=name` convention off a connection string (node-postgres does not know it). */
function splitSchema(url: string): { connectionString: string; schema?: string } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) throw new Error(`DATABASE_URL: invalid schema name "${schema}"`);
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema };
}

async function openPostgres(url: string, poolSize: number): Promise<CascadeDatabase> {
  const pg = (await import('pg')).default;
  const { PrismaPg } = await import('@prisma/adapter-pg');
  const { connectionString, schema } = splitSchema(url);
  const pool = new pg.Pool({ connectionString, max: poolSize, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    throw new Error(`could not connect to PostgreSQL at ${maskUrl(url)}: ${(error as Error).message}`);
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, schema ? { schema } : undefined) });
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

/**
 * A fresh schema on a PostgreSQL server with every migration applied, dropped again on close: lets
 * integration tests share one server without seeing each other's data.
 */
export async function openTestPostgresDatabase(url: string): Promise<CascadeDatabase> {
  const schema = `cascade_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = await openDatabase({ databaseUrl: url, migrate: false, poolSize: 1 });
  await admin.sql.executeScript(`CREATE SCHEMA ${schema}`);
  await admin.close();
  const scoped = new URL(url);
  scoped.searchParams.set('schema', schema);
  const db = await openDatabase({ databaseUrl: scoped.toString(), poolSize: 4 });
  return {
    ...db,
    async close() {
      await db.close();
      const cleanup = await openDatabase({ databaseUrl: url, migrate: false, poolSize: 1 });
      await cleanup.sql.executeScript(`DROP SCHEMA ${schema} CASCADE`);
      await cleanup.close();
    },
  };
}
