import { afterEach, describe, expect, it, vi } from 'vitest';
import { SeededRandom } from '@cascade/core';
import { auc } from '@cascade/eval';
import { FeatureVocabularyBuilder, parseFeatureSchema } from '@cascade/features';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { createCtrModel, createDnnEngine } from './create-model.js';
import type { CtrLayout, CtrModel } from './ctr-model.js';
import { CtrRanker } from './ctr-ranker.js';
import { DnnLayer } from './dnn-layer.js';
import { dnnAsyncConcurrency, parseDnnPrecision, resolveInferencePrecision } from './dnn-precision.js';
import { NativeDnnEngine } from './native-dnn-engine.js';
import { loadNativeKernels } from './native-kernels.js';

const native = loadNativeKernels();
const bf16 = native?.bf16 ?? false;

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('precision and concurrency settings', () => {
  it('CASCADE_DNN_PRECISION accepts fp32 and bf16 and names itself when wrong', () => {
    expect(parseDnnPrecision('fp32')).toBe('fp32');
    expect(parseDnnPrecision('bf16')).toBe('bf16');
    expect(parseDnnPrecision(undefined)).toBeUndefined();
    vi.stubEnv('CASCADE_DNN_PRECISION', 'fp16');
    expect(() => parseDnnPrecision()).toThrow(/CASCADE_DNN_PRECISION must be fp32 or bf16, got "fp16"/);
    expect(() => resolveInferencePrecision(true)).toThrow(/CASCADE_DNN_PRECISION/);
  });

  it('createDnnEngine rejects a bad CASCADE_DNN_PRECISION', async () => {
    vi.stubEnv('CASCADE_DNN_PRECISION', 'int4');
    await expect(createDnnEngine()).rejects.toThrow(/CASCADE_DNN_PRECISION/);
    await expect(createDnnEngine('tfjs')).rejects.toThrow(/CASCADE_DNN_PRECISION/);
  });

  it('defaults to bf16 where available, fp32 elsewhere; bf16 where unavailable throws', () => {
    vi.stubEnv('CASCADE_DNN_PRECISION', '');
    expect(resolveInferencePrecision(true)).toBe('bf16');
    expect(resolveInferencePrecision(false)).toBe('fp32');
    expect(resolveInferencePrecision(true, 'fp32')).toBe('fp32');
    expect(() => resolveInferencePrecision(false, 'bf16')).toThrow(/bf16.*AVX512-BF16/);
    vi.stubEnv('CASCADE_DNN_PRECISION', 'bf16');
    expect(() => resolveInferencePrecision(false)).toThrow(/CASCADE_DNN_PRECISION=bf16/);
    vi.stubEnv('CASCADE_DNN_PRECISION', 'fp32');
    expect(resolveInferencePrecision(true)).toBe('fp32');
  });

  it('CASCADE_DNN_ASYNC_CONCURRENCY is a small positive integer', () => {
    expect(dnnAsyncConcurrency(undefined)).toBe(1);
    expect(dnnAsyncConcurrency('3')).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'two', '1000']) expect(() => dnnAsyncConcurrency(bad)).toThrow(/CASCADE_DNN_ASYNC_CONCURRENCY/);
    if (native) {
      vi.stubEnv('CASCADE_DNN_ASYNC_CONCURRENCY', 'lots');
      expect(() => new NativeDnnEngine(native.kernels, native.name)).toThrow(/CASCADE_DNN_ASYNC_CONCURRENCY/);
    }
  });

  it('ConcurrencyLimiter keeps at most `limit` tasks running, first in first out', async () => {
    const limiter = new ConcurrencyLimiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (i: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running--;
      if (i === 3) throw new Error('task 3 fails');
      return i;
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => limiter.run(task(i))));
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(limiter.active).toBe(0);
    expect(() => new ConcurrencyLimiter(0)).toThrow(/limit/);
  });
});

