// Pipeline jobs in their own process (PostgreSQL): the server's JobRunner creates the row, a `cascade pipeline`
// child adopts it, reports progress and registers the versions; a cancel reaches the child through the row.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, seedDemoData, type CascadeDatabase } from '@cascade/db';
import { JobRunner, listModelVersions } from './index.js';

const baseUrl = process.env.CASCADE_TEST_DATABASE_URL;
const schema = `cascade_jobproc_${process.pid}`;
const cli = fileURLToPath(new URL('../../../apps/jobs/src/main.ts', import.meta.url));
let db: CascadeDatabase;
let databaseUrl: string;
let modelsDir: string;

beforeAll(async () => {
  if (!baseUrl) return;
  const admin = await openDatabase({ databaseUrl: baseUrl, migrate: false, poolSize: 1 });
  await admin.sql.executeScript(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  await admin.close();
  const u = new URL(baseUrl);
  u.searchParams.set('schema', schema);
  databaseUrl = u.toString();
  db = await openDatabase({ databaseUrl, poolSize: 2 });
  await seedDemoData(db, { users: 150, items: 80, impressionsPerUser: 30, slateSize: 8, days: 10, seed: 3, keyPrefix: 'jobproc' });
  modelsDir = mkdtempSync(path.join(os.tmpdir(), 'cascade-jobproc-'));
}, 120_000);

afterAll(async () => {
  await db?.close();
  if (baseUrl) {
    const admin = await openDatabase({ databaseUrl: baseUrl, migrate: false, poolSize: 1 });
    await admin.sql.executeScript(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  }
  if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
});

describe.skipIf(!baseUrl)('JobRunner with pipeline processes (PostgreSQL)', () => {
  const runner = () =>
    new JobRunner(db, {
      modelsDir,
      pipelineProcess: { command: process.execPath, args: ['--conditions=@cascade/source', '--import', 'tsx', cli], env: { DATABASE_URL: databaseUrl } },
    });

  it('runs a pipeline job in a child process that adopts the row and registers the versions', async () => {
    const jobs = runner();
    const job = await jobs.start('train-ranker', { ranker: { model: 'fm', epochs: 1 }, trigger: 'test' });
    expect(job.status).toBe('running');
    const finished = await jobs.wait(job.id);
    expect(finished?.status, finished?.error ?? '').toBe('succeeded');
    expect(finished?.worker).not.toBe(`${os.hostname()}:${process.pid}`);
    expect(finished?.log).toMatch(/register done/);
    const { rows } = await listModelVersions(db.sql, { kind: 'ranker' });
    expect(rows[0]).toMatchObject({ jobId: job.id, status: 'active' });
  }, 180_000);

  it('cancels a running child through the job row, registering nothing', async () => {
    const jobs = runner();
    const before = (await listModelVersions(db.sql)).total;
    const job = await jobs.start('pipeline', { ranker: { model: 'deepfm', epochs: 20 } });
    // cancelled at once: the child sees the flag when it adopts the row
    await jobs.cancel(job.id);
    const finished = await jobs.wait(job.id);
    expect(finished?.status).toBe('cancelled');
    expect((await listModelVersions(db.sql)).total).toBe(before);
  }, 180_000);
});
