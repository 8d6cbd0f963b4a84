// `npm start` on a fresh embedded database: migrates, seeds the demo data, trains the recall and ranking
// models, serves, and prints the URLs; a second start reuses the data and the models. Drives the real process
// over HTTP only.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'cascade-e2e-')), 'data');
let child: ChildProcess | undefined;

/** Starts `npm start` and resolves with its output once it prints that it is ready. */
async function start(): Promise<{ output: string; apiUrl: string; seconds: number }> {
  const port = await freePort();
  const started = performance.now();
  child = spawn('npm', ['start', '--', '--port', String(port)], {
    cwd: root,
    env: { ...process.env, CASCADE_DATA_DIR: dataDir, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within 180 s:\n${output}`)), 180_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const api = /API\s+(http:\/\/\S+)\/trpc/.exec(output);
      if (/ready in [\d.]+ s/.test(output) && api) {
        clearTimeout(timer);
        resolve({ output, apiUrl: api[1], seconds: (performance.now() - started) / 1000 });
      }
    };
    child!.stdout!.on('data', onData);
    child!.stderr!.on('data', onData);
    child!.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/** Ctrl+C to the whole process group (npm and the node process it runs), as a terminal sends it. */
async function stop(): Promise<void> {
  const proc = child;
  child = undefined;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  process.kill(-proc.pid!, 'SIGINT');
  await exited;
}

afterEach(async () => {
  await stop();
});

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  return response.json();
}

describe('npm start (embedded database)', () => {
  it('seeds an empty database, trains the models, serves, prints the URLs, and a second start reuses data and models', async () => {
    const first = await start();
    expect(first.seconds).toBeLessThan(180);
    expect(first.output).toContain('seeding the synthetic demo data');
    expect(first.output).toMatch(/recall ALS trained in [\d.]+ s \(.*nDCG@10 [\d.]+/);
    expect(first.output).toMatch(/recall HNSW index built in [\d.]+ s/);
    expect(first.output).toMatch(/ranker DeepFM trained in [\d.]+ s \(AUC [\d.]+, logloss [\d.]+/);
    expect(await getJson(`${first.apiUrl}/healthz`)).toEqual({ status: 'ok' });
    expect(await getJson(`${first.apiUrl}/readyz`)).toMatchObject({ status: 'ready', database: 'pglite' });
    const counts = ((await getJson(`${first.apiUrl}/trpc/system.counts`)) as { result: { data: Record<string, number> } }).result.data;
    expect(counts).toMatchObject({ users: 2000, items: 1000 });
    expect(counts.events).toBeGreaterThan(120_000);
    const key = /API key \(shown once\): (csk_\S+)/.exec(first.output)?.[1];
    expect(key).toBeTruthy();
    for (const userId of ['user-1', 'e2e-unknown-user']) {
      const response = await fetch(`${first.apiUrl}/trpc/recommend`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ userId, placement: 'home', k: 10 }),
      });
      expect(response.status).toBe(200);
      const items = ((await response.json()) as { result: { data: { items: { itemId: string }[] } } }).result.data.items;
      expect(new Set(items.map((i) => i.itemId)).size).toBe(10);
    }
    await stop();

    const second = await start();
    expect(second.output).not.toContain('seeding');
    expect(second.output).not.toContain('API key (shown once)');
    expect(second.output).not.toMatch(/trained in|built in/);
    expect(second.output).toMatch(/recall ALS reusing .*models[/\\]recall[/\\]als-/);
    expect(second.output).toMatch(/ranker DeepFM reusing .*models[/\\]ranker[/\\]deepfm-/);
    const again = ((await getJson(`${second.apiUrl}/trpc/system.counts`)) as { result: { data: Record<string, number> } }).result.data;
    expect(again).toEqual(counts);
  });
});
