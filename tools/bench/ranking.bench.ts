// `npm run bench -- ranking [--epochs 3]`
// ML-1M CTR split made by the peers' make_ml1m_ctr.py (random 90/10, seed 42). Ours (LR, FM, DeepFM) and the
// Keras peers (deepfm_keras.py --model lr|fm|deepfm) with the same configuration: embedding 10, hidden
// 400-400-400, Adam lr 0.001, batch 1024, 3 epochs, no dropout, no L2, min-count 1. Like the peer we report the
// last epoch's test AUC / log loss (no best-epoch selection on the test file), train samples/s over the fit
// loops only, and predict samples/s for one scoring of the whole test file (batch 8192).
// Also: score_500_p99_ms (500 candidates of one request scored from user / item / context records, features
// included) and, as the evidence that the native DNN kernels pay, the DeepFM step rate on the TensorFlow.js engine.
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { SeededRandom } from '@cascade/core';
import { encodeCtrTsv, readCtrTsv } from '@cascade/features';
import type { ItemFeatures, UserFeatures } from '@cascade/features';
import {
  CtrRanker,
  createCtrModel,
  createDnnEngine,
  initTensorflowBackend,
  loadNativeKernels,
  nativeKernelsFailure,
  trainRankerOnCtrTsv,
} from '@cascade/ranking';
import type { CtrModelKind, CtrTsvTrainingResult } from '@cascade/ranking';
import { datasetsDir, repoRoot, runPeer, runPeerConverter } from './peers.js';

const log = (msg: string): void => void process.stderr.write(`ranking-bench: ${msg}\n`);
const r4 = (x: number): number => Math.round(x * 10000) / 10000;

const CONFIG = { embedDim: 10, hidden: [400, 400, 400], learningRate: 0.001, dropout: 0, l2Embedding: 0, seed: 42 };
const BATCH = 1024;

function ensureData(): { train: string; test: string } {
  const dir = path.join(repoRoot, '.cascade', 'bench', 'ml1m');
  const train = path.join(dir, 'train.tsv');
  const test = path.join(dir, 'test.tsv');
  if (!existsSync(train) || !existsSync(test)) {
    log(`writing the ML-1M CTR split to ${dir}`);
    runPeerConverter('make_ml1m_ctr.py', ['--data', path.join(datasetsDir, 'ml-1m'), '--out', dir, '--split', 'random', '--seed', '42']);
  }
  return { train, test };
}

/** Training samples/s of DeepFM on the TensorFlow.js DNN engine, from a sample of steps (after warm-up). */
async function tfjsDeepFmSamplesPerSec(trainPath: string, steps: number): Promise<{ samplesPerSec: number; backend: string }> {
  const backend = await initTensorflowBackend();
  const data = readCtrTsv(trainPath);
  const { fitCtrTsvEncoder } = await import('@cascade/features');
  const encoder = fitCtrTsvEncoder(data);
  const rows = encodeCtrTsv(encoder, data);
  const layout = { vocabularySize: encoder.vocabularySize, slotField: encoder.slotField, fieldCount: encoder.fieldCount };
  const model = await createCtrModel('deepfm', layout, CONFIG, { engine: await createDnnEngine('tfjs') });
  const warmUp = 3;
  let seconds = 0;
  for (let s = 0; s < warmUp + steps; s++) {
    const t = performance.now();
    model.trainBatch(rows.ids, data.labels, s * BATCH, BATCH);
    if (s >= warmUp) seconds += (performance.now() - t) / 1000;
  }
  model.dispose();
  return { samplesPerSec: (steps * BATCH) / seconds, backend };
}

