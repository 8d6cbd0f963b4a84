// The `cascade` CLI end to end on the real MovieLens 100K (../shared/datasets), as a newcomer runs it.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ml100k = path.resolve(process.env.CASCADE_SHARED_DIR ?? path.join(appDir, '../../../shared'), 'datasets/ml-100k');
const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'cascade-cli-')), 'data');

// Asynchronous on purpose: a blocking spawn would starve vitest's worker heartbeat.
function cascade(...args: string[]): Promise<{ status: number; stderr: string; json?: Record<string, unknown> }> {
  const argv = ['--conditions=@cascade/source', '--import', 'tsx', path.join(appDir, 'src/main.ts'), ...args, '--data-dir', dataDir];
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } }, (error, stdout, stderr) => {
      const status = error ? Number((error as { code?: number }).code ?? 1) : 0;
      const lines = stdout.trim().split('\n');
      resolve({ status, stderr, json: status === 0 ? JSON.parse(lines[lines.length - 1]) : undefined });
    });
  });
}

describe.skipIf(!existsSync(ml100k))('cascade import movielens-100k (shared data set)', () => {
  it('loads 943 users, 1,682 items and 100,000 ratings; a re-import and a broken file leave the counts unchanged', async () => {
    const first = await cascade('import', 'movielens-100k', ml100k, '--json');
    expect(first.status, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ users_inserted: 943, items_inserted: 1682, events_inserted: 100000 });
    const counts = { users: 943, items: 1682, events: 100000 };
    expect((await cascade('stats', '--json')).json).toMatchObject(counts);

    const again = await cascade('import', 'movielens-100k', ml100k, '--json');
    expect(again.json).toMatchObject({ users_inserted: 0, items_inserted: 0, items_updated: 0, events_inserted: 0, events_duplicates: 100000 });

    const broken = mkdtempSync(path.join(os.tmpdir(), 'cascade-ml100k-broken-'));
    for (const f of ['u.user', 'u.item', 'u.genre']) copyFileSync(path.join(ml100k, f), path.join(broken, f));
    const lines = readFileSync(path.join(ml100k, 'u.data'), 'utf8').split('\n');
    lines[56] = lines[56].replace(/\t\d+$/, '\tyesterday');
    writeFileSync(path.join(broken, 'u.data'), lines.join('\n'));
    const failed = await cascade('import', 'movielens-100k', broken, '--id-prefix', 'b:');
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('u.data, line 57, field "timestamp"');
    expect((await cascade('stats', '--json')).json).toMatchObject(counts);
  }, 240_000);

  it('fails with a clear message and a non-zero exit for an unknown format or a missing folder', async () => {
    const unknown = await cascade('import', 'nope', ml100k);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/unknown import format "nope"/);
    const missing = await cascade('import', 'movielens-100k', '/does/not/exist');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/expected the data set's folder/);
  }, 120_000);
});
