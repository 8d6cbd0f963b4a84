// `npm run bench -- recall [--skip-ml] [--skip-ann] [--skip-peer] [--skip-p99] [--only ml|ann|p99,…]`
// 1. ML-100K, per-user stratified 75/25 split (seed 42), top-10 excluding seen: ALS, BPR, popularity.
// 2. ANN: 100k clustered 64-d vectors + 1000 queries (seeded), M=16, efConstruction=200, inner product, one
//    thread: HnswItemIndex vs the faiss peer on the same vectors (.npy files in .cascade/bench/). Both answer
//    all 1000 queries in one call (ours: HnswItemIndex.queryBatch); ann_engine names the graph engine.
// 3. recall_p99_ms: the whole multi-channel recall of 500 candidates for one user over a 100k-item catalogue.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { SeededRandom } from '@cascade/core';
import { evaluateTopK, relevantItemsByUser, stratifiedSplit } from '@cascade/eval';
import {
  buildInteractionMatrix,
  DecayedPopularity,
  DEFAULT_ALS_OPTIONS,
  DEFAULT_BPR_OPTIONS,
  HnswItemIndex,
  MultiChannelRecall,
  NewItemsChannel,
  popularityTopK,
  readRatingsFile,
  recommendTopK,
  selectRatingRows,
  topKIndices,
  trainBpr,
  trainImplicitAls,
} from '@cascade/recall';
import { datasetsDir, repoRoot, runPeer } from './peers.js';

const log = (msg: string): void => void process.stderr.write(`recall-bench: ${msg}\n`);

/** The configurations chosen on a validation split carved from the training data: the libraries' defaults. */
export const ML100K_ALS = { ...DEFAULT_ALS_OPTIONS, seed: 42 };
export const ML100K_BPR = { ...DEFAULT_BPR_OPTIONS, seed: 42 };

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

async function benchMl100k(): Promise<Record<string, unknown>> {
  const all = readRatingsFile(path.join(datasetsDir, 'ml-100k', 'u.data'));
  const split = stratifiedSplit(all.userIds, { ratio: 0.75, seed: 42 });
  const train = selectRatingRows(all, split.train);
  const test = selectRatingRows(all, split.test);
  const truth = relevantItemsByUser(test.userIds, test.itemIds, Uint32Array.from({ length: test.length }, (_, i) => i));
  // ratings count by their value: confidence 1 + alpha · rating
  const m = buildInteractionMatrix(train, { rating: { weight: 0, valueScale: 1 } });
  log(`ml-100k: ${train.length} train / ${test.length} test rows, ${m.byUser.rows} users × ${m.byItem.rows} items`);
  // CPU seconds (all threads of this process) next to wall seconds: on a busy shared machine the wall time
  // includes waiting for a core, the CPU time does not
  let t0 = performance.now();
  let cpu0 = process.cpuUsage();
  const als = await trainImplicitAls(m, ML100K_ALS);
  const alsSeconds = (performance.now() - t0) / 1000;
  const alsCpuSeconds = cpuSecondsSince(cpu0);
  const alsMetrics = evaluateTopK(recommendTopK(als, m, 10), truth, 10, m.byItem.rows);
  log(`ALS ${alsSeconds.toFixed(2)} s: ${JSON.stringify(alsMetrics)}`);
  t0 = performance.now();
  cpu0 = process.cpuUsage();
  const bpr = trainBpr(m, ML100K_BPR);
  const bprSeconds = (performance.now() - t0) / 1000;
  const bprCpuSeconds = cpuSecondsSince(cpu0);
  const bprMetrics = evaluateTopK(recommendTopK(bpr, m, 10), truth, 10, m.byItem.rows);
  log(`BPR ${bprSeconds.toFixed(2)} s: ${JSON.stringify(bprMetrics)}`);
  const popMetrics = evaluateTopK(popularityTopK(m, 10), truth, 10, m.byItem.rows);
  log(`popularity: ${JSON.stringify(popMetrics)}`);
  const r4 = (x: number): number => Math.round(x * 10000) / 10000;
  return {
    als_ndcg_at_10: r4(alsMetrics.ndcg),
    als_recall_at_10: r4(alsMetrics.recall),
    als_precision_at_10: r4(alsMetrics.precision),
    als_map_at_10: r4(alsMetrics.map),
    als_train_seconds: Math.round(alsSeconds * 100) / 100,
    als_train_cpu_seconds: Math.round(alsCpuSeconds * 100) / 100,
    bpr_ndcg_at_10: r4(bprMetrics.ndcg),
    bpr_recall_at_10: r4(bprMetrics.recall),
    bpr_precision_at_10: r4(bprMetrics.precision),
    bpr_map_at_10: r4(bprMetrics.map),
    bpr_train_seconds: Math.round(bprSeconds * 100) / 100,
    bpr_train_cpu_seconds: Math.round(bprCpuSeconds * 100) / 100,
    pop_ndcg_at_10: r4(popMetrics.ndcg),
    pop_recall_at_10: r4(popMetrics.recall),
    ml100k_config: { als: ML100K_ALS, bpr: ML100K_BPR },
    ml100k_anchor_recommenders_bpr: { ndcg_at_10: 0.442, recall_at_10: 0.213 },
  };
}

