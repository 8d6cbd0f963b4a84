// The world the `serve` benchmark serves from, built once and cached under .cascade/bench/serve/<key>/
// (CASCADE_BENCH_SERVE_ROOT moves it), where the key hashes every setup parameter (and the database it lives
// in): a seeded synthetic catalogue and its users, the implicit-ALS recall model with its HNSW index, and a
// DeepFM ranker, trained briefly (the benchmark measures serving, not model quality). `setup.json` is written
// last: a folder without it is incomplete and rebuilt.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, seedDemoData, type CascadeDatabase } from '@cascade/db';
import { ensureStartupModels } from '@cascade/pipeline';

export interface ServeSetupConfig {
  users: number;
  items: number;
  /** Mean impressions per user of the synthetic history (bounds the ranker's training sample). */
  impressionsPerUser: number;
  /** DeepFM hidden layers and field embedding size. */
  hidden: number[];
  embedDim: number;
  /** Ranker training epochs over the impressions. */
  epochs: number;
  seed: number;
}

export interface ServeSetup {
  dir: string;
  modelsDir: string;
  /** The server's environment for this database: CASCADE_DATA_DIR (PGlite) or DATABASE_URL (PostgreSQL). */
  databaseEnv: Record<string, string>;
  database: 'pglite' | 'postgres';
  report: ServeSetupReport;
  /** True when this run built the setup, false when it came from the cache. */
  built: boolean;
}

export interface ServeSetupReport {
  config: ServeSetupConfig;
  events: number;
  impressions: number;
  seconds: { seed: number; recall: number; index: number; ranker: number };
  ranker: { auc: number; logloss: number; trainRows: number; testRows: number };
  recall: { users: number; items: number; nnz: number };
}

/** Bump when the way the setup is built changes, so stale caches are not reused. */
const SETUP_VERSION = 1;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Where the cached setups (and the profiles) live: CASCADE_BENCH_SERVE_ROOT, or .cascade/bench/serve. An
 * embedded database is held by one process at a time, so concurrent benchmark runs each need a root of their own.
 */
export function serveBenchRoot(): string {
  const root = process.env.CASCADE_BENCH_SERVE_ROOT;
  if (root === undefined || root === '') return path.join(repoRoot, '.cascade', 'bench', 'serve');
  if (root.trim() !== root) throw new Error('CASCADE_BENCH_SERVE_ROOT must not start or end with white space');
  return path.resolve(root);
}

/** The database URL without password or schema: part of the cache key, never printed with its secret. */
function databaseIdentity(url: string): string {
  const u = new URL(url);
  u.password = '';
  u.searchParams.delete('schema');
  return u.toString();
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * The cached setup for `config`, built first when missing. PostgreSQL (when `postgresUrl` is given) gets a
 * schema of its own, so the benchmark never touches other data on that server.
 */
export async function ensureServeSetup(config: ServeSetupConfig, postgresUrl: string | undefined, log: (msg: string) => void): Promise<ServeSetup> {
  const database = postgresUrl ? 'postgres' : 'pglite';
  const keySource = JSON.stringify({ SETUP_VERSION, config, database: postgresUrl ? databaseIdentity(postgresUrl) : 'pglite' });
  const key = createHash('sha256').update(keySource).digest('hex').slice(0, 12);
  const dir = path.join(serveBenchRoot(), `${config.items}i-${config.users}u-${key}`);
  const modelsDir = path.join(dir, 'models');
  const schema = `cascade_serve_bench_${key}`;
  let databaseUrl: string | undefined;
  if (postgresUrl) {
    const u = new URL(postgresUrl);
    u.searchParams.set('schema', schema);
    databaseUrl = u.toString();
  }
  const databaseEnv: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl } : { CASCADE_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '' };
  const open = (): Promise<CascadeDatabase> => (databaseUrl ? openDatabase({ databaseUrl }) : openDatabase({ dataDir: path.join(dir, 'data') }));

  const reportFile = path.join(dir, 'setup.json');
  if (existsSync(reportFile)) {
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ServeSetupReport;
    // a PostgreSQL schema can change behind the cache's back: check that the catalogue is still there
    const db = await open();
    try {
      const [row] = await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM items');
      if (Number(row?.n) >= config.items) {
        log(`setup reused from ${path.relative(repoRoot, dir)}`);
        return { dir, modelsDir, databaseEnv, database, report, built: false };
      }
      log(`cached setup lacks its catalogue (${row?.n} items): rebuilding`);
    } finally {
      await db.close();
    }
  }

  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (postgresUrl) {
    const admin = await openDatabase({ databaseUrl: postgresUrl, migrate: false, poolSize: 1 });
    try {
      await admin.sql.executeScript(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    } finally {
      await admin.close();
    }
  }
  const db = await open();
  try {
    let t = performance.now();
    // the history ends now, so recent activity, popularity decay and the new-items window see live data
    const endTime = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    let lastProgress = performance.now();
    const seeded = await seedDemoData(
      db,
      { users: config.users, items: config.items, impressionsPerUser: config.impressionsPerUser, slateSize: 10, days: 30, endTime, seed: config.seed, keyPrefix: 'serve-bench' },
      (p) => {
        if (performance.now() - lastProgress < 10_000 && p.done < p.total) return;
        lastProgress = performance.now();
        log(`seeding ${p.done}/${p.total}`);
      },
    );
    const seedSeconds = (performance.now() - t) / 1000;
    const [{ n: impressions }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE type = 'impression'`);
    log(`seeded ${config.users} users, ${config.items} items, ${seeded.events.inserted} events (${impressions} impressions) in ${seedSeconds.toFixed(1)} s`);
    t = performance.now();
    const models = await ensureStartupModels(db, {
      modelsDir,
      recall: { evaluate: false },
      ranker: { epochs: config.epochs, hyperparameters: { hidden: config.hidden, embedDim: config.embedDim } },
      onProgress: (r) => log(`${r.stage} ${r.status} in ${r.seconds.toFixed(1)} s ${JSON.stringify(r.metrics)}`),
    });
    const stage = (name: string) => models.stages.find((s) => s.stage === name);
    for (const name of ['recall', 'index', 'ranker']) {
      if (stage(name)?.status !== 'trained') throw new Error(`serve setup: the ${name} stage did not train (${stage(name)?.reason ?? stage(name)?.status})`);
    }
    const recall = stage('recall')!.metrics;
    const ranker = stage('ranker')!.metrics;
    const report: ServeSetupReport = {
      config,
      events: seeded.events.inserted,
      impressions: Number(impressions),
      seconds: { seed: round(seedSeconds), recall: round(stage('recall')!.seconds), index: round(stage('index')!.seconds), ranker: round(stage('ranker')!.seconds) },
      ranker: { auc: ranker.auc, logloss: ranker.logloss, trainRows: ranker.trainRows, testRows: ranker.testRows },
      recall: { users: recall.users, items: recall.items, nnz: recall.nnz },
    };
    log(`models trained in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    return { dir, modelsDir, databaseEnv, database, report, built: true };
  } finally {
    await db.close();
  }
}
