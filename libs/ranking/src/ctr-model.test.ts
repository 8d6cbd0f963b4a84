import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@cascade/core';
import { auc } from '@cascade/eval';
import { fmForward } from './fm-layer.js';
import { createCtrModel, createDnnEngine } from './create-model.js';
import { loadNativeKernels } from './native-kernels.js';
import type { CtrLayout } from './ctr-model.js';

describe('FM term', () => {
  it('equals the brute-force pairwise sum of inner products', () => {
    const random = new SeededRandom(3);
    const batch = 4, fields = 6, dim = 5;
    const pooled = new Float32Array(batch * fields * dim).map(() => random.normal());
    const out = new Float32Array(batch);
    fmForward(pooled, batch, fields, dim, out);
    for (let b = 0; b < batch; b++) {
      let brute = 0;
      for (let i = 0; i < fields; i++) {
        for (let j = i + 1; j < fields; j++) {
          for (let d = 0; d < dim; d++) brute += pooled[(b * fields + i) * dim + d] * pooled[(b * fields + j) * dim + d];
        }
      }
      expect(out[b]).toBeCloseTo(brute, 4);
    }
  });
});

/** Two single-valued fields (ids 1..4 and 5..8) and one multi-valued field of width 2 (ids 9..12, 0 = padding). */
const tinyLayout: CtrLayout = { vocabularySize: 13, slotField: Int32Array.from([0, 1, 2, 2]), fieldCount: 3 };
const tinyIds = Int32Array.from([1, 5, 9, 10, 2, 6, 11, 0, 1, 7, 12, 9, 3, 5, 0, 0]);
const tinyLabels = Float32Array.from([1, 0, 1, 0]);

describe('gradients', () => {
  const cases = [['lr', 'tfjs'], ['fm', 'tfjs'], ['deepfm', 'tfjs'], ['deepfm', 'native']] as const;
  for (const [kind, engineKind] of cases) {
    it.skipIf(engineKind === 'native' && !loadNativeKernels())(`${kind} (${engineKind} DNN): analytic gradients match finite differences`, async () => {
      const engine = kind === 'deepfm' ? await createDnnEngine(engineKind) : undefined;
      const model = await createCtrModel(kind, tinyLayout, { embedDim: 3, hidden: [5, 4], l2Embedding: 0.01, seed: 7 }, { engine });
      // Larger parameters than the default init so the FM/DNN gradients are not tiny.
      const table = model.embedding.table;
      const width = 1 + model.embedding.dim;
      const r = new SeededRandom(11);
      for (let row = 0; row < table.rows; row++) {
        for (let d = 0; d < width; d++) table.state[row * table.stride + d] = r.normal() * (d === 0 ? 0.3 : 0.5);
      }
      model.computeGradients(tinyIds, tinyLabels, 0, 4);
      const grads = model.embedding.gradients();
      const eps = 3e-3;
      const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(2e-4 + 0.02 * Math.abs(b));
      const numeric = (param: Float32Array, j: number): number => {
        const keep = param[j];
        param[j] = keep + eps;
        model.dnn?.markChanged();
        const up = model.loss(tinyIds, tinyLabels, 0, 4);
        param[j] = keep - eps;
        model.dnn?.markChanged();
        const down = model.loss(tinyIds, tinyLabels, 0, 4);
        param[j] = keep;
        model.dnn?.markChanged();
        return (up - down) / (2 * eps);
      };
      // The L2 term is part of the training objective but not of loss(): add it back for the check.
      const occurrences = (id: number) => tinyIds.filter((x) => x === id).length;
      for (let i = 0; i < grads.rows.length; i++) {
        const id = grads.rows[i];
        for (let d = 0; d < width; d++) {
          const j = id * table.stride + d;
          const l2 = (occurrences(id) * 2 * 0.01 * table.state[j]) / 4;
          close(grads.grads[i * width + d], numeric(table.state, j) + l2);
        }
      }
      close(model.biasGradient, numeric(model.bias, 0));
      if (model.dnn) {
        for (let layer = 0; layer < model.dnn.layerCount; layer++) {
          const wts = model.dnn.weights[layer];
          for (const j of [0, 3, wts.length - 1]) close(model.dnn.gradWeights[layer][j], numeric(wts, j));
          close(model.dnn.gradBiases[layer][0], numeric(model.dnn.biases[layer], 0));
        }
      }
      model.dispose();
    });
  }
});

describe('DNN engines', () => {
  it.skipIf(!loadNativeKernels())('native and TensorFlow.js engines give the same predictions and gradients', async () => {
    const layout: CtrLayout = { vocabularySize: 13, slotField: tinyLayout.slotField, fieldCount: 3 };
    const h = { embedDim: 4, hidden: [37, 19], seed: 3 };
    const a = await createCtrModel('deepfm', layout, h, { engine: await createDnnEngine('native') });
    const b = await createCtrModel('deepfm', layout, h, { engine: await createDnnEngine('tfjs') });
    const pa = a.predict(tinyIds, 4);
    const pb = b.predict(tinyIds, 4);
    for (let i = 0; i < 4; i++) expect(pa[i]).toBeCloseTo(pb[i], 5);
    a.computeGradients(tinyIds, tinyLabels, 0, 4);
    b.computeGradients(tinyIds, tinyLabels, 0, 4);
    const ga = a.embedding.gradients().grads;
    const gb = b.embedding.gradients().grads;
    for (let i = 0; i < ga.length; i++) expect(ga[i]).toBeCloseTo(gb[i], 5);
    for (let l = 0; l < 3; l++) {
      for (let i = 0; i < a.dnn!.gradWeights[l].length; i++) expect(a.dnn!.gradWeights[l][i]).toBeCloseTo(b.dnn!.gradWeights[l][i], 5);
    }
    a.dispose();
    b.dispose();
  });
});

describe('planted pairwise interaction', () => {
  // Label = XOR of two binary fields (plus two noise fields): no additive model can beat chance, FM/DeepFM can.
  const n = 8000;
  const layout: CtrLayout = { vocabularySize: 1 + 4 * 3, slotField: Int32Array.from([0, 1, 2, 3]), fieldCount: 4 };
  const makeData = (seed: number) => {
    const r = new SeededRandom(seed);
    const ids = new Int32Array(n * 4);
    const labels = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const a = r.int(2), b = r.int(2);
      ids[i * 4] = 2 + a; // field 0: OOV 1, tokens 2..3
      ids[i * 4 + 1] = 5 + b; // field 1: OOV 4, tokens 5..6
      ids[i * 4 + 2] = 8 + r.int(2);
      ids[i * 4 + 3] = 11 + r.int(2);
      const p = a === b ? 0.85 : 0.15;
      labels[i] = r.next() < p ? 1 : 0;
    }
    return { ids, labels };
  };
  const train = makeData(1);
  const test = makeData(2);

  for (const [kind, learns] of [['lr', false], ['fm', true], ['deepfm', true]] as const) {
    it(`${kind} ${learns ? 'learns' : 'cannot learn'} it`, async () => {
      const model = await createCtrModel(kind, layout, { embedDim: 4, hidden: [16, 16], learningRate: 0.02, seed: 5 });
      for (let epoch = 0; epoch < 6; epoch++) {
        for (let start = 0; start < n; start += 256) model.trainBatch(train.ids, train.labels, start, Math.min(256, n - start));
      }
      const a = auc(test.labels, model.predict(test.ids, n));
      if (learns) expect(a).toBeGreaterThan(0.8);
      else expect(a).toBeLessThan(0.6);
      model.dispose();
    });
  }
});
