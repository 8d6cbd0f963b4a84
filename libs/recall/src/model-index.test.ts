import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HnswItemIndex } from './hnsw-item-index.js';
import { saveRecallModel } from './model-artifact.js';
import { buildModelIndex } from './model-index.js';
import type { FactorModel } from './mf-model.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recall-index-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const model: FactorModel = {
  factors: 2,
  users: 1,
  items: 4,
  userFactors: Float32Array.from([1, 0]),
  itemFactors: Float32Array.from([4, 0, 3, 0, 2, 0, 1, 0]),
};

describe('buildModelIndex', () => {
  it('indexes a saved model next to it, with deleted items never returned', () => {
    const modelDir = saveRecallModel(dir, model, { version: 'v1', algorithm: 'als', userIds: [5], itemIds: [10, 11, 12, 13], hyperparameters: {}, metrics: {}, source: {} });
    const result = buildModelIndex(modelDir, { M: 4, efConstruction: 20, ef: 10, deletedItemIds: [10, 99] });
    expect(result).toMatchObject({ items: 4, dim: 2, markedDeleted: 1, version: 'v1' });
    expect(existsSync(`${result.indexFile}.json`)).toBe(true);
    const index = HnswItemIndex.load(result.indexFile);
    expect(Array.from(index.query([1, 0], 2).ids)).toEqual([11, 12]);
    expect(() => buildModelIndex('')).toThrow(/modelDir/);
  });
});
