// Model hot reload: a promotion (and a rollback) in the registry reaches a running server while it is under
// concurrent load, without a single failed request; responses switch from the old versions to the new ones.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, seedDemoData, type CascadeDatabase } from '@cascade/db';
import { activeModelVersionIds, loadServingRecommender, promoteModelVersion, rollbackModel, runPipeline, type PipelineResult } from '@cascade/pipeline';
import { createApiKey, startApiServer, type ApiServer } from './index.js';

const WORLD = { users: 100, items: 80, impressionsPerUser: 30, slateSize: 8, days: 10, seed: 9, keyPrefix: 'reload-test' };
const FAST = { recall: { als: { factors: 8, iterations: 3 }, evaluationUsers: 100 }, ranker: { model: 'fm' as const, epochs: 1 } };

let db: CascadeDatabase;
let server: ApiServer;
let modelsDir: string;
let key: string;
let first: PipelineResult;
let second: PipelineResult;

beforeAll(async () => {
  db = await openTestDatabase();
  await seedDemoData(db, WORLD);
  modelsDir = mkdtempSync(path.join(os.tmpdir(), 'cascade-reload-'));
  first = await runPipeline(db, { modelsDir, ...FAST });
  // Registered, not promoted: what the test promotes under load.
  second = await runPipeline(db, { modelsDir, ...FAST, promote: false });
  server = await startApiServer({
    db,
    port: 0,
    recommender: await loadServingRecommender(db),
    reloadRecommender: (shared) => loadServingRecommender(db, shared),
    activeModelVersions: () => activeModelVersionIds(db.sql),
    modelWatchMs: 50,
  });
  key = (await createApiKey(db.sql, { name: 'reload', scopes: ['recommend'] })).key;
}, 180_000);

afterAll(async () => {
  await server?.close();
  await db?.close();
  if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
});

async function recommend(i: number): Promise<{ status: number; versions?: { recall: string; ranker: string } }> {
  const response = await fetch(`${server.url}/trpc/recommend`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ userId: `reload-test-user-${i % 100}`, placement: 'home', k: 10, log: false }),
  });
  const body = (await response.json()) as { result?: { data: { modelVersions: { recall: string; ranker: string }; items: unknown[] } } };
  return { status: response.status, versions: body.result?.data.modelVersions };
}

describe('model hot reload', () => {
  it('serves a promoted version, then the rolled-back one, without a failed request under concurrent load', async () => {
    const names = (r: PipelineResult) => Object.fromEntries(r.versions.map((v) => [v.kind, v.name]));
    const oldNames = names(first);
    const newNames = names(second);
    const seen: string[] = [];
    const failures: string[] = [];
    let running = true;
    const worker = async (w: number) => {
      for (let i = w; running; i += 4) {
        const r = await recommend(i);
        if (r.status !== 200) failures.push(`status ${r.status}`);
        else seen.push(`${r.versions!.recall}|${r.versions!.ranker}`);
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    const waitFor = async (want: Record<string, string>) => {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && seen.at(-1) !== `${want.recall}|${want.ranker}`) await new Promise((r) => setTimeout(r, 20));
      const last = seen.at(-1);
      await new Promise((r) => setTimeout(r, 300)); // keep the load on the swapped-in models a while
      return last;
    };
    expect(await waitFor(oldNames)).toBe(`${oldNames.recall}|${oldNames.ranker}`);
    for (const v of second.versions) await promoteModelVersion(db.sql, v.id);
    expect(await waitFor(newNames)).toBe(`${newNames.recall}|${newNames.ranker}`);
    await rollbackModel(db.sql, 'ranker');
    await rollbackModel(db.sql, 'recall');
    expect(await waitFor(oldNames)).toBe(`${oldNames.recall}|${oldNames.ranker}`);
    running = false;
    await load;
    expect(failures).toEqual([]);
    expect(seen.length).toBeGreaterThan(20);
    // Every response names registered versions of both kinds; a reload may fall between the two kinds' promotions.
    const pairs = new Set(seen);
    for (const pair of pairs) expect([`${oldNames.recall}|${oldNames.ranker}`, `${newNames.recall}|${oldNames.ranker}`, `${newNames.recall}|${newNames.ranker}`, `${oldNames.recall}|${newNames.ranker}`]).toContain(pair);
  }, 120_000);
});
