// The serving API under load: apps/server in its own process (the cached setup of serve-setup.ts: a 100,000-item
// catalogue, 50,000 users, ALS + HNSW recall and a DeepFM 400-400-400 ranker, 500 candidates per request), the
// load from this process with autocannon over loopback (keep-alive connections): recommend for k = 20 at
// concurrency 1, 16 and 64, then events.logBatch with 500 events per call. Every response is checked (2xx,
// k items); latencies are client-side per request.
// Usage: npm run bench -- serve [--users 50000] [--items 100000] [--impressions-per-user 8] [--duration 12]
//          [--ingest-duration 10] [--ingest-warmup 0] [--ingest-connections 6] [--unknown-share 0.1]
//          [--phases c1,c16,c64,ingest] [--profile]
// CASCADE_BENCH_DATABASE_URL=postgres://… serves from PostgreSQL (a schema of the benchmark's own) instead of
// an embedded PGlite folder. --profile writes a CPU profile of the server to .cascade/bench/serve/profiles/.
// --phases runs only the named phases (default all); the figures of the others are null. --ingest-warmup N
// sends N seconds of the same logBatch load first, unmeasured (default 0: the ingest phase starts cold for
// its own code paths, WebAssembly tier-up and the index pages it writes).
// CASCADE_BENCH_SERVE_ROOT=<folder> keeps the cached setup and the profiles there instead of .cascade/bench/serve.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createApiKey } from '@cascade/api';
import { SeededRandom } from '@cascade/core';
import { openDatabase, type CascadeDatabase } from '@cascade/db';
import { ensureServeSetup, serveBenchRoot, type ServeSetup, type ServeSetupConfig } from './serve-setup.js';
import { positiveIntOption } from './bench-kit.js';
import { freePort } from '../../e2e/free-port.js';

const log = (msg: string): void => void process.stderr.write(`serve-bench: ${msg}\n`);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const K = 20;
const CANDIDATES = 500; // the Recommender's default, which apps/server uses
const INGEST_BATCH = 500;
const INGEST_KEY_PREFIX = 'serve-bench-ingest-';

/** Peer figures from the issue, reported beside ours. */
const ANCHORS = {
  anchor_gorse_item_based_ms: 4.35,
  anchor_gorse_item_based_cached_ms: 0.5,
  anchor_metarank_rerank_ms_low: 10,
  anchor_metarank_rerank_ms_high: 30,
};
const STAGE_NAMES = ['recallMs', 'rankMs', 'exploreMs', 'totalMs'] as const;
type StageName = (typeof STAGE_NAMES)[number];

/** The part of a recommend response the benchmark checks. */
interface RecommendBody {
  items?: unknown[];
  fallbacks?: string[];
  modelVersions?: { recall: string | null; ranker: string | null };
  timings: Record<StageName, number>;
}
const TARGETS = { p99_ms_c16_max: 25, rps_c16_min: 400, ingest_events_per_sec_min: 20_000 };

