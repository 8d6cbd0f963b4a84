import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@cascade/core';
import { createCtrModel } from './create-model.js';
import { trainCtrModel, trainCtrModelEpochs } from './trainer.js';

describe('trainCtrModel', () => {
  // One informative field: the training label follows it, the validation label is its opposite, so validation
  // AUC never improves after the first epoch.
  const n = 2000;
  const layout = { vocabularySize: 1 + 3 + 3, slotField: Int32Array.from([0, 1]), fieldCount: 2 };
  const r = new SeededRandom(3);
  const ids = new Int32Array(n * 2);
  const labels = new Float32Array(n);
  const flipped = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = r.int(2);
    ids[2 * i] = 2 + a;
    ids[2 * i + 1] = 5 + r.int(2);
    labels[i] = r.next() < (a ? 0.8 : 0.2) ? 1 : 0;
    flipped[i] = 1 - labels[i];
  }
  const train = { count: n, slots: 2, ids, labels };
  const validation = { count: n, slots: 2, ids, labels: flipped };

  it('stops early and restores the best epoch', async () => {
    const model = await createCtrModel('fm', layout, { embedDim: 2, learningRate: 0.05 });
    const result = trainCtrModel(model, train, validation, { epochs: 5, batchSize: 100, patience: 1, seed: 1 });
    expect(result.bestEpoch).toBe(1);
    expect(result.stoppedEarly).toBe(true);
    expect(result.epochs.length).toBe(2);
    expect(result.auc).toBe(result.epochs[0].auc);

    const reference = await createCtrModel('fm', layout, { embedDim: 2, learningRate: 0.05 });
    trainCtrModel(reference, train, null, { epochs: 1, batchSize: 100, seed: 1 });
    expect(Array.from(model.predict(ids, n))).toEqual(Array.from(reference.predict(ids, n)));
  });

  it('pauses between batches when cooperative, with the same weights as a straight run', async () => {
    const paused = await createCtrModel('fm', layout, { embedDim: 2, learningRate: 0.05 });
    const steps = trainCtrModelEpochs(paused, train, null, { epochs: 2, batchSize: 100, seed: 1, yieldEveryMs: 0 });
    let pauses = 0;
    for (let step = steps.next(); !step.done; step = steps.next()) if (step.value === null) pauses++;
    expect(pauses).toBe(2 * (n / 100));
    const straight = await createCtrModel('fm', layout, { embedDim: 2, learningRate: 0.05 });
    trainCtrModel(straight, train, null, { epochs: 2, batchSize: 100, seed: 1 });
    expect(Array.from(paused.predict(ids, n))).toEqual(Array.from(straight.predict(ids, n)));
  });

  it('validates its options', async () => {
    const model = await createCtrModel('lr', layout, {});
    expect(() => trainCtrModel(model, train, null, { epochs: 0, batchSize: 10 })).toThrow(/epochs must be a positive integer/);
    expect(() => trainCtrModel(model, { ...train, slots: 3 }, null, { epochs: 1, batchSize: 10 })).toThrow(/train: rows have 3 slots/);
  });
});
