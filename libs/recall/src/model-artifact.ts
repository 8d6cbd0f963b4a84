// A recall model version on disk: one folder with the factors as raw little-endian Float32 files and a JSON
// file with the id maps, hyperparameters and metrics. The folder is written under a temporary name and renamed,
// so readers never see a half-written version. The HNSW index is saved next to it (items.hnsw).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FactorModel } from './mf-model.js';

export const RECALL_MODEL_FORMAT = 'cascade-recall-mf-v1';
export const INDEX_FILE_NAME = 'items.hnsw';

export interface RecallModelMeta {
  format: typeof RECALL_MODEL_FORMAT;
  version: string;
  algorithm: 'als' | 'bpr';
  factors: number;
  users: number;
  items: number;
  /** External id of each user / item row. */
  userIds: number[];
  itemIds: number[];
  hyperparameters: Record<string, unknown>;
  metrics: Record<string, unknown>;
  source: Record<string, unknown>;
  createdAt: string;
}

export interface RecallModelArtifact {
  meta: RecallModelMeta;
  model: FactorModel;
  dir: string;
}

function writeFloat32(file: string, data: Float32Array): void {
  writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

function readFloat32(file: string, expected: number, name: string): Float32Array {
  const buf = readFileSync(file);
  if (buf.byteLength !== expected * 4) throw new Error(`${name}: ${file} has ${buf.byteLength} bytes, expected ${expected * 4}`);
  const out = new Float32Array(expected);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/** Writes `<parentDir>/<version>/` atomically and returns its path. */
export function saveRecallModel(
  parentDir: string,
  model: FactorModel,
  meta: Omit<RecallModelMeta, 'format' | 'factors' | 'users' | 'items' | 'createdAt'> & { createdAt?: string },
): string {
  if (!/^[A-Za-z0-9._-]+$/.test(meta.version)) throw new Error(`version: must be letters, digits, . _ -, got "${meta.version}"`);
  if (meta.userIds.length !== model.users) throw new Error(`userIds: ${meta.userIds.length} ids for ${model.users} user rows`);
  if (meta.itemIds.length !== model.items) throw new Error(`itemIds: ${meta.itemIds.length} ids for ${model.items} item rows`);
  const finalDir = path.join(parentDir, meta.version);
  if (existsSync(finalDir)) throw new Error(`version: ${finalDir} already exists`);
  mkdirSync(parentDir, { recursive: true });
  const tmpDir = path.join(parentDir, `.${meta.version}.tmp-${process.pid}`);
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir);
  try {
    writeFloat32(path.join(tmpDir, 'user-factors.f32'), model.userFactors);
    writeFloat32(path.join(tmpDir, 'item-factors.f32'), model.itemFactors);
    if (model.itemBias) writeFloat32(path.join(tmpDir, 'item-bias.f32'), model.itemBias);
    const full: RecallModelMeta = {
      ...meta,
      format: RECALL_MODEL_FORMAT,
      factors: model.factors,
      users: model.users,
      items: model.items,
      createdAt: meta.createdAt ?? new Date().toISOString(),
    };
    writeFileSync(path.join(tmpDir, 'model.json'), JSON.stringify(full, null, 2));
    renameSync(tmpDir, finalDir);
  } catch (error) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw error;
  }
  return finalDir;
}

export function loadRecallModel(dir: string): RecallModelArtifact {
  const metaFile = path.join(dir, 'model.json');
  if (!existsSync(metaFile)) throw new Error(`model: no model.json in ${dir}`);
  const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as RecallModelMeta;
  if (meta.format !== RECALL_MODEL_FORMAT) throw new Error(`model: ${metaFile} is not a ${RECALL_MODEL_FORMAT} model`);
  const biasFile = path.join(dir, 'item-bias.f32');
  const model: FactorModel = {
    factors: meta.factors,
    users: meta.users,
    items: meta.items,
    userFactors: readFloat32(path.join(dir, 'user-factors.f32'), meta.users * meta.factors, 'user-factors'),
    itemFactors: readFloat32(path.join(dir, 'item-factors.f32'), meta.items * meta.factors, 'item-factors'),
    itemBias: existsSync(biasFile) ? readFloat32(biasFile, meta.items, 'item-bias') : undefined,
  };
  return { meta, model, dir };
}

/**
 * Item vectors for an inner-product index: BPR's item bias becomes one extra dimension (user side 1), so that
 * index scores equal model scores. Returns the vectors and their dimension.
 */
export function indexVectors(model: FactorModel): { vectors: Float32Array; dim: number } {
  if (!model.itemBias) return { vectors: model.itemFactors, dim: model.factors };
  const dim = model.factors + 1;
  const vectors = new Float32Array(model.items * dim);
  for (let i = 0; i < model.items; i++) {
    vectors.set(model.itemFactors.subarray(i * model.factors, (i + 1) * model.factors), i * dim);
    vectors[i * dim + model.factors] = model.itemBias[i];
  }
  return { vectors, dim };
}

/** The user's query vector matching indexVectors (a trailing 1 for the bias dimension). */
export function userQueryVector(model: FactorModel, user: number): Float32Array {
  const f = model.factors;
  if (!Number.isInteger(user) || user < 0 || user >= model.users) throw new Error(`user: row ${user} out of range`);
  const v = new Float32Array(model.itemBias ? f + 1 : f);
  v.set(model.userFactors.subarray(user * f, (user + 1) * f));
  if (model.itemBias) v[f] = 1;
  return v;
}