/** p50 / p99 of scoring 500 candidates for one request through assembleFeatures (features included). */
function score500(result: CtrTsvTrainingResult, testPath: string): { p50: number; p99: number; requests: number } {
  const base = result.ranker;
  // The ctr-tsv fields, read from user / item / context records as a service would.
  const encoder = base.encoder.withSources({
    user_id: 'user.id',
    gender: 'user.attributes.gender',
    age: 'user.attributes.age',
    occupation: 'user.attributes.occupation',
    zip: 'user.attributes.zip',
    movie_id: 'item.id',
    genres: 'item.categories',
    year: 'item.attributes.year',
    hour: 'context.hour',
  });
  const ranker = new CtrRanker(encoder, base.model, base.metrics);
  const data = readCtrTsv(testPath);
  const col = (name: string): string[] => data.columns[data.fields.indexOf(name)];
  const users = new Map<string, UserFeatures>();
  const items = new Map<string, ItemFeatures>();
  for (let r = 0; r < data.labels.length; r++) {
    const uid = col('user_id')[r];
    if (!users.has(uid)) {
      users.set(uid, { id: uid, attributes: { gender: col('gender')[r], age: col('age')[r], occupation: col('occupation')[r], zip: col('zip')[r] } });
    }
    const mid = col('movie_id')[r];
    if (!items.has(mid)) items.set(mid, { id: mid, categories: col('genres')[r].split('|'), attributes: { year: col('year')[r] } });
  }
  // Sanity check: the record path encodes test row 0 exactly as the ctr-tsv path does.
  const row0 = encodeCtrTsv(base.encoder, { ...data, labels: data.labels.subarray(0, 1), columns: data.columns.map((c) => c.slice(0, 1)) });
  const user0 = users.get(col('user_id')[0]);
  const item0 = items.get(col('movie_id')[0]);
  if (!user0 || !item0) throw new Error('score500: test row 0 has no user or item record');
  const context0 = { timestamp: Date.UTC(2000, 0, 1, Number(col('hour')[0])) };
  const viaRecords = ranker.score({ user: user0, context: context0 }, [item0])[0];
  const viaTsv = base.scoreEncoded(row0)[0];
  if (viaRecords !== viaTsv) throw new Error(`score500: record path scored ${viaRecords}, ctr-tsv path ${viaTsv}`);

  const userList = [...users.values()];
  const itemList = [...items.values()];
  const random = new SeededRandom(7);
  const warmUp = 50;
  const requests = 500;
  const times: number[] = [];
  const candidates: ItemFeatures[] = new Array(500);
  for (let q = 0; q < warmUp + requests; q++) {
    const user = userList[random.int(userList.length)];
    for (let i = 0; i < 500; i++) candidates[i] = itemList[random.int(itemList.length)];
    const context = { timestamp: Date.UTC(2000, 0, 1, random.int(24)) };
    const t = performance.now();
    const scores = ranker.score({ user, context }, candidates);
    const ms = performance.now() - t;
    if (scores.length !== 500) throw new Error('score500: wrong number of scores');
    if (q >= warmUp) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)], p99: times[Math.ceil(times.length * 0.99) - 1], requests };
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const epochsArg = args.indexOf('--epochs');
  const epochs = epochsArg >= 0 ? Number(args[epochsArg + 1]) : 3;
  if (!Number.isInteger(epochs) || epochs <= 0) throw new Error(`--epochs must be a positive integer, got "${args[epochsArg + 1]}"`);
  const { train, test } = ensureData();
  const loadStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const native = loadNativeKernels();
  log(`DNN engine: ${native ? `${native.name} (${native.threads} thread${native.threads > 1 ? 's' : ''})` : `tfjs (native kernels unavailable: ${nativeKernelsFailure()})`}`);

  const ours: Partial<Record<CtrModelKind, CtrTsvTrainingResult>> = {};
  for (const model of ['lr', 'fm', 'deepfm'] as const) {
    log(`training ours: ${model}, ${epochs} epochs`);
    const result = await trainRankerOnCtrTsv({
      train,
      test,
      model,
      hyperparameters: CONFIG,
      epochs,
      batchSize: BATCH,
      restoreBest: false,
      predictBatchSize: 8192,
      onEpoch: (e) => log(`  ${model} epoch ${e.epoch}: loss ${e.trainLoss.toFixed(4)} auc ${e.auc?.toFixed(4)} logloss ${e.logloss?.toFixed(4)} (${e.trainSeconds.toFixed(1)} s)`),
    });
    log(`  ${model}: auc ${result.auc.toFixed(4)} logloss ${result.logloss.toFixed(4)} ${Math.round(result.training.trainSamplesPerSec)} train samples/s, ${Math.round(result.predictSamplesPerSec)} predict samples/s (${result.engine})`);
    ours[model] = result;
  }
  const deepfm = ours.deepfm as CtrTsvTrainingResult;
  const latency = score500(deepfm, test);
  log(`score 500 candidates: p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms`);
  let tfjsRate: { samplesPerSec: number; backend: string } | null = null;
  if (native) {
    tfjsRate = await tfjsDeepFmSamplesPerSec(train, 20);
    log(`DeepFM on the TensorFlow.js engine (${tfjsRate.backend}): ${Math.round(tfjsRate.samplesPerSec)} train samples/s (20 steps)`);
  }
  for (const r of Object.values(ours)) r?.ranker.dispose();

  const peers: Partial<Record<CtrModelKind, Record<string, unknown>>> = {};
  for (const model of ['lr', 'fm', 'deepfm'] as const) {
    log(`running the Keras peer: ${model}`);
    peers[model] = runPeer('deepfm_keras.py', ['--train', train, '--test', test, '--model', model, '--epochs', String(epochs)]);
    log(`  peer ${model}: auc ${Number(peers[model]?.auc).toFixed(4)} ${Math.round(Number(peers[model]?.train_samples_per_sec))} train samples/s`);
  }
  const peer = (m: CtrModelKind, key: string): number => Number(peers[m]?.[key]);
  const oursDeepfmRate = deepfm.training.trainSamplesPerSec;
  const backend = await initTensorflowBackend();
  return {
    backend,
    dnn_engine: deepfm.engine,
    dnn_threads: native?.threads ?? null,
    epochs,
    train_rows: deepfm.trainRows,
    test_rows: deepfm.testRows,
    lr_auc: r4(ours.lr?.auc ?? NaN),
    fm_auc: r4(ours.fm?.auc ?? NaN),
    deepfm_auc: r4(deepfm.auc),
    lr_logloss: r4(ours.lr?.logloss ?? NaN),
    fm_logloss: r4(ours.fm?.logloss ?? NaN),
    deepfm_logloss: r4(deepfm.logloss),
    peer_lr_auc: r4(peer('lr', 'auc')),
    peer_fm_auc: r4(peer('fm', 'auc')),
    peer_deepfm_auc: r4(peer('deepfm', 'auc')),
    peer_deepfm_logloss: r4(peer('deepfm', 'logloss')),
    deepfm_train_samples_per_sec: Math.round(oursDeepfmRate),
    peer_deepfm_train_samples_per_sec: Math.round(peer('deepfm', 'train_samples_per_sec')),
    train_throughput_ratio: Math.round((oursDeepfmRate / peer('deepfm', 'train_samples_per_sec')) * 1000) / 1000,
    // CPU seconds of the fit loops (the peer uses 2 threads, ours 1 by default): a load-independent comparison.
    deepfm_train_cpu_seconds: Math.round(deepfm.training.trainCpuSeconds * 10) / 10,
    peer_deepfm_train_cpu_seconds: peer('deepfm', 'train_cpu_seconds'),
    // Same rows and epochs on both sides, so samples per CPU second compare as the inverse CPU times.
    train_samples_per_cpu_second_ratio: Math.round((peer('deepfm', 'train_cpu_seconds') / deepfm.training.trainCpuSeconds) * 1000) / 1000,
    peer_deepfm_loadavg: [peers.deepfm?.loadavg_start, peers.deepfm?.loadavg_end],
    deepfm_predict_samples_per_sec: Math.round(deepfm.predictSamplesPerSec),
    peer_deepfm_predict_samples_per_sec: Math.round(peer('deepfm', 'predict_samples_per_sec')),
    score_500_p50_ms: Math.round(latency.p50 * 1000) / 1000,
    score_500_p99_ms: Math.round(latency.p99 * 1000) / 1000,
    tfjs_engine_deepfm_train_samples_per_sec: tfjsRate ? Math.round(tfjsRate.samplesPerSec) : null,
    lr_train_samples_per_sec: Math.round(ours.lr?.training.trainSamplesPerSec ?? NaN),
    fm_train_samples_per_sec: Math.round(ours.fm?.training.trainSamplesPerSec ?? NaN),
    peer_lr_train_samples_per_sec: Math.round(peer('lr', 'train_samples_per_sec')),
    peer_fm_train_samples_per_sec: Math.round(peer('fm', 'train_samples_per_sec')),
    deepfm_per_epoch: deepfm.training.epochs.map((e) => ({ epoch: e.epoch, auc: r4(e.auc ?? NaN), logloss: r4(e.logloss ?? NaN), seconds: Math.round(e.trainSeconds * 100) / 100 })),
    loadavg_start: loadStart,
    loadavg_end: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