/** Clustered data as the peer's --data clustered: centres ~ N(0,1), points = centre + std · N(0,1). */
function clusteredVectors(rows: number, dim: number, clusters: number, std: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const centres = Float32Array.from({ length: clusters * dim }, () => rng.normal());
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const c = rng.int(clusters);
    for (let a = 0; a < dim; a++) out[r * dim + a] = centres[c * dim + a] + std * rng.normal();
  }
  return out;
}

/** .npy v1: magic, version 1.0, little-endian header length, a Python dict header padded to 64 bytes. */
function writeNpy(file: string, data: Float32Array, rows: number, cols: number): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

function exactTopK(base: Float32Array, n: number, queries: Float32Array, q: number, dim: number, k: number): Int32Array[] {
  const out: Int32Array[] = [];
  const scores = new Float32Array(n);
  for (let j = 0; j < q; j++) {
    const qo = j * dim;
    for (let r = 0; r < n; r++) {
      const ro = r * dim;
      let s = 0;
      for (let a = 0; a < dim; a++) s += base[ro + a] * queries[qo + a];
      scores[r] = s;
    }
    out.push(topKIndices(scores, k));
  }
  return out;
}

interface AnnSetup {
  index: HnswItemIndex;
  base: Float32Array;
  queries: Float32Array;
  n: number;
  dim: number;
}

