// Crash safety of `cascade pipeline` against PostgreSQL (the deployment where jobs and servers are separate
// processes): a server keeps answering while pipelines are SIGKILLed at random points; after every kill the
// registry is consistent (one active version per kind, every registered version complete on disk, nothing left
// `training`), the server serves the active versions, and a rerun starts clean. Two pipelines started at once:
// one runs, the other is refused naming the first.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '@cascade/core';
import { openDatabase, type CascadeDatabase } from '@cascade/db';
import { createCascadeClient } from '@cascade/sdk';
import { startServerProcess, type ServerProcess } from './server-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const baseUrl = process.env.CASCADE_TEST_DATABASE_URL;
const work = mkdtempSync(path.join(os.tmpdir(), 'cascade-crash-e2e-'));
const modelsDir = path.join(work, 'models');
const schema = `cascade_crash_${process.pid}`;
const databaseUrl = baseUrl ? (() => {
  const u = new URL(baseUrl);
  u.searchParams.set('schema', schema);
  return u.toString();
})() : '';
const env = { ...process.env, DATABASE_URL: databaseUrl, CASCADE_MODELS_DIR: modelsDir };
const nodeArgs = ['--conditions=@cascade/source', '--import', 'tsx', 'apps/jobs/src/main.ts'];
// Small and quick: the point is where the process dies, not the model quality.
const FAST = ['--factors', '8', '--iterations', '6', '--ranker-model', 'fm', '--epochs', '2', '--evaluation-users', '300'];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs `cascade <args>`; with `killAfterMs`, SIGKILLs it then. */
function cascade(args: string[], killAfterMs?: number): Promise<Run> {
  const started = performance.now();
  const child = spawn('node', [...nodeArgs, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    }),
  );
}

let db: CascadeDatabase;
let server: ServerProcess | undefined;

async function startServer(): Promise<string> {
  server = await startServerProcess(env);
  return server.url;
}

/** The registry invariants that must hold whenever no pipeline is running. */
async function checkRegistry(): Promise<Record<string, string>> {
  const rows = await db.sql.query<{ id: number; kind: string; status: string; name: string; artifact_path: string }>(
    'SELECT id, kind, status::text AS status, name, artifact_path FROM model_versions ORDER BY id',
  );
  const active: Record<string, string> = {};
  for (const r of rows) {
    expect(['ready', 'active', 'retired']).toContain(r.status);
    expect(existsSync(path.join(r.artifact_path, 'model.json')), `${r.name} model.json`).toBe(true);
    if (r.kind === 'recall') expect(existsSync(path.join(r.artifact_path, 'items.hnsw')), `${r.name} index`).toBe(true);
    if (r.status === 'active') {
      expect(active[r.kind], `two active ${r.kind} versions`).toBeUndefined();
      active[r.kind] = r.name;
    }
  }
  expect(Object.keys(active).sort()).toEqual(['ranker', 'recall']);
  return active;
}

beforeAll(async () => {
  if (!baseUrl) return;
  const admin = await openDatabase({ databaseUrl: baseUrl, migrate: false, poolSize: 1 });
  await admin.sql.executeScript(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  await admin.close();
  db = await openDatabase({ databaseUrl, poolSize: 2 });
});

afterAll(async () => {
  await server?.stop('SIGKILL');
  await db?.close();
  if (baseUrl) {
    const admin = await openDatabase({ databaseUrl: baseUrl, migrate: false, poolSize: 1 });
    await admin.sql.executeScript(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  }
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!baseUrl)('cascade pipeline crash safety (PostgreSQL; set CASCADE_TEST_DATABASE_URL)', () => {
  it('survives SIGKILL at 10 random points with a consistent registry, a serving server and a clean rerun', async () => {
    const seeded = await cascade(['seed', '--users', '400', '--items', '200', '--impressions-per-user', '30', '--json']);
    expect(seeded.code, seeded.stderr).toBe(0);
    const first = await cascade(['pipeline', ...FAST, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const key = JSON.parse((await cascade(['api-keys', 'create', '--name', 'crash e2e', '--scopes', 'recommend', '--json'])).stdout.trim().split('\n').at(-1)!).key as string;
    const url = await startServer();
    const client = createCascadeClient({ url: `${url}/trpc`, apiKey: key, retries: 0, timeoutMs: 30_000 });

    // Load throughout: every request must succeed, whatever the pipelines do.
    let requests = 0;
    const failures: string[] = [];
    let loading = true;
    const load = (async () => {
      for (let i = 0; loading; i++) {
        try {
          const r = await client.recommend({ userId: `user-${1 + (i % 400)}`, placement: 'home', k: 10, log: false });
          if (r.items.length !== 10) failures.push(`request ${i}: ${r.items.length} items`);
          requests++;
        } catch (error) {
          failures.push(`request ${i}: ${(error as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const rng = new SeededRandom(2026);
    const kills: { at: number; signal: string | null }[] = [];
    for (let i = 0; i < 10; i++) {
      // Spread over the whole run: process start, snapshot, ALS, evaluation, index, ranker, registration.
      const at = Math.round(first.seconds * 1000 * ((i + rng.next()) / 10));
      const run = await cascade(['pipeline', ...FAST, '--json'], at);
      kills.push({ at, signal: run.signal });
      const active = await checkRegistry();
      // The server follows the registry (hot reload polls every 2 s).
      const deadline = Date.now() + 15_000;
      let served = await client.recommend({ userId: 'user-1', placement: 'home', k: 5, log: false });
      while ((served.modelVersions.recall !== active.recall || served.modelVersions.ranker !== active.ranker) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        served = await client.recommend({ userId: 'user-1', placement: 'home', k: 5, log: false });
      }
      expect(served.modelVersions).toEqual({ recall: active.recall, ranker: active.ranker });
    }
    expect(kills.filter((k) => k.signal === 'SIGKILL').length, JSON.stringify(kills)).toBeGreaterThanOrEqual(8);

    // A rerun starts clean: it takes over the dead runs' leases, clears their leftovers and completes.
    const rerun = await cascade(['pipeline', ...FAST, '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    await checkRegistry();
    for (const kind of ['recall', 'ranker']) {
      const registered = new Set((await db.sql.query<{ artifact_path: string }>('SELECT artifact_path FROM model_versions WHERE kind = $1', [kind])).map((r) => r.artifact_path));
      for (const name of readdirSync(path.join(modelsDir, kind))) {
        expect(name.includes('.tmp-'), `${kind}/${name} left over`).toBe(false);
        if (name.startsWith('pipeline-')) expect(registered.has(path.join(modelsDir, kind, name)), `${kind}/${name} unregistered`).toBe(true);
      }
    }
    const running = await db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE status = 'running'");
    expect(running[0].n).toBe(0);

    loading = false;
    await load;
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(20);
  });

  it('runs one of two pipelines started at once and refuses the other, naming it', async () => {
    const [a, b] = await Promise.all([cascade(['pipeline', ...FAST, '--json']), cascade(['pipeline', ...FAST, '--json'])]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 1]);
    const refused = a.code === 1 ? a : b;
    expect(refused.stderr).toMatch(/cascade: error: pipeline job \d+ failed: pipeline:(recall|ranker) is already running as job \d+/);
  });
});
