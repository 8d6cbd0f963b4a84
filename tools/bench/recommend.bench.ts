// Request latency of the Recommender (recall → DeepFM pCTR → Thompson slots → business filters) on a larger
// synthetic world in a temporary embedded PGlite: seeded with seedDemoData, startup models trained with
// ensureStartupModels, then `--requests` requests for k = 20 (known users, every 10th an unknown user) after a
// warm-up. Reports p50 / p99 of the whole recommend() call and per-stage medians.
// Usage: npm run bench -- recommend [--users 20000] [--items 20000] [--impressions-per-user 15] [--requests 2000]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SeededRandom } from '@cascade/core';
import { openDatabase, seedDemoData } from '@cascade/db';
import { ensureStartupModels, Recommender } from '@cascade/pipeline';
import { positiveIntOption } from './bench-kit.js';

const log = (msg: string): void => void process.stderr.write(`recommend-bench: ${msg}\n`);

function quantile(sorted: Float64Array, q: number): number {
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round(sorted[at] * 1000) / 1000;
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const users = positiveIntOption(args, '--users', 20_000);
  const items = positiveIntOption(args, '--items', 20_000);
  const impressionsPerUser = positiveIntOption(args, '--impressions-per-user', 15);
  const requests = positiveIntOption(args, '--requests', 2000);
  const k = 20;
  const candidates = 500;
  const endTime = Date.UTC(2026, 0, 1);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cascade-recommend-bench-'));
  try {
    const db = await openDatabase({ dataDir: path.join(dir, 'data') });
    try {
      let t = performance.now();
      const seeded = await seedDemoData(db, { users, items, impressionsPerUser, slateSize: 10, days: 30, endTime, seed: 42, keyPrefix: 'recommend-bench' });
      const seedSeconds = (performance.now() - t) / 1000;
      log(`seeded ${users} users, ${items} items, ${seeded.events.inserted} events in ${seedSeconds.toFixed(1)} s`);
      t = performance.now();
      const models = await ensureStartupModels(db, {
        modelsDir: path.join(dir, 'models'),
        onProgress: (r) => log(`${r.stage} ${r.status} in ${r.seconds.toFixed(1)} s ${JSON.stringify(r.metrics)}`),
      });
      const trainSeconds = (performance.now() - t) / 1000;
      t = performance.now();
      const recommender = await Recommender.load(db, { modelsDir: path.join(dir, 'models'), candidates, now: () => endTime });
      const loadSeconds = (performance.now() - t) / 1000;
      log(`recommender loaded in ${loadSeconds.toFixed(2)} s (${JSON.stringify(recommender.modelVersions)})`);
      const userRows = await db.sql.query<{ external_id: string }>('SELECT external_id FROM users ORDER BY id');
      const rng = new SeededRandom(7);
      const pick = (i: number): string => (i % 10 === 9 ? `unknown-${i}` : userRows[rng.int(userRows.length)].external_id);

      for (let i = 0; i < 200; i++) await recommender.recommend({ userId: pick(i), placement: 'home', k });
      const total = new Float64Array(requests);
      const recall = new Float64Array(requests);
      const rank = new Float64Array(requests);
      const explore = new Float64Array(requests);
      const fallbacks = new Map<string, number>();
      let served = 0;
      let recalled = 0;
      for (let i = 0; i < requests; i++) {
        const s = performance.now();
        const r = await recommender.recommend({ userId: pick(i), placement: 'home', k });
        total[i] = performance.now() - s;
        recall[i] = r.timings.recallMs;
        rank[i] = r.timings.rankMs;
        explore[i] = r.timings.exploreMs;
        served += r.items.length;
        recalled += r.candidates;
        for (const f of r.fallbacks) fallbacks.set(f, (fallbacks.get(f) ?? 0) + 1);
      }
      recommender.dispose();
      for (const a of [total, recall, rank, explore]) a.sort();
      return {
        p50_ms: quantile(total, 0.5),
        p99_ms: quantile(total, 0.99),
        candidates,
        k,
        requests,
        mean_items_served: served / requests,
        mean_candidates_ranked: Math.round(recalled / requests),
        stage_p50_ms: { recall: quantile(recall, 0.5), rank: quantile(rank, 0.5), explore: quantile(explore, 0.5) },
        stage_p99_ms: { recall: quantile(recall, 0.99), rank: quantile(rank, 0.99), explore: quantile(explore, 0.99) },
        fallbacks: Object.fromEntries(fallbacks),
        world: { users, items, impressionsPerUser, events: seeded.events.inserted },
        seconds: { seed: Math.round(seedSeconds * 10) / 10, train: Math.round(trainSeconds * 10) / 10, load: Math.round(loadSeconds * 100) / 100 },
        ranker: models.rankerDir ? path.basename(models.rankerDir) : null,
        load_average: os.loadavg()[0],
      };
    } finally {
      await db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
