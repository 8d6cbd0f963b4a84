// Loads the optional native HNSW binding (native/hnsw_binding.cc, a Node-API addon over the hnswlib headers that
// ship inside hnswlib-node: same algorithm, same index files). It is compiled on first use with the system's
// g++ for this CPU (-O3 -march=native, so hnswlib's distances use AVX-512 or AVX2) and cached by a hash of the
// source, the hnswlib headers, the flags, the CPU flags and the Node ABI under ~/.cache/cascade/native (or
// CASCADE_NATIVE_CACHE). Anything missing (no g++, no Node headers) makes loadNativeHnsw() return null and
// HnswItemIndex runs on the hnswlib-node addon instead; CASCADE_HNSW_ENGINE=hnswlib-node forces that.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuFlags, loadNativeAddon } from '@cascade/core';

/** An opaque index handle owned by the binding (freed when garbage collected). */
export type NativeHnswHandle = { readonly __nativeHnsw: unique symbol };

export interface NativeHnswBinding {
  create(space: 'ip' | 'l2', dim: number, maxElements: number, M: number, efConstruction: number, seed: number, allowReplaceDeleted?: boolean): NativeHnswHandle;
  /** maxElements 0 keeps the saved capacity. */
  load(space: 'ip' | 'l2', dim: number, path: string, maxElements: number, allowReplaceDeleted?: boolean): NativeHnswHandle;
  save(handle: NativeHnswHandle, path: string): void;
  addPoint(handle: NativeHnswHandle, vector: Float32Array, label: number, replaceDeleted?: boolean): void;
  /** False when the label is unknown or already deleted. */
  markDelete(handle: NativeHnswHandle, label: number): boolean;
  /** False when the label is unknown or not deleted. */
  unmarkDelete(handle: NativeHnswHandle, label: number): boolean;
  resize(handle: NativeHnswHandle, maxElements: number): void;
  setEf(handle: NativeHnswHandle, ef: number): void;
  getCurrentCount(handle: NativeHnswHandle): number;
  getMaxElements(handle: NativeHnswHandle): number;
  /** Writes up to k results best first (-1 labels after them) and returns their number; `exclude` filters in the graph. */
  search(handle: NativeHnswHandle, query: Float32Array, k: number, outLabels: Int32Array, outDistances: Float32Array, exclude?: Int32Array): number;
  /** Row j of the outputs (q × k) holds query j's results best first, -1 labels after them. */
  searchBatch(handle: NativeHnswHandle, queries: Float32Array, q: number, k: number, outLabels: Int32Array, outDistances: Float32Array): void;
  /** The widest SIMD hnswlib was compiled with: avx512, avx, sse or scalar. */
  simd(): string;
}

export interface LoadedNativeHnsw {
  binding: NativeHnswBinding;
  /** `native-avx512`, `native-avx2` or `native-<simd>` on other CPUs. */
  name: string;
}

const sourcePath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'native', 'hnsw_binding.cc');
let loaded: LoadedNativeHnsw | null | undefined;
let failure: string | null = null;

/** The hnswlib headers inside the installed hnswlib-node package. */
function hnswlibHeaderDir(): string {
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve('hnswlib-node/package.json')), 'src', 'hnswlib');
  if (!existsSync(path.join(dir, 'hnswlib.h'))) throw new Error(`hnswlib headers not found in ${dir}`);
  return dir;
}

/** Why the native binding is unavailable (null when it loaded or was not tried). */
export function nativeHnswFailure(): string | null {
  return failure;
}

/** The native binding, compiled on first use, or null when it cannot be built here or is disabled. */
export function loadNativeHnsw(): LoadedNativeHnsw | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  try {
    if (process.env.CASCADE_HNSW_ENGINE === 'hnswlib-node') throw new Error('disabled by CASCADE_HNSW_ENGINE=hnswlib-node');
    const headers = hnswlibHeaderDir();
    const binding = loadNativeAddon<NativeHnswBinding>({
      name: 'hnsw_binding',
      sourcePath,
      language: 'c++',
      args: ['-std=c++17', `-I${headers}`],
      dependsOn: readdirSync(headers).filter((f) => f.endsWith('.h')).sort().map((f) => path.join(headers, f)),
    });
    const flags = cpuFlags();
    const simd = binding.simd();
    const name = simd === 'avx512' ? 'native-avx512' : simd === 'avx' && flags.has('avx2') ? 'native-avx2' : `native-${simd}`;
    loaded = { binding, name };
  } catch (error) {
    failure = (error as Error).message;
  }
  return loaded;
}