/** Max |a − b| over the first n values. */
function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe.skipIf(!native)('native inference forward', () => {
  // Widths that are not multiples of the kernels' tiles, and a batch that is not a multiple of the row tile.
  const layer = new DnnLayer({ input: 23, hidden: [37, 70, 19], seed: 5 });
  const batch = 29;
  const r = new SeededRandom(2);
  const x = Float32Array.from({ length: batch * 23 }, () => r.normal());

  for (const precision of bf16 ? (['fp32', 'bf16'] as const) : (['fp32'] as const)) {
    it(`${precision}: one native call matches the training engine's forward; re-packed after a parameter change`, async () => {
      const engine = new NativeDnnEngine(native!.kernels, native!.name, { precision });
      expect(engine.name).toContain(`${precision} inference`);
      const reference = new Float32Array(batch);
      const out = new Float32Array(batch);
      const tolerance = precision === 'fp32' ? 1e-5 : 2e-2;
      engine.forward(layer, x, batch, false, reference);
      engine.infer(layer, x, batch, out);
      expect(maxDiff(out, reference)).toBeLessThan(tolerance);
      const asyncOut = new Float32Array(batch);
      await engine.inferAsync(layer, x, batch, asyncOut);
      expect(Array.from(asyncOut)).toEqual(Array.from(out));
      // change the weights: the next inference must see them
      for (const w of layer.weights) for (let i = 0; i < w.length; i++) w[i] *= -1.5;
      layer.markChanged();
      engine.forward(layer, x, batch, false, reference);
      engine.infer(layer, x, batch, out);
      expect(maxDiff(out, reference)).toBeLessThan(tolerance * 3);
      for (const w of layer.weights) for (let i = 0; i < w.length; i++) w[i] /= -1.5;
      layer.markChanged();
      expect(() => engine.infer(layer, x, batch + 1, out)).toThrow(/x must hold/);
      await expect(engine.inferAsync(layer, x, 0, out)).rejects.toThrow(/batch/);
      engine.dispose();
    });
  }
});

/** A small recommender world: user, item, two item attributes and a context field; clicks depend on user × item. */
function makeWorld(seed: number, n: number) {
  const schema = parseFeatureSchema({
    fields: [
      { name: 'user', type: 'categorical', source: 'user.id' },
      { name: 'item', type: 'categorical', source: 'item.id' },
      { name: 'genres', type: 'multi_categorical', source: 'item.categories', maxValues: 2 },
      { name: 'brand', type: 'categorical', source: 'item.attributes.brand' },
      { name: 'hour', type: 'numeric', source: 'context.hour', transform: { kind: 'buckets', boundaries: [6, 12, 18] } },
    ],
  });
  const r = new SeededRandom(seed);
  const users = Array.from({ length: 60 }, (_, i) => ({ id: `u${i}`, taste: r.int(4) }));
  const items = Array.from({ length: 80 }, (_, i) => ({ id: i, categories: [`g${i % 4}`, `g${(i * 3) % 5}`], attributes: { brand: `b${i % 7}` } }));
  const examples = Array.from({ length: n }, () => {
    const user = users[r.int(users.length)];
    const item = items[r.int(items.length)];
    return { user, item, context: { timestamp: Date.UTC(2024, 0, 1, r.int(24)) } };
  });
  const labels = Float32Array.from(examples, (e) => (r.next() < (e.item.id % 4 === e.user.taste ? 0.7 : 0.15) ? 1 : 0));
  const builder = new FeatureVocabularyBuilder(schema);
  for (const e of examples) builder.addRow({ user: e.user.id, item: e.item.id, genres: e.item.categories, brand: e.item.attributes.brand, hour: new Date(e.context.timestamp).getUTCHours() });
  return { encoder: builder.build(), users, items, examples, labels };
}