function nonNegativeIntOption(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

function shareOption(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const x = Number(args[i + 1]);
  if (!(x >= 0 && x < 1)) throw new Error(`${name} must be a number in [0, 1)`);
  return x;
}

const RECOMMEND_PHASES = ['c1', 'c16', 'c64'] as const;
const PHASES = [...RECOMMEND_PHASES, 'ingest'] as const;
type Phase = (typeof PHASES)[number];

/** `--phases a,b`: the phases to run (default all), each one of PHASES, in the benchmark's own order. */
function phasesOption(args: string[]): Set<Phase> {
  const i = args.indexOf('--phases');
  if (i < 0) return new Set(PHASES);
  const names = (args[i + 1] ?? '').split(',').map((p) => p.trim());
  if (names.length === 0 || names.some((p) => p === '')) throw new Error(`--phases must be a comma-separated list of ${PHASES.join(', ')}`);
  for (const name of names) {
    if (!(PHASES as readonly string[]).includes(name)) throw new Error(`--phases: unknown phase "${name}" (expected ${PHASES.join(', ')})`);
  }
  return new Set(names as Phase[]);
}

function quantile(sorted: Float64Array, q: number): number | null {
  if (sorted.length === 0) return null;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round(sorted[at] * 100) / 100;
}

interface RunningServer {
  url: string;
  child: ChildProcess;
  startSeconds: number;
  output: () => string;
}

/** apps/server on a free port; resolves once it logs "ready" (the Recommender is loaded). */
async function startServer(setup: ServeSetup, profileDir: string | null): Promise<RunningServer> {
  const port = await freePort();
  const nodeArgs = ['--conditions=@cascade/source', '--import', 'tsx'];
  if (profileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  const started = performance.now();
  const child = spawn('node', [...nodeArgs, 'apps/server/src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...setup.databaseEnv, CASCADE_MODELS_DIR: setup.modelsDir, CASCADE_PORT: String(port), CASCADE_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready within 300 s:\n${output}`)), 300_000);
    const onData = () => {
      const ready = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"ready"/.exec(output);
      if (ready) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(ready[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code ?? signal} before it was ready:\n${output}`));
    });
  });
  return { url, child, startSeconds: (performance.now() - started) / 1000, output: () => output };
}

async function stopServer(server: RunningServer): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid!, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux), or null elsewhere: on a shared
 * machine, events per server CPU second compares runs that wall-clock throughput alone cannot.
 */
function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields from the state on: utime and stime are the 12th and 13th (clock ticks, 100 per second on Linux)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The server's resident memory from /metrics (MB), or null. */
async function serverRssMb(url: string): Promise<number | null> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^process_resident_memory_bytes (\S+)$/m.exec(text);
  return m ? Math.round(Number(m[1]) / 1e6) : null;
}

interface PhaseResult {
  connections: number;
  seconds: number;
  requests: number;
  rps: number;
  p50_ms: number | null;
  p90_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  errors: number;
  non_2xx: number;
  timeouts: number;
  load_average: number;
}

/**
 * One autocannon run: `connections` keep-alive connections for `seconds`, each request built by `body()`.
 * Latency is taken per 2xx response from autocannon's own per-request timer (full resolution, not its
 * millisecond histogram); `check` sees every 2xx body and returns an error description or null.
 */
async function loadPhase(
  url: string,
  apiKey: string,
  procedure: string,
  connections: number,
  seconds: number,
  body: () => string,
  check: (responseBody: string) => string | null,
): Promise<PhaseResult & { failures: Map<string, number> }> {
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/trpc/${procedure}`,
        method: 'POST',
        connections,
        duration: seconds,
        timeout: 30,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        requests: [
          {
            setupRequest: (request) => ({ ...request, body: body() }),
            onResponse: (status, responseBody) => {
              const problem = status >= 200 && status < 300 ? check(responseBody) : `HTTP ${status}: ${responseBody.slice(0, 200)}`;
              if (problem) failures.set(problem, (failures.get(problem) ?? 0) + 1);
            },
          },
        ],
      },
      (error, r) => (error ? reject(error) : resolve(r)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
  const sorted = Float64Array.from(latencies).sort();
  const requests = sorted.length;
  return {
    connections,
    seconds: result.duration,
    requests,
    rps: Math.round((requests / result.duration) * 10) / 10,
    p50_ms: quantile(sorted, 0.5),
    p90_ms: quantile(sorted, 0.9),
    p99_ms: quantile(sorted, 0.99),
    max_ms: quantile(sorted, 1),
    errors: result.errors,
    non_2xx: result.non2xx,
    timeouts: result.timeouts,
    load_average: Math.round(os.loadavg()[0] * 100) / 100,
    failures,
  };
}

/**
 * Takes the previous runs' writes out again (ingested events, served-impression log, arm statistics), and
 * vacuums those tables: the embedded database runs no autovacuum, so without it every run would leave its
 * deleted rows in the tables and their indexes, and each later run would ingest into a larger, bloated table.
 */
async function resetServingWrites(db: CascadeDatabase): Promise<void> {
  await db.sql.execute(`DELETE FROM events WHERE idempotency_key LIKE '${INGEST_KEY_PREFIX}%'`);
  await db.sql.execute('DELETE FROM explore_impressions');
  await db.sql.execute('DELETE FROM explore_arm_stats');
  await db.sql.executeScript('VACUUM events, explore_impressions, explore_arm_stats');
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const config: ServeSetupConfig = {
    users: positiveIntOption(args, '--users', 50_000),
    items: positiveIntOption(args, '--items', 100_000),
    impressionsPerUser: positiveIntOption(args, '--impressions-per-user', 8),
    hidden: [400, 400, 400],
    embedDim: 10,
    epochs: 1,
    seed: 42,
  };
  const duration = positiveIntOption(args, '--duration', 12);
  const ingestDuration = positiveIntOption(args, '--ingest-duration', 10);
  const ingestWarmup = nonNegativeIntOption(args, '--ingest-warmup', 0);
  const ingestConnections = positiveIntOption(args, '--ingest-connections', 6);
  const unknownShare = shareOption(args, '--unknown-share', 0.1);
  const selected = phasesOption(args);
  const profileDir = args.includes('--profile') ? path.join(serveBenchRoot(), 'profiles') : null;
  if (profileDir) mkdirSync(profileDir, { recursive: true });

  const setup = await ensureServeSetup(config, process.env.CASCADE_BENCH_DATABASE_URL || undefined, log);

  // a fresh key, the ids to ask for, and last run's writes taken out (PGlite: before the server holds the folder)
  const db = setup.database === 'postgres' ? await openDatabase({ databaseUrl: setup.databaseEnv.DATABASE_URL }) : await openDatabase({ dataDir: setup.databaseEnv.CASCADE_DATA_DIR });
  let apiKey: string;
  let userIds: string[];
  let itemIds: string[];
  try {
    await resetServingWrites(db);
    apiKey = (await createApiKey(db.sql, { name: `serve bench ${new Date().toISOString()}`, scopes: ['recommend', 'ingest'] })).key;
    userIds = (await db.sql.query<{ external_id: string }>('SELECT external_id FROM users ORDER BY id')).map((r) => r.external_id);
    itemIds = (await db.sql.query<{ external_id: string }>('SELECT external_id FROM items WHERE active ORDER BY id')).map((r) => r.external_id);
  } finally {
    await db.close();
  }

  const server = await startServer(setup, profileDir);
  log(`server ready at ${server.url} in ${server.startSeconds.toFixed(1)} s (load average ${os.loadavg()[0].toFixed(2)})`);
  try {
    const rng = new SeededRandom(7);
    let unknownSerial = 0;
    let unknownSent = 0;
    let recommendSent = 0;
    const recommendBody = (): string => {
      recommendSent++;
      const unknown = rng.next() < unknownShare;
      if (unknown) unknownSent++;
      const userId = unknown ? `serve-bench-unknown-${unknownSerial++}` : userIds[rng.int(userIds.length)];
      return JSON.stringify({ userId, placement: 'home', k: K });
    };
    const fallbacks = new Map<string, number>();
    let responses = 0;
    // responses whose candidates the DNN scored (no ranker:* fallback: under overload the rank budget sheds it)
    let ranked = 0;
    // the server's own stage timings of each request (inside recommend(): no HTTP, no queueing before it)
    let stages: Record<StageName, number[]> = { recallMs: [], rankMs: [], exploreMs: [], totalMs: [] };
    const checkRecommend = (text: string): string | null => {
      const data = (JSON.parse(text) as { result?: { data?: RecommendBody } }).result?.data;
      if (!data?.items) return 'response without items';
      if (!data.modelVersions?.recall || !data.modelVersions?.ranker) return 'served without a recall model or ranker';
      responses++;
      for (const f of data.fallbacks ?? []) fallbacks.set(f, (fallbacks.get(f) ?? 0) + 1);
      if (!(data.fallbacks ?? []).some((f) => f.startsWith('ranker:'))) ranked++;
      for (const name of STAGE_NAMES) stages[name].push(data.timings[name]);
      return data.items.length === K ? null : `only ${data.items.length} items`;
    };

    const recommendPhases = RECOMMEND_PHASES.filter((p) => selected.has(p));
    if (recommendPhases.length > 0) {
      // warm-up: JIT, the ranker's buffers, database caches
      const warm = await loadPhase(server.url, apiKey, 'recommend', 4, 4, recommendBody, checkRecommend);
      log(`warm-up: ${warm.requests} requests, p50 ${warm.p50_ms} ms`);
      fallbacks.clear();
      responses = 0;
      unknownSent = 0;
      recommendSent = 0;
    }

    const phases: Record<string, PhaseResult & { ranked_share: number }> = {};
    const failures = new Map<string, number>();
    const fallbacksByPhase: Record<string, Record<string, number>> = {};
    const stagesByPhase: Record<string, Record<string, number | null>> = {};
    const stagesP99ByPhase: Record<string, Record<string, number | null>> = {};
    for (const connections of recommendPhases.map((p) => Number(p.slice(1)))) {
      fallbacks.clear();
      responses = 0;
      ranked = 0;
      stages = { recallMs: [], rankMs: [], exploreMs: [], totalMs: [] };
      const { failures: f, ...phase } = await loadPhase(server.url, apiKey, 'recommend', connections, duration, recommendBody, checkRecommend);
      for (const [k, v] of f) failures.set(k, (failures.get(k) ?? 0) + v);
      phases[`c${connections}`] = { ...phase, ranked_share: Math.round((ranked / Math.max(1, responses)) * 1000) / 1000 };
      fallbacksByPhase[`c${connections}`] = Object.fromEntries([...fallbacks].map(([k, v]) => [k, Math.round((v / Math.max(1, responses)) * 1000) / 1000]));
      const sortedStages = STAGE_NAMES.map((name) => [name, Float64Array.from(stages[name]).sort()] as const);
      stagesByPhase[`c${connections}`] = Object.fromEntries(sortedStages.map(([name, sorted]) => [name, quantile(sorted, 0.5)]));
      stagesP99ByPhase[`c${connections}`] = Object.fromEntries(sortedStages.map(([name, sorted]) => [name, quantile(sorted, 0.99)]));
      log(
        `recommend c${connections}: ${phase.rps} req/s, p50 ${phase.p50_ms} ms, p99 ${phase.p99_ms} ms, DNN-ranked ${phases[`c${connections}`].ranked_share}, ` +
          `errors ${phase.errors + phase.non_2xx + phase.timeouts}, load ${phase.load_average}`,
      );
    }
    const rss = await serverRssMb(server.url);

    // ingest: events.logBatch with 500 fresh events per call (impressions with some clicks), known users and items
    let batchSerial = 0;
    const ingestRng = new SeededRandom(11);
    const runTag = Date.now().toString(36);
    const runIngest = selected.has('ingest');
    const ingestBody = (): string => {
      const b = batchSerial++;
      const now = Date.now();
      const events = new Array(INGEST_BATCH);
      for (let i = 0; i < INGEST_BATCH; i++) {
        events[i] = {
          type: i % 10 === 9 ? 'click' : 'impression',
          userId: userIds[ingestRng.int(userIds.length)],
          itemId: itemIds[ingestRng.int(itemIds.length)],
          placement: 'home',
          occurredAt: now,
          idempotencyKey: `${INGEST_KEY_PREFIX}${runTag}-${b}-${i}`,
        };
      }
      return JSON.stringify({ events });
    };
    const checkIngest = (text: string): string | null => {
      const data = (JSON.parse(text) as { result?: { data?: { inserted?: number } } }).result?.data;
      return data?.inserted === INGEST_BATCH ? null : `logBatch inserted ${data?.inserted} of ${INGEST_BATCH}`;
    };
    let ingest: (PhaseResult & { server_cpu_seconds: number | null }) | null = null;
    if (runIngest && ingestWarmup > 0) {
      const warm = await loadPhase(server.url, apiKey, 'events.logBatch', ingestConnections, ingestWarmup, ingestBody, checkIngest);
      log(`ingest warm-up: ${Math.round(warm.rps * INGEST_BATCH)} events/s over ${ingestWarmup} s (not measured)`);
    }
    if (runIngest) {
      const cpuBefore = processCpuSeconds(server.child.pid!);
      const { failures: ingestFailures, ...measured } = await loadPhase(server.url, apiKey, 'events.logBatch', ingestConnections, ingestDuration, ingestBody, checkIngest);
      const cpuAfter = processCpuSeconds(server.child.pid!);
      for (const [k, v] of ingestFailures) failures.set(k, (failures.get(k) ?? 0) + v);
      const serverCpu = cpuBefore === null || cpuAfter === null ? null : Math.round((cpuAfter - cpuBefore) * 100) / 100;
      ingest = { ...measured, server_cpu_seconds: serverCpu };
      log(
        `ingest: ${Math.round(ingest.rps * INGEST_BATCH)} events/s (${ingest.rps} calls/s of ${INGEST_BATCH}), p99 ${ingest.p99_ms} ms, ` +
          `server CPU ${serverCpu} s (${serverCpu ? Math.round((measured.requests * INGEST_BATCH) / serverCpu) : '?'} events per CPU second), load ${ingest.load_average}`,
      );
    }
    const ingestEventsPerSec = ingest ? Math.round(ingest.rps * INGEST_BATCH) : null;

    const ran = ingest ? [...Object.values(phases), ingest] : Object.values(phases);
    const errors = ran.reduce((s, p) => s + p.errors + p.non_2xx + p.timeouts, 0);
    // a phase that did not run (--phases) reports null figures and null for its targets
    const c1 = phases.c1 as (typeof phases)[string] | undefined;
    const c16 = phases.c16 as (typeof phases)[string] | undefined;
    const c64 = phases.c64 as (typeof phases)[string] | undefined;
    return {
      p50_ms_c1: c1?.p50_ms ?? null,
      p99_ms_c1: c1?.p99_ms ?? null,
      p50_ms_c16: c16?.p50_ms ?? null,
      p99_ms_c16: c16?.p99_ms ?? null,
      rps_c1: c1?.rps ?? null,
      rps_c16: c16?.rps ?? null,
      p50_ms_c64: c64?.p50_ms ?? null,
      p99_ms_c64: c64?.p99_ms ?? null,
      rps_c64: c64?.rps ?? null,
      ranked_share_c1: c1?.ranked_share ?? null,
      ranked_share_c16: c16?.ranked_share ?? null,
      ranked_share_c64: c64?.ranked_share ?? null,
      ingest_events_per_sec: ingestEventsPerSec,
      ingest_p50_ms: ingest?.p50_ms ?? null,
      ingest_p99_ms: ingest?.p99_ms ?? null,
      errors,
      failed_checks: Object.fromEntries(failures),
      targets: {
        p99_ms_c16: { max: TARGETS.p99_ms_c16_max, met: c16 ? c16.p99_ms !== null && c16.p99_ms <= TARGETS.p99_ms_c16_max : null },
        // throughput bought by shedding the ranker (budget fallbacks) does not count
        rps_c16: { min: TARGETS.rps_c16_min, min_ranked_share: 0.99, met: c16 ? c16.rps >= TARGETS.rps_c16_min && c16.ranked_share >= 0.99 : null },
        ingest_events_per_sec: { min: TARGETS.ingest_events_per_sec_min, met: ingestEventsPerSec === null ? null : ingestEventsPerSec >= TARGETS.ingest_events_per_sec_min },
        errors: { max: 0, met: errors === 0 },
      },
      ...ANCHORS,
      phases: { ...phases, ...(ingest ? { ingest: { ...ingest, batch: INGEST_BATCH, warmup_seconds: ingestWarmup } } : {}) },
      fallback_share_by_phase: fallbacksByPhase,
      server_stage_p50_ms_by_phase: stagesByPhase,
      server_stage_p99_ms_by_phase: stagesP99ByPhase,
      request: { k: K, candidates: CANDIDATES, placement: 'home', unknown_user_share: unknownShare, unknown_sent: unknownSent, sent: recommendSent, impression_log: true },
      setup: {
        database: setup.database,
        cached: !setup.built,
        ...setup.report,
        note: 'models trained briefly (ranker: 1 epoch over the seeded impressions); the benchmark measures serving, not model quality',
      },
      server: { start_seconds: Math.round(server.startSeconds * 10) / 10, rss_mb: rss, dnn_threads: Number(process.env.CASCADE_DNN_THREADS ?? 1), profile_dir: profileDir },
      load_generator: 'autocannon (in the benchmark process), keep-alive HTTP/1.1 over loopback; server in its own process',
      cores: os.cpus().length,
      load_average: os.loadavg().map((x) => Math.round(x * 100) / 100),
    };
  } catch (error) {
    log(`server output (tail):\n${server.output().slice(-3000)}`);
    throw error;
  } finally {
    await stopServer(server);
  }
}
