// `npm run bench -- dnn-inference [--batch 500] [--reps 400]`
// DeepFM DNN inference as the serve benchmark runs it: 500 candidates × the serve ranker's input (12 fields × embed 10
// = 120) → 400 → 400 → 400 → 1. Medians (rounds interleaved, so machine noise hits every variant alike) of:
//  - fp32_engine_ms: the training engine's forward (a native GEMM + bias/ReLU call per layer, fp32), the path sync
//    score() takes;
//  - fp32_ms / bf16_ms: the inference plan (weights packed once) with the whole MLP in one native call;
//  - async: predictAsync latency and the main-thread time per call (embedding + FM + copy, until the promise is
//    returned) while the DNN runs on the libuv pool, and the throughput of 32 concurrent calls.
// Accuracy: a DeepFM of that shape trained (fp32) on a seeded synthetic click log with planted first-order and
// pairwise effects; held-out pCTR from the bf16 plan against fp32: max |Δp| and the AUC difference.
import { loadavg } from 'node:os';
import { SeededRandom } from '@cascade/core';
import { auc } from '@cascade/eval';
import { createCtrModel, createDnnEngine, DnnLayer, loadNativeKernels, nativeKernelsFailure } from '@cascade/ranking';
import type { CtrLayout, CtrModel, DnnEngine } from '@cascade/ranking';
import { median } from './bench-kit.js';

const log = (msg: string): void => void process.stderr.write(`dnn-inference-bench: ${msg}\n`);
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** The serve benchmark's ranker: 12 fields, embedDim 10, hidden 400-400-400. */
const FIELDS = 12;
const EMBED_DIM = 10;
const HIDDEN = [400, 400, 400];

/** Seeded click log over FIELDS single-valued fields: first-order token effects plus a field 0 × field 1 interaction. */
function syntheticClicks(seed: number, rows: number): { layout: CtrLayout; ids: Int32Array; labels: Float32Array } {
  const r = new SeededRandom(seed);
  const vocab = Array.from({ length: FIELDS }, (_, f) => (f < 2 ? 500 : 5 + ((f * 37) % 60)));
  const offsets: number[] = [];
  let size = 1;
  for (const v of vocab) {
    offsets.push(size);
    size += v;
  }
  const tokenWeight = Array.from({ length: FIELDS }, (_, f) => Float64Array.from({ length: vocab[f] }, () => r.normal() * (f < 6 ? 0.6 : 0.2)));
  const latent = [0, 1].map((f) => Array.from({ length: vocab[f] }, () => Float64Array.from({ length: 4 }, () => r.normal())));
  const ids = new Int32Array(rows * FIELDS);
  const labels = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = -1.2;
    const tokens: number[] = [];
    for (let f = 0; f < FIELDS; f++) {
      // Zipf-like token popularity
      const t = Math.min(vocab[f] - 1, Math.floor(vocab[f] * r.next() ** 2));
      tokens.push(t);
      ids[i * FIELDS + f] = offsets[f] + t;
      z += tokenWeight[f][t];
    }
    const u = latent[0][tokens[0]];
    const v = latent[1][tokens[1]];
    z += 0.5 * (u[0] * v[0] + u[1] * v[1] + u[2] * v[2] + u[3] * v[3]);
    labels[i] = r.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { layout: { vocabularySize: size, slotField: Int32Array.from({ length: FIELDS }, (_, f) => f), fieldCount: FIELDS }, ids, labels };
}

