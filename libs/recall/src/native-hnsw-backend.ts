// HnswBackend on the native binding: vectors and results cross as typed arrays, many queries in one call.
import type { HnswBackend, HnswGraphParams } from './hnsw-backend.js';
import type { LoadedNativeHnsw, NativeHnswBinding, NativeHnswHandle } from './native-hnsw-binding.js';

export class NativeHnswBackend implements HnswBackend {
  readonly engine: string;
  private readonly binding: NativeHnswBinding;
  private readonly handle: NativeHnswHandle;

  private constructor(native: LoadedNativeHnsw, handle: NativeHnswHandle) {
    this.engine = native.name;
    this.binding = native.binding;
    this.handle = handle;
  }

  static create(native: LoadedNativeHnsw, p: HnswGraphParams): NativeHnswBackend {
    return new NativeHnswBackend(native, native.binding.create('ip', p.dim, p.maxElements, p.M, p.efConstruction, p.randomSeed));
  }

  static load(native: LoadedNativeHnsw, path: string, dim: number): NativeHnswBackend {
    return new NativeHnswBackend(native, native.binding.load('ip', dim, path, 0));
  }

  count(): number {
    return this.binding.getCurrentCount(this.handle);
  }
  capacity(): number {
    return this.binding.getMaxElements(this.handle);
  }
  addPoint(vector: Float32Array, label: number): void {
    this.binding.addPoint(this.handle, vector, label);
  }
  markDelete(label: number): boolean {
    return this.binding.markDelete(this.handle, label);
  }
  resize(maxElements: number): void {
    this.binding.resize(this.handle, maxElements);
  }
  setEf(ef: number): void {
    this.binding.setEf(this.handle, ef);
  }
  search(query: Float32Array, k: number, outLabels: Int32Array, outDistances: Float32Array, exclude?: ReadonlySet<number>): number {
    if (!exclude) return this.binding.search(this.handle, query, k, outLabels, outDistances);
    return this.binding.search(this.handle, query, k, outLabels, outDistances, Int32Array.from(exclude));
  }
  searchBatch(queries: Float32Array, q: number, k: number, outLabels: Int32Array, outDistances: Float32Array): void {
    this.binding.searchBatch(this.handle, queries, q, k, outLabels, outDistances);
  }
  save(path: string): void {
    this.binding.save(this.handle, path);
  }
}
