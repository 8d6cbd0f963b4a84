// The ranker artefact: one versioned folder with model.json (format, kind, hyperparameters, feature schema and
// vocabularies, metrics, weight manifest) and one little-endian Float32 file per weight. Written to a temporary
// folder and renamed into place, so a reader never sees a half-written version.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FeatureEncoder } from '@cascade/features';
import type { FeatureEncoderState } from '@cascade/features';
import { createCtrModel, CTR_MODEL_KINDS } from './create-model.js';
import type { CtrHyperparameters, CtrModelKind, CtrWeights } from './ctr-model.js';
import { CtrRanker } from './ctr-ranker.js';
import type { RankerMetrics } from './ctr-ranker.js';
import type { DnnEngine } from './dnn-layer.js';

export const ARTIFACT_FORMAT = 'cascade-ctr-ranker';
export const ARTIFACT_FORMAT_VERSION = 1;

interface ArtifactManifest {
  format: string;
  formatVersion: number;
  version: string;
  createdAt: string;
  kind: CtrModelKind;
  hyperparameters: CtrHyperparameters;
  features: FeatureEncoderState;
  metrics: RankerMetrics;
  weights: { name: string; file: string; length: number }[];
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function floatBytes(a: Float32Array): Uint8Array {
  if (!littleEndian) throw new Error('artefacts are little-endian; this platform is big-endian');
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** A version name that sorts by time: `<kind>-<UTC timestamp>`. */
export function defaultArtifactVersion(kind: string, now = new Date()): string {
  return `${kind}-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

/** Writes the ranker as `<parentDir>/<version>/` atomically and returns that folder. */
export function saveRanker(ranker: CtrRanker, parentDir: string, options: { version?: string } = {}): string {
  if (!parentDir) throw new Error('saveRanker: parentDir is required');
  const version = options.version ?? defaultArtifactVersion(ranker.model.kind);
  if (!/^[A-Za-z0-9._-]+$/.test(version)) throw new Error(`saveRanker: version "${version}" may only contain letters, digits, . _ -`);
  mkdirSync(parentDir, { recursive: true });
  const finalDir = path.join(parentDir, version);
  if (existsSync(finalDir)) throw new Error(`saveRanker: artefact version "${version}" already exists in ${parentDir}`);
  const tmpDir = path.join(parentDir, `.tmp-${version}-${process.pid}-${Date.now()}`);
  mkdirSync(path.join(tmpDir, 'weights'), { recursive: true });
  try {
    const weights = ranker.model.exportWeights();
    const manifestWeights = Object.entries(weights).map(([name, data]) => {
      const file = `weights/${name}.f32`;
      writeFileSync(path.join(tmpDir, file), floatBytes(data));
      return { name, file, length: data.length };
    });
    const manifest: ArtifactManifest = {
      format: ARTIFACT_FORMAT,
      formatVersion: ARTIFACT_FORMAT_VERSION,
      version,
      createdAt: new Date().toISOString(),
      kind: ranker.model.kind,
      hyperparameters: ranker.model.hyperparameters,
      features: ranker.encoder.toJSON(),
      metrics: ranker.metrics,
      weights: manifestWeights,
    };
    writeFileSync(path.join(tmpDir, 'model.json'), `${JSON.stringify(manifest, null, 1)}\n`);
    renameSync(tmpDir, finalDir);
  } catch (error) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw error;
  }
  return finalDir;
}

/** Loads an artefact folder written by saveRanker. */
export async function loadRanker(dir: string, options: { engine?: DnnEngine } = {}): Promise<CtrRanker> {
  const manifestPath = path.join(dir, 'model.json');
  if (!existsSync(manifestPath)) throw new Error(`loadRanker: no model.json in "${dir}"`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ArtifactManifest;
  if (manifest.format !== ARTIFACT_FORMAT) throw new Error(`loadRanker: "${dir}" is not a ${ARTIFACT_FORMAT} artefact`);
  if (manifest.formatVersion !== ARTIFACT_FORMAT_VERSION) throw new Error(`loadRanker: unsupported formatVersion ${manifest.formatVersion}`);
  if (!CTR_MODEL_KINDS.includes(manifest.kind)) throw new Error(`loadRanker: unknown model kind "${manifest.kind}"`);
  const encoder = new FeatureEncoder(manifest.features);
  const weights: CtrWeights = {};
  for (const w of manifest.weights) {
    const bytes = readFileSync(path.join(dir, w.file));
    if (bytes.byteLength !== w.length * 4) throw new Error(`loadRanker: ${w.file} has ${bytes.byteLength} bytes, expected ${w.length * 4}`);
    const data = new Float32Array(w.length);
    new Uint8Array(data.buffer).set(bytes);
    weights[w.name] = data;
  }
  const layout = { vocabularySize: encoder.vocabularySize, slotField: encoder.slotField, fieldCount: encoder.fieldCount };
  const model = await createCtrModel(manifest.kind, layout, manifest.hyperparameters, { weights, engine: options.engine });
  // a loaded ranker is about to serve: pack the DNN for inference now rather than on the first request
  model.prepareInference();
  return new CtrRanker(encoder, model, manifest.metrics);
}