async function trainedModel(engine: DnnEngine, data: ReturnType<typeof syntheticClicks>, trainRows: number, epochs: number): Promise<CtrModel> {
  const model = await createCtrModel('deepfm', data.layout, { embedDim: EMBED_DIM, hidden: HIDDEN, learningRate: 0.001, seed: 42 }, { engine });
  for (let epoch = 0; epoch < epochs; epoch++) {
    let loss = 0;
    let steps = 0;
    for (let start = 0; start < trainRows; start += 1024) {
      loss += model.trainBatch(data.ids, data.labels, start, Math.min(1024, trainRows - start));
      steps++;
    }
    log(`  epoch ${epoch + 1}: train loss ${(loss / steps).toFixed(4)}`);
  }
  return model;
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const option = (name: string, fallback: number): number => {
    const at = args.indexOf(name);
    if (at < 0) return fallback;
    const v = Number(args[at + 1]);
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer, got "${args[at + 1]}"`);
    return v;
  };
  const batch = option('--batch', 500);
  const reps = option('--reps', 400);
  const native = loadNativeKernels();
  if (!native) throw new Error(`the native DNN kernels are unavailable: ${nativeKernelsFailure()}`);
  const loadStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const input = FIELDS * EMBED_DIM;
  log(`${native.name}, bf16 ${native.bf16 ? 'available' : 'unavailable'}, ${native.threads} thread(s); batch ${batch} × ${[input, ...HIDDEN, 1].join('→')}`);

  // --- latency of the DNN forward alone
  const layer = new DnnLayer({ input, hidden: HIDDEN, seed: 7 });
  const random = new SeededRandom(3);
  const x = Float32Array.from({ length: batch * input }, () => random.normal() * 0.05);
  const fp32Engine = await createDnnEngine('native', { precision: 'fp32' });
  const bf16Engine = native.bf16 ? await createDnnEngine('native', { precision: 'bf16' }) : null;
  const out = new Float32Array(batch);
  const variants: [string, () => void][] = [
    ['fp32_engine', () => fp32Engine.forward(layer, x, batch, false, out)],
    ['fp32', () => fp32Engine.infer!(layer, x, batch, out)],
  ];
  if (bf16Engine) variants.push(['bf16', () => bf16Engine.infer!(layer, x, batch, out)]);
  const times = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  const rounds = 20;
  const perRound = Math.max(1, Math.ceil(reps / rounds));
  for (const [, f] of variants) for (let i = 0; i < 10; i++) f();
  for (let round = 0; round < rounds; round++) {
    for (const [name, f] of variants) {
      const list = times.get(name)!;
      for (let i = 0; i < perRound; i++) {
        const t = performance.now();
        f();
        list.push(performance.now() - t);
      }
    }
  }
  const ms = Object.fromEntries([...times].map(([name, list]) => [name, median(list)]));
  log(`forward of ${batch}: ${Object.entries(ms).map(([n, t]) => `${n} ${t.toFixed(3)} ms`).join(', ')}`);

  // --- accuracy on a trained DeepFM of the serve shape
  const trainRows = 60_000;
  const testRows = 20_000;
  const data = syntheticClicks(11, trainRows + testRows);
  log(`training DeepFM (fp32) on ${trainRows} synthetic rows`);
  const model = await trainedModel(bf16Engine ?? fp32Engine, data, trainRows, 2);
  const testIds = data.ids.subarray(trainRows * FIELDS);
  const testLabels = data.labels.subarray(trainRows);
  const pFp32 = model.predict(testIds, testRows);
  const pInference = await model.predictAsync(testIds, testRows, batch);
  let maxDelta = 0;
  for (let i = 0; i < testRows; i++) maxDelta = Math.max(maxDelta, Math.abs(pInference[i] - pFp32[i]));
  const aucFp32 = auc(testLabels, pFp32);
  const aucInference = auc(testLabels, pInference);
  log(`held-out ${testRows}: auc fp32 ${aucFp32.toFixed(5)}, ${model.inferencePrecision} ${aucInference.toFixed(5)}; max |Δp| ${maxDelta.toExponential(2)}`);

  // --- predictAsync: latency, main-thread time per call, throughput of concurrent calls
  const asyncLatency: number[] = [];
  const mainThread: number[] = [];
  const requestIds = testIds.subarray(0, batch * FIELDS);
  for (let i = 0; i < 10; i++) await model.predictAsync(requestIds, batch);
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    const pending = model.predictAsync(requestIds, batch);
    mainThread.push(performance.now() - t);
    await pending;
    asyncLatency.push(performance.now() - t);
  }
  const concurrent = 32;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrent }, (_, i) => model.predictAsync(testIds.subarray(i * FIELDS, (i + batch) * FIELDS), batch)));
  const concurrentMs = performance.now() - t0;
  log(`predictAsync ${batch}: latency ${median(asyncLatency).toFixed(3)} ms, main thread ${median(mainThread).toFixed(3)} ms per call; ${concurrent} at once in ${concurrentMs.toFixed(1)} ms`);
  model.dispose();
  fp32Engine.dispose();
  bf16Engine?.dispose();

  return {
    dnn_engine: model.engineName,
    inference_precision: model.inferencePrecision,
    batch,
    layers: [input, ...HIDDEN, 1],
    fp32_engine_forward_ms: r3(ms.fp32_engine),
    fp32_one_call_ms: r3(ms.fp32),
    bf16_one_call_ms: ms.bf16 === undefined ? null : r3(ms.bf16),
    bf16_speedup_vs_fp32_engine: ms.bf16 === undefined ? null : r3(ms.fp32_engine / ms.bf16),
    bf16_speedup_vs_fp32_one_call: ms.bf16 === undefined ? null : r3(ms.fp32 / ms.bf16),
    accuracy_test_rows: testRows,
    auc_fp32: Math.round(aucFp32 * 1e5) / 1e5,
    auc_inference: Math.round(aucInference * 1e5) / 1e5,
    auc_delta: Number((aucInference - aucFp32).toExponential(2)),
    max_abs_delta_p: Number(maxDelta.toExponential(2)),
    predict_async_ms: r3(median(asyncLatency)),
    // wall time until predictAsync returns its promise; on a loaded 2-core machine the woken pool thread can
    // preempt the event loop inside it, so the minimum shows the uncontended cost
    predict_async_main_thread_ms: r3(median(mainThread)),
    predict_async_main_thread_min_ms: r3(Math.min(...mainThread)),
    predict_async_concurrent_per_sec: Math.round((concurrent / concurrentMs) * 1000),
    loadavg_start: loadStart,
    loadavg_end: loadavg().map((v) => Math.round(v * 100) / 100),
  };
}