describe.skipIf(!native)('scoreAsync', () => {
  const world = makeWorld(4, 6000);
  const layout = (): CtrLayout => ({ vocabularySize: world.encoder.vocabularySize, slotField: world.encoder.slotField, fieldCount: world.encoder.fieldCount });

  async function trainedModel(precision: 'fp32' | 'bf16'): Promise<CtrModel> {
    const { assembleTrainingRows } = await import('@cascade/features');
    const rows = assembleTrainingRows(world.encoder, world.examples.slice(0, 5000));
    const model = await createCtrModel('deepfm', layout(), { embedDim: 8, hidden: [100, 50], learningRate: 0.01, seed: 3 }, { engine: await createDnnEngine('native', { precision }) });
    for (let epoch = 0; epoch < 3; epoch++) {
      for (let start = 0; start < rows.count; start += 256) model.trainBatch(rows.ids, world.labels, start, Math.min(256, rows.count - start));
    }
    return model;
  }

  const request = (i: number) => ({ user: world.users[i % world.users.length], context: { timestamp: Date.UTC(2024, 0, 1, i % 24) } });
  const candidates = (i: number, n = 40) => Array.from({ length: n }, (_, j) => world.items[(i * 7 + j * 3) % world.items.length]);

  it('fp32: equals score; 8 concurrent calls with different inputs each get their own result', async () => {
    const model = await trainedModel('fp32');
    const ranker = new CtrRanker(world.encoder, model);
    expect(ranker.inferencePrecision).toBe('fp32');
    const sync = Array.from({ length: 8 }, (_, i) => ranker.score(request(i), candidates(i, 20 + i)));
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => ranker.scoreAsync(request(i), candidates(i, 20 + i))));
    for (let i = 0; i < 8; i++) {
      expect(results[i].length).toBe(20 + i);
      expect(maxDiff(results[i], sync[i])).toBeLessThan(1e-6);
    }
    expect(await ranker.scoreAsync(request(0), [])).toEqual(new Float32Array(0));
    await expect(ranker.scoreAsync(request(0), null as never)).rejects.toThrow(/candidates/);
    ranker.dispose();
  });

  it.skipIf(!bf16)('bf16 on a trained DeepFM: held-out pCTR within 2e-3 of fp32, AUC within 1e-3; concurrent calls match sequential ones', async () => {
    const model = await trainedModel('bf16');
    expect(model.inferencePrecision).toBe('bf16');
    expect(model.engineName).toContain('bf16 inference');
    const { assembleTrainingRows } = await import('@cascade/features');
    const heldOut = assembleTrainingRows(world.encoder, world.examples.slice(5000));
    const labels = world.labels.subarray(5000);
    const fp32 = model.predict(heldOut.ids, heldOut.count);
    const bf = await model.predictAsync(heldOut.ids, heldOut.count, 300);
    expect(maxDiff(bf, fp32)).toBeLessThan(2e-3);
    const aucFp32 = auc(labels, fp32);
    expect(aucFp32).toBeGreaterThan(0.6);
    expect(Math.abs(auc(labels, bf) - aucFp32)).toBeLessThan(1e-3);

    const ranker = new CtrRanker(world.encoder, model);
    const sequential: Float32Array[] = [];
    for (let i = 0; i < 8; i++) sequential.push(await ranker.scoreAsync(request(i), candidates(i, 30 + i)));
    const concurrent = await Promise.all(Array.from({ length: 8 }, (_, i) => ranker.scoreAsync(request(i), candidates(i, 30 + i))));
    for (let i = 0; i < 8; i++) expect(Array.from(concurrent[i])).toEqual(Array.from(sequential[i]));
    ranker.dispose();
  });

  it('dispose while forwards are in flight: they finish with correct results, later calls still work', async () => {
    const model = await trainedModel(bf16 ? 'bf16' : 'fp32');
    const ranker = new CtrRanker(world.encoder, model);
    const expected = await Promise.all(Array.from({ length: 6 }, (_, i) => ranker.scoreAsync(request(i), candidates(i, 200))));
    const inFlight = Array.from({ length: 6 }, (_, i) => ranker.scoreAsync(request(i), candidates(i, 200)));
    ranker.dispose();
    const got = await Promise.all(inFlight);
    for (let i = 0; i < 6; i++) expect(Array.from(got[i])).toEqual(Array.from(expected[i]));
    expect(Array.from(await ranker.scoreAsync(request(1), candidates(1, 200)))).toEqual(Array.from(expected[1]));
    ranker.dispose();
  });

  it('weights changed by training after a call was made: that call keeps its snapshot, the next sees the new weights', async () => {
    const model = await trainedModel('fp32');
    const { assembleTrainingRows } = await import('@cascade/features');
    const rows = assembleTrainingRows(world.encoder, world.examples.slice(0, 512));
    const ids = rows.ids.slice(0, 64 * rows.slots);
    const before = model.predict(ids, 64);
    const pending = model.predictAsync(ids, 64);
    for (let s = 0; s < 4; s++) model.trainBatch(rows.ids, world.labels, 0, 512);
    const after = model.predict(ids, 64);
    expect(maxDiff(await pending, before)).toBeLessThan(1e-6);
    expect(maxDiff(await model.predictAsync(ids, 64), after)).toBeLessThan(1e-6);
    model.dispose();
  });
});

describe('scoreAsync without the native kernels', () => {
  it('TensorFlow.js engine: resolves to the synchronous scores', async () => {
    const world = makeWorld(5, 300);
    const layout = { vocabularySize: world.encoder.vocabularySize, slotField: world.encoder.slotField, fieldCount: world.encoder.fieldCount };
    const model = await createCtrModel('deepfm', layout, { embedDim: 4, hidden: [8] }, { engine: await createDnnEngine('tfjs') });
    expect(model.inferencePrecision).toBe('fp32');
    const ranker = new CtrRanker(world.encoder, model);
    const request = { user: world.users[0], context: { timestamp: Date.UTC(2024, 0, 1, 9) } };
    const items = world.items.slice(0, 12);
    expect(Array.from(await ranker.scoreAsync(request, items))).toEqual(Array.from(ranker.score(request, items)));
    ranker.dispose();
  });
});
