import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { indexVectors, loadRecallModel, saveRecallModel, userQueryVector } from './model-artifact.js';
import type { FactorModel } from './mf-model.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recall-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const model: FactorModel = {
  factors: 2,
  users: 2,
  items: 3,
  userFactors: Float32Array.from([1, 2, 3, 4]),
  itemFactors: Float32Array.from([0.5, 1, 1.5, 2, 2.5, 3]),
  itemBias: Float32Array.from([0.1, 0.2, 0.3]),
};

describe('recall model artefact', () => {
  it('round-trips factors, biases and metadata', () => {
    const out = saveRecallModel(dir, model, {
      version: 'v1',
      algorithm: 'bpr',
      userIds: [10, 11],
      itemIds: [7, 8, 9],
      hyperparameters: { factors: 2 },
      metrics: {},
      source: { kind: 'test' },
    });
    expect(readdirSync(dir)).toEqual(['v1']);
    const loaded = loadRecallModel(out);
    expect(Array.from(loaded.model.itemFactors)).toEqual(Array.from(model.itemFactors));
    expect(Array.from(loaded.model.itemBias!)).toEqual(Array.from(model.itemBias!));
    expect(loaded.meta.itemIds).toEqual([7, 8, 9]);
    expect(() => saveRecallModel(dir, model, { ...loaded.meta, version: 'v1' })).toThrow(/version/);
    expect(existsSync(path.join(dir, '.v1.tmp-' + process.pid))).toBe(false);
  });
  it('folds the item bias into the index vectors', () => {
    const { vectors, dim } = indexVectors(model);
    expect(dim).toBe(3);
    const q = userQueryVector(model, 1);
    const score = q[0] * vectors[3] + q[1] * vectors[4] + q[2] * vectors[5];
    expect(score).toBeCloseTo(3 * 1.5 + 4 * 2 + 0.2, 5);
  });
  it('validates its input', () => {
    expect(() => loadRecallModel(path.join(dir, 'missing'))).toThrow(/model/);
    expect(() =>
      saveRecallModel(dir, model, { version: 'bad/name', algorithm: 'als', userIds: [], itemIds: [], hyperparameters: {}, metrics: {}, source: {} }),
    ).toThrow(/version/);
  });
});