async function benchAnn(skipPeer: boolean): Promise<{ result: Record<string, unknown>; setup: AnnSetup }> {
  const n = 100_000;
  const q = 1000;
  const dim = 64;
  const k = 10;
  const all = clusteredVectors(n + q, dim, 100, 0.3, 42);
  const base = all.subarray(0, n * dim);
  const queries = all.subarray(n * dim);
  const dir = path.join(repoRoot, '.cascade', 'bench');
  mkdirSync(dir, { recursive: true });
  const baseFile = path.join(dir, 'ann-base.npy');
  const queryFile = path.join(dir, 'ann-queries.npy');
  writeNpy(baseFile, base, n, dim);
  writeNpy(queryFile, queries, q, dim);
  let t0 = performance.now();
  const ids = Int32Array.from({ length: n }, (_, i) => i);
  const index = HnswItemIndex.build(base, ids, { dim, M: 16, efConstruction: 200, ef: 10 }, (done) => {
    if (done % 20000 === 0) log(`hnsw build ${done}/${n}`);
  });
  const buildSeconds = (performance.now() - t0) / 1000;
  log(`hnsw build ${buildSeconds.toFixed(1)} s`);
  t0 = performance.now();
  const exact = exactTopK(base, n, queries, q, dim, k);
  log(`exact top-${k} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const ours: { ef: number; recall_at_10: number; qps: number }[] = [];
  for (const ef of [10, 20, 40, 80]) {
    index.ef = ef;
    const answers = index.queryBatch(queries, k);
    let hits = 0;
    for (let j = 0; j < q; j++) {
      const truth = new Set(exact[j]);
      for (let r = 0; r < k; r++) if (truth.has(answers.ids[j * k + r])) hits++;
    }
    // best of at least 3 runs and 1 s of runs, as the peer times itself (all queries in one call, one thread)
    let best = Infinity;
    let runs = 0;
    const start = performance.now();
    while (runs < 3 || performance.now() - start < 1000) {
      const s = performance.now();
      index.queryBatch(queries, k);
      best = Math.min(best, performance.now() - s);
      runs++;
    }
    ours.push({ ef, recall_at_10: hits / (q * k), qps: Math.round(q / (best / 1000)) });
    log(`ours ef=${ef}: recall@10 ${(hits / (q * k)).toFixed(4)}, ${Math.round(q / (best / 1000))} q/s (${index.engine})`);
  }
  const pickOurs = ours.find((r) => r.recall_at_10 >= 0.95) ?? ours[ours.length - 1];
  const result: Record<string, unknown> = {
    ann_recall_at_10: pickOurs.recall_at_10,
    ann_qps: pickOurs.qps,
    ann_ef: pickOurs.ef,
    ann_engine: index.engine,
    ann_build_seconds: Math.round(buildSeconds * 10) / 10,
    ann_ours: ours,
  };
  if (!skipPeer) {
    log('running the faiss peer on the same vectors');
    const peer = runPeer('ann_faiss.py', [
      '--npy', baseFile, '--query-npy', queryFile, '--metric', 'ip', '--M', '16', '--ef-construction', '200',
      '--ef', '10,20,40,80', '--k', String(k), '--threads', '1',
    ]) as { results: { ef: number; recall_at_k: number; queries_per_sec_1thread: number }[]; build_seconds: number };
    const peerRows = peer.results.map((r) => ({ ef: r.ef, recall_at_10: r.recall_at_k, qps: Math.round(r.queries_per_sec_1thread) }));
    const pickPeer = peerRows.find((r) => r.recall_at_10 >= 0.95) ?? peerRows[peerRows.length - 1];
    Object.assign(result, {
      peer_ann_qps: pickPeer.qps,
      peer_ann_recall_at_10: pickPeer.recall_at_10,
      peer_ann_ef: pickPeer.ef,
      peer_ann_build_seconds: Math.round(peer.build_seconds * 10) / 10,
      peer_ann: peerRows,
      ann_qps_ratio: Math.round((pickOurs.qps / pickPeer.qps) * 1000) / 1000,
    });
  }
  return { result, setup: { index, base, queries, n, dim } };
}

function benchRecallLatency(setup: AnnSetup): Record<string, unknown> {
  const { index, base, n, dim } = setup;
  const rng = new SeededRandom(7);
  const now = Date.UTC(2026, 10, 1);
  const day = 24 * 3600 * 1000;
  const popularity = new DecayedPopularity({ halfLifeMs: 7 * day });
  // Zipf-like traffic over the last 30 days
  for (let e = 0; e < 300_000; e++) {
    const item = Math.min(n - 1, Math.floor(Math.pow(rng.next(), 3) * n));
    popularity.record(item, now - rng.next() * 30 * day);
  }
  const newItems = new NewItemsChannel(14 * day);
  for (let j = 0; j < 1000; j++) newItems.add(n - 1 - j, now - rng.next() * 20 * day);
  index.ef = 10;
  const recall = new MultiChannelRecall({
    index,
    itemVector: (id) => (id >= 0 && id < n ? base.subarray(id * dim, (id + 1) * dim) : undefined),
    popularity,
    newItems,
  });
  const users = 200;
  const userVectors = Array.from({ length: users }, () => Float32Array.from({ length: dim }, () => rng.normal()));
  const histories = Array.from({ length: users }, () => Array.from({ length: 50 }, () => rng.int(n)));
  const seenSets = histories.map((h) => new Set(h));
  const requests = 2000;
  const times = new Float64Array(requests);
  let candidates = 0;
  for (let r = -200; r < requests; r++) {
    const u = (r + 200) % users;
    const t0 = performance.now();
    const out = recall.recall({ userVector: userVectors[u], recentItems: histories[u].slice(0, 5), seen: seenSets[u], total: 500, now });
    const elapsed = performance.now() - t0;
    if (r >= 0) {
      times[r] = elapsed;
      candidates += out.size;
    }
  }
  times.sort();
  const pct = (p: number): number => Math.round(times[Math.min(requests - 1, Math.floor(p * requests))] * 1000) / 1000;
  log(`multi-channel recall: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, ${candidates / requests} candidates/request`);
  return {
    recall_p50_ms: pct(0.5),
    recall_p90_ms: pct(0.9),
    recall_p99_ms: pct(0.99),
    recall_candidates_per_request: candidates / requests,
    recall_requests: requests,
  };
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  // the machine is shared: the load average tells how much the timings below were disturbed
  const out: Record<string, unknown> = { loadavg_start: loadavg().map((x) => Math.round(x * 100) / 100) };
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',')) : null;
  if (only && (only.size === 0 || [...only].some((p) => !['ml', 'ann', 'p99'].includes(p)))) {
    throw new Error(`--only: expected a comma-separated list of ml, ann, p99, got "${args[onlyAt + 1] ?? ''}"`);
  }
  const wants = (part: string): boolean => (only ? only.has(part) : !args.includes(`--skip-${part}`));
  if (wants('ml')) Object.assign(out, await benchMl100k());
  if (wants('ann') || wants('p99')) {
    const { result, setup } = await benchAnn(args.includes('--skip-peer'));
    if (wants('ann')) Object.assign(out, result);
    if (wants('p99')) Object.assign(out, benchRecallLatency(setup));
  }
  out.loadavg_end = loadavg().map((x) => Math.round(x * 100) / 100);
  return out;
}
