// The pipeline benchmark's database, built once per parameter set and reused: an embedded PGlite folder under
// `.cascade/bench/pipeline/<key>/db` (its `ready.json` says the load finished), or the PostgreSQL database
// named by CASCADE_BENCH_DATABASE_URL (a `cascade_bench_pipeline` row records which parameters it holds).
// The load runs in a child process so its memory never counts towards the timed pipeline's peak RSS.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type CascadeDatabase } from '@cascade/db';
import { bulkLoadBenchWorld, type BulkLoadResult } from './bulk-load.js';
import type { BenchWorldConfig } from './synthetic-events.js';

export interface BenchDatabaseSpec {
  world: BenchWorldConfig;
  /** Cache root (default `.cascade/bench/pipeline`). */
  cacheRoot: string;
  /** A PostgreSQL URL instead of the embedded database. */
  databaseUrl?: string;
}

export interface BenchDatabaseInfo {
  key: string;
  kind: 'pglite' | 'postgres';
  dataDir: string | null;
  cached: boolean;
  setupSeconds: number;
  load: BulkLoadResult;
}

const FORMAT = 1;

export function benchKey(world: BenchWorldConfig): string {
  return `v${FORMAT}-e${world.events}-u${world.users}-i${world.items}-d${world.days}-s${world.seed}`;
}

export function benchDataDir(spec: BenchDatabaseSpec): string {
  return path.join(path.resolve(spec.cacheRoot), benchKey(spec.world), 'db');
}

export function openBenchDatabase(spec: BenchDatabaseSpec): Promise<CascadeDatabase> {
  return spec.databaseUrl ? openDatabase({ databaseUrl: spec.databaseUrl }) : openDatabase({ dataDir: benchDataDir(spec) });
}

async function postgresMarker(db: CascadeDatabase): Promise<{ key: string; load: BulkLoadResult } | null> {
  await db.sql.execute('CREATE TABLE IF NOT EXISTS cascade_bench_pipeline (key text PRIMARY KEY, load jsonb NOT NULL)');
  const rows = await db.sql.query<{ key: string; load: BulkLoadResult | string }>('SELECT key, load FROM cascade_bench_pipeline');
  if (rows.length === 0) return null;
  const load = typeof rows[0].load === 'string' ? (JSON.parse(rows[0].load) as BulkLoadResult) : rows[0].load;
  return { key: rows[0].key, load };
}

/** Runs in the child: loads the world and records that it is complete. */
export async function loadBenchDatabase(spec: BenchDatabaseSpec, log: (line: string) => void): Promise<BulkLoadResult> {
  const key = benchKey(spec.world);
  if (!spec.databaseUrl) {
    const dataDir = benchDataDir(spec);
    rmSync(path.dirname(dataDir), { recursive: true, force: true });
    mkdirSync(path.dirname(dataDir), { recursive: true });
  }
  const db = await openBenchDatabase(spec);
  try {
    if (spec.databaseUrl) {
      const marker = await postgresMarker(db);
      const [events] = await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
      if (marker || Number(events?.n) > 0) {
        // Only a database this bench filled before is emptied; anything else is refused.
        if (!marker) throw new Error('CASCADE_BENCH_DATABASE_URL: the database holds events that the pipeline bench did not load; point it at an empty database');
        log(`emptying the bench database (it held ${marker.key})`);
        await db.sql.execute('TRUNCATE events, users, items, model_versions, jobs, job_locks RESTART IDENTITY');
        await db.sql.execute('DELETE FROM cascade_bench_pipeline');
      }
    }
    let last = 0;
    const load = await bulkLoadBenchWorld(db, spec.world, (p) => {
      const now = performance.now();
      if (now - last > 5000 || p.done === p.total) {
        last = now;
        log(`${p.phase} ${p.done}/${p.total}`);
      }
    });
    if (spec.databaseUrl) {
      await db.sql.execute('INSERT INTO cascade_bench_pipeline (key, load) VALUES ($1, $2::jsonb)', [key, JSON.stringify(load)]);
    } else {
      await db.close();
      writeFileSync(path.join(path.dirname(benchDataDir(spec)), 'ready.json'), `${JSON.stringify({ key, load }, null, 2)}\n`);
    }
    return load;
  } finally {
    await db.close().catch(() => undefined);
  }
}

/** What is already there for these parameters, or null when the load must run. */
async function cachedLoad(spec: BenchDatabaseSpec): Promise<BulkLoadResult | null> {
  const key = benchKey(spec.world);
  if (spec.databaseUrl) {
    const db = await openBenchDatabase(spec);
    try {
      const marker = await postgresMarker(db);
      return marker?.key === key ? marker.load : null;
    } finally {
      await db.close();
    }
  }
  const ready = path.join(path.dirname(benchDataDir(spec)), 'ready.json');
  if (!existsSync(ready)) return null;
  const saved = JSON.parse(readFileSync(ready, 'utf8')) as { key: string; load: BulkLoadResult };
  return saved.key === key ? saved.load : null;
}

/** The database for `spec`, loading it in a child process unless a complete copy is cached. */
export async function ensureBenchDatabase(spec: BenchDatabaseSpec, log: (line: string) => void): Promise<BenchDatabaseInfo> {
  const key = benchKey(spec.world);
  const kind = spec.databaseUrl ? 'postgres' : 'pglite';
  const dataDir = spec.databaseUrl ? null : benchDataDir(spec);
  const cached = await cachedLoad(spec);
  if (cached) return { key, kind, dataDir, cached: true, setupSeconds: 0, load: cached };
  const started = performance.now();
  const child = fileURLToPath(new URL('./setup-child.ts', import.meta.url));
  await new Promise<void>((resolve, reject) => {
    const proc = spawn(process.execPath, ['--conditions=@cascade/source', '--import', 'tsx', child, JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit'] });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`bench database setup failed (exit ${code ?? signal})`))));
  });
  const load = await cachedLoad(spec);
  if (!load) throw new Error('bench database setup finished without recording its load');
  log(`setup: ${load.events} events loaded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return { key, kind, dataDir, cached: false, setupSeconds: (performance.now() - started) / 1000, load };
}
