// The model-lifecycle commands through the real CLI on a small seeded embedded database: pipeline (gated
// promotion), models, promote, rollback, jobs, evaluate and export, with their errors.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'cascade-lifecycle-cli-'));
const dataDir = path.join(work, 'data');
const modelsDir = path.join(work, 'models');
const FAST = ['--factors', '8', '--iterations', '4', '--ranker-model', 'fm', '--epochs', '1', '--evaluation-users', '200'];

function cascade(...args: string[]): Promise<{ status: number; stderr: string; json?: Record<string, unknown> }> {
  const argv = ['--conditions=@cascade/source', '--import', 'tsx', path.join(appDir, 'src/main.ts'), ...args, '--data-dir', dataDir];
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '', CASCADE_MODELS_DIR: modelsDir }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const status = error ? Number((error as { code?: number }).code ?? 1) : 0;
      const lines = stdout.trim().split('\n');
      resolve({ status, stderr, json: status === 0 ? JSON.parse(lines[lines.length - 1]) : undefined });
    });
  });
}

type Version = { id: number; kind: string; version: number; status: string; decision: string };

describe('cascade pipeline / models / promote / rollback / jobs / evaluate / export', () => {
  it('retrains with a gate, promotes and rolls back by hand, lists jobs, evaluates and exports', async () => {
    expect((await cascade('seed', '--users', '300', '--items', '120', '--json')).status).toBe(0);
    const first = await cascade('pipeline', ...FAST, '--json');
    expect(first.status, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ seconds_snapshot: expect.any(Number), seconds_train_recall: expect.any(Number), seconds_build_index: expect.any(Number), seconds_train_ranker: expect.any(Number) });
    // Same data, same seeds: the retrained models are no better, so the gate keeps the active ones.
    const second = await cascade('pipeline', ...FAST, '--json');
    const outcomes = second.json!.versions as { promoted: boolean; decision: string }[];
    expect(outcomes.map((o) => o.promoted)).toEqual([false, false]);
    expect(outcomes[0].decision).toMatch(/^kept active v1: ndcg .* not better/);

    const listed = (await cascade('models', '--json')).json!.versions as Version[];
    expect(listed.map((v) => `${v.kind} v${v.version} ${v.status}`)).toEqual(['ranker v2 ready', 'recall v2 ready', 'ranker v1 active', 'recall v1 active']);
    const rankerV2 = listed[0];
    expect((await cascade('promote', String(rankerV2.id), '--json')).json).toMatchObject({ promoted: rankerV2.id, version: 2 });
    expect((await cascade('rollback', 'ranker', '--json')).json).toMatchObject({ kind: 'ranker', version: 1, replaced: rankerV2.id });
    const noHistory = await cascade('rollback', 'recall');
    expect(noHistory.status).toBe(1);
    expect(noHistory.stderr).toMatch(/nothing to roll back to/);
    expect((await cascade('promote', '999')).stderr).toMatch(/<id>: no model version 999/);
    expect((await cascade('rollback', 'tower')).stderr).toMatch(/<kind>: must be one of recall, ranker/);

    const jobs = (await cascade('jobs', '--kind', 'pipeline', '--json')).json!;
    expect(jobs.total).toBe(2);
    const shown = (await cascade('jobs', 'show', String((jobs.jobs as { id: number }[])[0].id), '--json')).json!.job as { status: string; log: string };
    expect(shown.status).toBe('succeeded');
    expect(shown.log).toMatch(/register done/);
    expect((await cascade('jobs', 'cancel', String((jobs.jobs as { id: number }[])[0].id))).stderr).toMatch(/only a queued or running job can be cancelled/);

    const evaluated = (await cascade('evaluate', '--json')).json!.evaluations as { kind: string; metrics: Record<string, number> }[];
    expect(evaluated.map((e) => e.kind)).toEqual(['recall', 'recall', 'ranker', 'ranker']);
    expect(evaluated[2].metrics.auc).toBeGreaterThan(0.5);

    const events = path.join(work, 'events.csv');
    const exported = await cascade('export', 'events', events, '--json');
    expect(exported.json).toMatchObject({ events: expect.any(Number) });
    expect(readFileSync(events, 'utf8').split('\n')[0]).toBe('user_id,item_id,type,timestamp,value,custom_type,request_id,placement,idempotency_key');
    // The export reads back in: every event is a duplicate of itself.
    const reimport = await cascade('import', 'events', events, '--json');
    expect(reimport.json).toMatchObject({ events_inserted: 0, events_duplicates: exported.json!.events });

    const recs = path.join(work, 'recs.jsonl');
    expect((await cascade('export', 'recommendations', recs, '--limit', '10', '--k', '5', '--json')).json).toMatchObject({ users: 10 });
    const line = JSON.parse(readFileSync(recs, 'utf8').split('\n')[0]) as { items: { pctr: number | null }[] };
    expect(line.items).toHaveLength(5);
    expect(line.items[0].pctr).not.toBeNull();
    const out = path.join(work, 'exported-model');
    expect((await cascade('export', 'model', String(rankerV2.id), out, '--json')).json).toMatchObject({ kind: 'ranker', version: 2 });
    expect(existsSync(path.join(out, 'registry.json'))).toBe(true);
    expect((await cascade('pipeline', '--kinds', 'towers')).stderr).toMatch(/--kinds: expected a comma-separated list of recall, ranker/);
  }, 600_000);
});
