// Crash safety on the embedded database, where the server runs pipeline jobs in its own process: a pipeline job
// started through the admin API is cut short by SIGKILLing the whole server at random points; after each restart
// the registry is consistent (one active version per kind, nothing half-registered), the killed job is marked
// failed, the server recommends with the active models, and a pipeline run afterwards completes.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '@cascade/core';
import { nodeArgs, repoRoot as root, startServerProcess, type ServerProcess } from './server-process.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'cascade-server-jobs-'));
const env = {
  ...process.env,
  DATABASE_URL: '',
  CASCADE_DATA_DIR: path.join(work, 'data'),
  CASCADE_MODELS_DIR: path.join(work, 'models'),
  CASCADE_ADMIN_EMAIL: 'ops@example.com',
  CASCADE_ADMIN_PASSWORD: 'crash-test-password',
};
let server: ServerProcess | undefined;

async function cascade(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)('node', [...nodeArgs, 'apps/jobs/src/main.ts', ...args], { cwd: root, env, maxBuffer: 64 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

async function startServer(): Promise<string> {
  server = await startServerProcess(env);
  return server.url;
}

async function killServer(): Promise<void> {
  const proc = server;
  server = undefined;
  await proc?.stop('SIGKILL');
}

/** The admin API as the console uses it: session cookie plus CSRF header on mutations. */
async function admin(url: string) {
  const signIn = await fetch(`${url}/trpc/admin.auth.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: env.CASCADE_ADMIN_EMAIL, password: env.CASCADE_ADMIN_PASSWORD }),
  });
  expect(signIn.status).toBe(200);
  const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
  const csrf = ((await signIn.json()) as { result: { data: { csrfToken: string } } }).result.data.csrfToken;
  const call = async <T>(procedure: string, input: unknown, mutation = false): Promise<T> => {
    const response = mutation
      ? await fetch(`${url}/trpc/${procedure}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-cascade-csrf': csrf }, body: JSON.stringify(input) })
      : await fetch(`${url}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: { cookie } });
    const body = (await response.json()) as { result?: { data: T }; error?: { message: string } };
    if (!body.result) throw new Error(`${procedure}: ${body.error?.message}`);
    return body.result.data;
  };
  return call;
}

type Version = { id: number; kind: string; status: string; name: string };
type Job = { id: number; status: string; error: string | null };

afterAll(async () => {
  await killServer();
  rmSync(work, { recursive: true, force: true });
});

describe('pipeline jobs inside the server on the embedded database', () => {
  it('survives SIGKILL of the server mid-pipeline: consistent registry, failed job, serving on restart, clean rerun', async () => {
    await cascade('seed', '--users', '300', '--items', '150', '--impressions-per-user', '30', '--json');
    await cascade('pipeline', '--factors', '8', '--iterations', '4', '--ranker-model', 'fm', '--epochs', '1', '--json');
    const key = String((await cascade('api-keys', 'create', '--name', 'jobs crash', '--scopes', 'recommend', '--json')).key);
    const rng = new SeededRandom(77);
    const params = { recall: { als: { factors: 8, iterations: 6 } }, ranker: { model: 'deepfm', epochs: 3 } };

    for (let round = 0; round < 3; round++) {
      const url = await startServer();
      const call = await admin(url);
      const killed = await call<Job>('admin.jobs.start', { kind: 'pipeline', params }, true);
      expect(killed.status).toBe('running');
      await new Promise((r) => setTimeout(r, 300 + rng.next() * 4000));
      await killServer();

      const again = await startServer();
      const check = await admin(again);
      const versions = (await check<{ rows: Version[] }>('admin.models.list', { page: 1, pageSize: 200 })).rows;
      for (const v of versions) expect(['ready', 'active', 'retired']).toContain(v.status);
      const active = versions.filter((v) => v.status === 'active');
      expect(active.map((v) => v.kind).sort()).toEqual(['ranker', 'recall']);
      const job = await check<Job>('admin.jobs.get', { id: killed.id });
      // ended before the kill, or marked failed as interrupted when the server came back
      if (job.status !== 'succeeded') expect(job).toMatchObject({ status: 'failed', error: expect.stringMatching(/interrupted/) });
      const response = await fetch(`${again}/trpc/recommend`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ userId: 'user-1', placement: 'home', k: 10, log: false }),
      });
      const served = ((await response.json()) as { result: { data: { items: unknown[]; modelVersions: Record<string, string> } } }).result.data;
      expect(served.items).toHaveLength(10);
      expect(served.modelVersions).toEqual(Object.fromEntries(active.map((v) => [v.kind, v.name])));
      await killServer();
    }

    // A run after the crashes completes: the dead runs' leases and leftovers are no obstacle.
    const url = await startServer();
    const call = await admin(url);
    const job = await call<Job>('admin.jobs.start', { kind: 'pipeline', params }, true);
    let finished = job;
    for (let i = 0; i < 600 && finished.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      finished = await call<Job>('admin.jobs.get', { id: job.id });
    }
    expect(finished.status, finished.error ?? '').toBe('succeeded');
  });
});
