// The whole training pipeline at production scale: `runPipeline` (snapshot → ALS → its time-based holdout
// evaluation → HNSW index → DeepFM on the snapshot's latest impressions → register and gate) over a synthetic
// world of 10,000,000 events, 100,000 users and 100,000 items, timed per stage with the peak resident memory of
// the process (and of any child process). Targets (issue 6): ≤ 15 minutes in total, ≤ 8 GB peak RSS on 2 cores.
// The database is built once per parameter set in a child process and cached under .cascade/bench/pipeline
// (embedded PGlite; PostgreSQL when CASCADE_BENCH_DATABASE_URL is set); `setup_seconds` is reported apart.
// Each run starts from an empty model registry and models folder, so every run trains and gates the same way.
// Usage: npm run bench -- pipeline [--events 10000000] [--users 100000] [--items 100000] [--days 60]
//        [--factors 32] [--iterations 10] [--max-impressions 2000000] [--epochs 2] [--seed 42]
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_ALS_OPTIONS } from '@cascade/recall';
import { PIPELINE_STAGES, runPipeline, STARTUP_ALS_OPTIONS, STARTUP_RANKER_HYPERPARAMETERS } from '@cascade/pipeline';
import { ensureBenchDatabase, openBenchDatabase, type BenchDatabaseSpec } from './pipeline/bench-database.js';
import { RssSampler } from './pipeline/rss-sampler.js';
import { positiveIntOption } from './bench-kit.js';

const log = (msg: string): void => void process.stderr.write(`pipeline-bench: ${msg}\n`);

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function loadAverage(): number[] {
  return os.loadavg().map((x) => round(x, 2));
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const world = {
    events: positiveIntOption(args, '--events', 10_000_000),
    users: positiveIntOption(args, '--users', 100_000),
    items: positiveIntOption(args, '--items', 100_000),
    days: positiveIntOption(args, '--days', 60),
    slateSize: 10,
    seed: positiveIntOption(args, '--seed', 42),
    endTime: Date.UTC(2026, 0, 1),
  };
  const als = { ...STARTUP_ALS_OPTIONS, factors: positiveIntOption(args, '--factors', 32), iterations: positiveIntOption(args, '--iterations', STARTUP_ALS_OPTIONS.iterations ?? DEFAULT_ALS_OPTIONS.iterations ?? 10) };
  const maxImpressions = positiveIntOption(args, '--max-impressions', 2_000_000);
  const epochs = positiveIntOption(args, '--epochs', 2);
  const databaseUrl = process.env.CASCADE_BENCH_DATABASE_URL || undefined;
  const spec: BenchDatabaseSpec = { world, cacheRoot: path.resolve('.cascade', 'bench', 'pipeline'), databaseUrl };
  const loadBefore = loadAverage();
  log(`load average ${loadBefore.join(' ')}; ${world.events} events, ${world.users} users, ${world.items} items on ${databaseUrl ? 'PostgreSQL' : 'embedded PGlite'}`);

  const setup = await ensureBenchDatabase(spec, log);
  log(setup.cached ? `reusing the cached database ${setup.key}` : `built the database ${setup.key} in ${setup.setupSeconds.toFixed(0)} s`);

  const sampler = new RssSampler();
  const started = performance.now();
  const db = await openBenchDatabase(spec);
  const openSeconds = (performance.now() - started) / 1000;
  const modelsDir = path.join(spec.cacheRoot, setup.key, 'models');
  let result;
  try {
    // A fresh registry and models folder: every run trains, evaluates and gates from the same start.
    await db.sql.execute('DELETE FROM model_versions');
    await db.sql.execute('DELETE FROM jobs');
    await db.sql.execute('DELETE FROM job_locks');
    rmSync(modelsDir, { recursive: true, force: true });
    let lastProgress = 0;
    result = await runPipeline(db, {
      modelsDir,
      recall: { als },
      ranker: { maxImpressions, epochs },
      onLog: (line) => log(line),
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastProgress < 10_000) return;
        lastProgress = now;
        const rss = sampler.read();
        log(`${p.stage} ${(p.progress * 100).toFixed(0)}% ${p.message} (rss ${rss.selfMb.toFixed(0)} MB, load ${loadAverage().join(' ')})`);
      },
    });
  } finally {
    await db.close();
  }
  const totalSeconds = (performance.now() - started) / 1000;
  const peaks = await sampler.stop();
  const loadAfter = loadAverage();

  const stageSeconds: Record<string, number> = {};
  for (const name of PIPELINE_STAGES) stageSeconds[`seconds_${name}`] = 0;
  for (const s of result.stages) stageSeconds[`seconds_${s.name}`] = round((stageSeconds[`seconds_${s.name}`] ?? 0) + s.seconds);
  const versions = result.versions.map((v) => {
    const { curve, ...metrics } = v.metrics as Record<string, unknown>;
    return { kind: v.kind, version: v.version, name: v.name, promoted: v.promoted, decision: v.decision, metrics, ...(curve ? { curve } : {}) };
  });
  const peakRssMb = round(peaks.totalMb, 0);
  const targets = { seconds_total: 900, peak_rss_mb: 8192 };
  return {
    events: setup.load.events,
    users: world.users,
    items: world.items,
    days: world.days,
    database: setup.kind,
    events_by_type: setup.load.byType,
    ctr: round(setup.load.ctr, 4),
    setup_cached: setup.cached,
    setup_seconds: round(setup.setupSeconds, 1),
    seconds_open: round(openSeconds),
    seconds_total: round(totalSeconds),
    ...stageSeconds,
    pipeline_seconds: round(result.seconds),
    peak_rss_mb: peakRssMb,
    peak_rss_self_mb: round(peaks.selfMb, 0),
    peak_rss_children_mb: round(peaks.childrenMb, 0),
    peak_rss_scope: databaseUrl
      ? 'this process and its children; the PostgreSQL server is a separate process and not counted'
      : 'this process (the embedded database included) and its children',
    snapshot: result.snapshot,
    versions,
    settings: {
      als,
      ranker: { model: 'deepfm', hyperparameters: STARTUP_RANKER_HYPERPARAMETERS, epochs, batchSize: 512, maxImpressions },
      holdoutShare: 0.1,
    },
    load_average_before: loadBefore,
    load_average_after: loadAfter,
    cores: os.cpus().length,
    targets: { ...targets, met: totalSeconds <= targets.seconds_total && peakRssMb <= targets.peak_rss_mb },
  };
}
