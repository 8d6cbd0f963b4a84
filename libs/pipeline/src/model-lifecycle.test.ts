import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, seedDemoData, type CascadeDatabase } from '@cascade/db';
import {
  acquireJobLock,
  activeModelVersion,
  createJob,
  decidePromotion,
  failAbandonedJobs,
  getJob,
  JobLockHeldError,
  JobRunner,
  listJobs,
  listModelVersions,
  promoteModelVersion,
  registerModelVersion,
  rollbackModel,
  runJob,
  runPipeline,
} from './index.js';

const WORLD = { users: 120, items: 80, impressionsPerUser: 40, slateSize: 8, days: 10, seed: 11, keyPrefix: 'lifecycle-test' };
const FAST = { recall: { als: { factors: 8, iterations: 4 }, evaluationUsers: 200 }, ranker: { model: 'fm' as const, epochs: 1 } };

let db: CascadeDatabase;
let root: string;

beforeAll(async () => {
  db = await openTestDatabase();
  await seedDemoData(db, WORLD);
  root = mkdtempSync(path.join(os.tmpdir(), 'cascade-lifecycle-'));
});

afterAll(async () => {
  await db?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

function fakeArtefact(name: string): string {
  const dir = path.join(root, 'fake', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.json'), '{}');
  return dir;
}

describe('promotion gate', () => {
  it('promotes a better model, refuses a worse or equal one, and honours the margin and metric direction', () => {
    const gate = { metric: 'ndcg', minImprovement: 0.01 };
    expect(decidePromotion('recall', gate, { ndcg: 0.3 }, null).promote).toBe(true);
    expect(decidePromotion('recall', gate, { ndcg: 0.3 }, { version: 1, metrics: { ndcg: 0.25 } }).promote).toBe(true);
    const small = decidePromotion('recall', gate, { ndcg: 0.255 }, { version: 1, metrics: { ndcg: 0.25 } });
    expect(small.promote).toBe(false);
    expect(small.reason).toMatch(/kept active v1: ndcg 0\.2550 vs active v1 0\.2500.*< margin 0\.01/);
    expect(decidePromotion('recall', gate, { ndcg: 0.2 }, { version: 1, metrics: { ndcg: 0.25 } }).reason).toMatch(/not better/);
    const logloss = { metric: 'logloss', minImprovement: 0 };
    expect(decidePromotion('ranker', logloss, { logloss: 0.3 }, { version: 2, metrics: { logloss: 0.35 } }).promote).toBe(true);
    expect(decidePromotion('ranker', logloss, { logloss: 0.4 }, { version: 2, metrics: { logloss: 0.35 } }).promote).toBe(false);
    expect(() => decidePromotion('ranker', { metric: 'ndcg', minImprovement: 0 }, {}, null)).toThrow(/gates\.ranker\.metric: must be one of auc, logloss/);
    expect(() => decidePromotion('recall', { metric: 'ndcg', minImprovement: -1 }, {}, null)).toThrow(/minImprovement/);
  });
});

describe('model registry', () => {
  it('numbers versions per kind, keeps one active, and rolls back to the previous active one', async () => {
    const a = await registerModelVersion(db.sql, { kind: 'ranker', name: 'reg-a', artifactPath: fakeArtefact('reg-a'), metrics: { auc: 0.7 } });
    const b = await registerModelVersion(db.sql, { kind: 'ranker', name: 'reg-b', artifactPath: fakeArtefact('reg-b'), metrics: { auc: 0.72 } });
    expect(b.version).toBe(a.version + 1);
    expect(a.status).toBe('ready');
    await promoteModelVersion(db.sql, a.id);
    await promoteModelVersion(db.sql, b.id);
    const active = await activeModelVersion(db.sql, 'ranker');
    expect(active?.id).toBe(b.id);
    const { rows } = await listModelVersions(db.sql, { kind: 'ranker' });
    expect(rows.filter((r) => r.status === 'active')).toHaveLength(1);
    expect(rows.find((r) => r.id === a.id)?.status).toBe('retired');
    const back = await rollbackModel(db.sql, 'ranker');
    expect(back.id).toBe(a.id);
    expect((await activeModelVersion(db.sql, 'ranker'))?.id).toBe(a.id);
    await expect(registerModelVersion(db.sql, { kind: 'ranker', name: 'x', artifactPath: path.join(root, 'missing') })).rejects.toThrow(/artifactPath: .* does not exist/);
    await expect(registerModelVersion(db.sql, { kind: 'nope' as never, name: 'x', artifactPath: root })).rejects.toThrow(/kind: must be one of recall, ranker/);
    await expect(rollbackModel(db.sql, 'recall')).rejects.toThrow(/nothing to roll back to/);
    // leave the registry clean for the pipeline tests
    await db.sql.execute("DELETE FROM model_versions WHERE name LIKE 'reg-%'");
  });
});

describe('job locks and job rows', () => {
  it('lets one holder run at a time, names the holder, and frees a lease that expired', async () => {
    const first = await acquireJobLock(db.sql, 'test-lock', { ttlMs: 300, jobId: 42 });
    const refused = await acquireJobLock(db.sql, 'test-lock').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(JobLockHeldError);
    expect((refused as Error).message).toMatch(/test-lock is already running as job 42/);
    await first.release();
    const second = await acquireJobLock(db.sql, 'test-lock', { ttlMs: 200 });
    // a holder that stops renewing (crashed) loses the lease after its TTL
    await db.sql.execute("UPDATE job_locks SET expires_at = now() - interval '1 second' WHERE name = 'test-lock'");
    const third = await acquireJobLock(db.sql, 'test-lock');
    expect(await second.renew()).toBe(false);
    await third.release();
  });

  it('takes over a lease whose holder process is dead at once', async () => {
    await db.sql.execute(
      "INSERT INTO job_locks (name, holder, expires_at) VALUES ('dead-lock', $1, now() + interval '1 hour')",
      [`${os.hostname()}:999999999#abc`],
    );
    const lease = await acquireJobLock(db.sql, 'dead-lock');
    await lease.release();
  });

  it('records progress, logs, results, failures and cancellation', async () => {
    const ok = await runJob(db, 'test-job', { a: 1 }, async (ctx) => {
      ctx.progress(0.5, 'half');
      ctx.log('working');
      return { answer: 42 };
    });
    expect(ok.status).toBe('succeeded');
    expect(ok.result).toEqual({ answer: 42 });
    expect((await getJob(db.sql, ok.id))?.log).toMatch(/working/);
    const bad = await runJob(db, 'test-job', {}, async () => {
      throw new Error('boom');
    });
    expect(bad.status).toBe('failed');
    expect(bad.error).toBe('boom');
    const cancelled = await runJob(
      db,
      'test-job',
      {},
      async (ctx) => {
        await db.sql.execute('UPDATE jobs SET cancel_requested = true WHERE id = $1', [ctx.jobId]);
        for (let i = 0; i < 100 && !ctx.cancelled(); i++) await new Promise((r) => setTimeout(r, 20));
        if (ctx.cancelled()) throw new Error('cancelled by request');
        return {};
      },
      { pollMs: 20 },
    );
    expect(cancelled.status).toBe('cancelled');
    const { rows, total } = await listJobs(db.sql, { kind: 'test-job' });
    expect(total).toBe(3);
    expect(rows[0].id).toBe(cancelled.id);
  });

  it('fails a running job whose worker died', async () => {
    const job = await createJob(db.sql, 'orphan', {});
    await db.sql.execute('UPDATE jobs SET worker = $2 WHERE id = $1', [job.id, `${os.hostname()}:999999999`]);
    expect(await failAbandonedJobs(db.sql)).toContain(job.id);
    expect((await getJob(db.sql, job.id))?.error).toMatch(/interrupted: its process .* died/);
  });
});

describe('runPipeline', () => {
  it('trains, evaluates and registers both kinds, promotes the first versions, then gates the next run', async () => {
    const modelsDir = path.join(root, 'models');
    const first = await runPipeline(db, { modelsDir, ...FAST });
    expect(first.versions.map((v) => [v.kind, v.promoted])).toEqual([
      ['recall', true],
      ['ranker', true],
    ]);
    expect(first.stages.map((s) => s.name)).toEqual(['snapshot', 'train_recall', 'evaluate_recall', 'build_index', 'train_ranker', 'register']);
    const recall = await activeModelVersion(db.sql, 'recall');
    expect(recall?.metrics.ndcg).toBeGreaterThanOrEqual(0);
    expect(existsSync(path.join(recall!.artifactPath!, 'items.hnsw'))).toBe(true);
    expect((await activeModelVersion(db.sql, 'ranker'))?.metrics.auc).toBeGreaterThan(0.5);

    // An impossible margin: the second run registers its versions and keeps the active ones, saying why.
    const second = await runPipeline(db, { modelsDir, ...FAST, gates: { recall: { metric: 'ndcg', minImprovement: 1 }, ranker: { metric: 'auc', minImprovement: 1 } } });
    for (const v of second.versions) {
      expect(v.promoted).toBe(false);
      expect(v.decision).toMatch(/^kept active v1: /);
      expect(v.baseline?.version).toBe(1);
    }
    expect((await activeModelVersion(db.sql, 'recall'))?.id).toBe(recall!.id);
  }, 120_000);

  it('refuses a second pipeline of a kind that is running, naming it', async () => {
    const lease = await acquireJobLock(db.sql, 'pipeline:ranker', { jobId: 7 });
    try {
      await expect(runPipeline(db, { modelsDir: path.join(root, 'models'), kinds: ['ranker'] })).rejects.toThrow(/pipeline:ranker is already running as job 7/);
      const runner = new JobRunner(db, { modelsDir: path.join(root, 'models') });
      await expect(runner.start('train-ranker')).rejects.toThrow(/pipeline:ranker is already running as job 7/);
    } finally {
      await lease.release();
    }
  });

  it('clears the folders an interrupted run left before it starts', async () => {
    const modelsDir = path.join(root, 'models');
    const leftover = path.join(modelsDir, 'recall', 'pipeline-2000-01-01-als');
    const tmp = path.join(modelsDir, 'recall', '.pipeline-x.tmp-999999999');
    mkdirSync(leftover, { recursive: true });
    mkdirSync(tmp, { recursive: true });
    await runPipeline(db, { modelsDir, ...FAST, kinds: ['recall'] });
    const names = readdirSync(path.join(modelsDir, 'recall'));
    expect(names).not.toContain('pipeline-2000-01-01-als');
    expect(names).not.toContain('.pipeline-x.tmp-999999999');
  }, 60_000);

  it('runs as a background job in the JobRunner and can be cancelled', async () => {
    const runner = new JobRunner(db, { modelsDir: path.join(root, 'models'), pipelineDefaults: FAST });
    const job = await runner.start('train-recall');
    expect(job.status).toBe('running');
    await runner.cancel(job.id);
    const finished = await runner.wait(job.id);
    expect(['cancelled', 'succeeded']).toContain(finished?.status);
    expect(await runner.runningJobs()).toEqual([]);
  }, 60_000);
});
