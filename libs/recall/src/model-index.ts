// The HNSW item index of a recall model version, built from its factors and saved next to it
// (`<modelDir>/items.hnsw` + `items.hnsw.json`, each written via a temporary file and rename).
import path from 'node:path';
import { HnswItemIndex } from './hnsw-item-index.js';
import { indexVectors, INDEX_FILE_NAME, loadRecallModel } from './model-artifact.js';

export interface ModelIndexOptions {
  M?: number;
  efConstruction?: number;
  /** Default search breadth stored with the index. */
  ef?: number;
  /** Item ids to mark as deleted (e.g. inactive in the catalogue): never returned by queries. */
  deletedItemIds?: Iterable<number>;
  onProgress?: (done: number, total: number) => void;
}

export interface ModelIndexResult {
  modelDir: string;
  version: string;
  indexFile: string;
  items: number;
  dim: number;
  M: number;
  efConstruction: number;
  ef: number;
  markedDeleted: number;
  buildSeconds: number;
}

/** Builds the inner-product index of the model in `modelDir` and saves it there. */
export function buildModelIndex(modelDir: string, options: ModelIndexOptions = {}): ModelIndexResult {
  if (typeof modelDir !== 'string' || modelDir === '') throw new Error('modelDir: a recall model folder is required');
  const M = options.M ?? 16;
  const efConstruction = options.efConstruction ?? 200;
  const ef = options.ef ?? 50;
  const artifact = loadRecallModel(modelDir);
  const { vectors, dim } = indexVectors(artifact.model);
  const ids = artifact.meta.itemIds;
  const t0 = performance.now();
  const onProgress = options.onProgress;
  const index = HnswItemIndex.build(vectors, ids, { dim, M, efConstruction, ef }, onProgress ? (done) => onProgress(done, ids.length) : undefined);
  const buildSeconds = (performance.now() - t0) / 1000;
  let markedDeleted = 0;
  for (const id of options.deletedItemIds ?? []) if (index.markDeleted(id)) markedDeleted++;
  const indexFile = path.join(artifact.dir, INDEX_FILE_NAME);
  index.save(indexFile);
  return { modelDir: artifact.dir, version: artifact.meta.version, indexFile, items: ids.length, dim, M, efConstruction, ef, markedDeleted, buildSeconds };
}
