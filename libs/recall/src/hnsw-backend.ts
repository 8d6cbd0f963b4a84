// The graph store behind HnswItemIndex: the native binding (native/hnsw_binding.cc, compiled for this CPU) when it
// loads, the hnswlib-node addon otherwise. Both run the same hnswlib code and read and write the same index files.
import { HnswlibNodeBackend } from './hnswlib-node-backend.js';
import { loadNativeHnsw, nativeHnswFailure } from './native-hnsw-binding.js';
import { NativeHnswBackend } from './native-hnsw-backend.js';

/** `native` (the compiled binding), `hnswlib-node` (the npm addon) or `auto` (native when it builds). */
export type HnswEngineChoice = 'auto' | 'native' | 'hnswlib-node';

export interface HnswBackend {
  /** `native-avx512`, `native-avx2`, … or `hnswlib-node`. */
  readonly engine: string;
  /** Stored points, deleted ones included. */
  count(): number;
  capacity(): number;
  /** Adds a point or replaces the vector of an existing label (a deleted label comes back). */
  addPoint(vector: Float32Array, label: number): void;
  /** False when the label is unknown or already deleted. */
  markDelete(label: number): boolean;
  resize(maxElements: number): void;
  setEf(ef: number): void;
  /**
   * Writes up to k results best first into the outputs (length >= k) and returns their number; `exclude` leaves
   * labels out inside the graph search (slower than post-filtering, for large exclusion sets). k <= capacity().
   */
  search(query: Float32Array, k: number, outLabels: Int32Array, outDistances: Float32Array, exclude?: ReadonlySet<number>): number;
  /** Row j of the outputs (q × k) holds query j's results best first, -1 labels after them. */
  searchBatch(queries: Float32Array, q: number, k: number, outLabels: Int32Array, outDistances: Float32Array): void;
  /** Writes the hnswlib index file. */
  save(path: string): void;
}

export interface HnswGraphParams {
  dim: number;
  maxElements: number;
  M: number;
  efConstruction: number;
  randomSeed: number;
}

function engineChoice(requested: HnswEngineChoice | undefined): HnswEngineChoice {
  const choice = requested ?? (process.env.CASCADE_HNSW_ENGINE as HnswEngineChoice | undefined) ?? 'auto';
  if (choice !== 'auto' && choice !== 'native' && choice !== 'hnswlib-node') {
    throw new Error(`engine: must be 'auto', 'native' or 'hnswlib-node' (option or CASCADE_HNSW_ENGINE), got '${choice}'`);
  }
  return choice;
}

function nativeFor(choice: HnswEngineChoice): ReturnType<typeof loadNativeHnsw> {
  if (choice === 'hnswlib-node') return null;
  const native = loadNativeHnsw();
  if (!native && choice === 'native') throw new Error(`engine: the native HNSW binding is unavailable: ${nativeHnswFailure()}`);
  return native;
}

/** An empty inner-product graph. */
export function createHnswBackend(params: HnswGraphParams, engine?: HnswEngineChoice): HnswBackend {
  const native = nativeFor(engineChoice(engine));
  return native ? NativeHnswBackend.create(native, params) : HnswlibNodeBackend.create(params);
}

/** An inner-product graph read from an hnswlib index file. */
export function loadHnswBackend(path: string, dim: number, engine?: HnswEngineChoice): HnswBackend {
  const native = nativeFor(engineChoice(engine));
  return native ? NativeHnswBackend.load(native, path, dim) : HnswlibNodeBackend.load(path, dim);
}
