// HnswBackend on the hnswlib-node addon (the fallback when the native binding cannot be built): queries cross as
// plain arrays, one call per query, and a large exclusion set becomes a JS filter callback per visited node.
import hnswlib from 'hnswlib-node';
import type { HnswBackend, HnswGraphParams } from './hnsw-backend.js';

const { HierarchicalNSW } = hnswlib;
type Addon = InstanceType<typeof HierarchicalNSW>;

export class HnswlibNodeBackend implements HnswBackend {
  readonly engine = 'hnswlib-node';
  private readonly addon: Addon;
  private readonly point: number[];

  private constructor(addon: Addon, dim: number) {
    this.addon = addon;
    this.point = new Array<number>(dim).fill(0);
  }

  static create(p: HnswGraphParams): HnswlibNodeBackend {
    const addon = new HierarchicalNSW('ip', p.dim);
    addon.initIndex(p.maxElements, p.M, p.efConstruction, p.randomSeed);
    return new HnswlibNodeBackend(addon, p.dim);
  }

  static load(path: string, dim: number): HnswlibNodeBackend {
    const addon = new HierarchicalNSW('ip', dim);
    addon.readIndexSync(path);
    return new HnswlibNodeBackend(addon, dim);
  }

  private toArray(vector: Float32Array, offset = 0): number[] {
    const p = this.point;
    for (let a = 0; a < p.length; a++) p[a] = vector[offset + a];
    return p;
  }

  count(): number {
    return this.addon.getCurrentCount();
  }
  capacity(): number {
    return this.addon.getMaxElements();
  }
  addPoint(vector: Float32Array, label: number): void {
    this.addon.addPoint(this.toArray(vector), label);
  }
  markDelete(label: number): boolean {
    try {
      this.addon.markDelete(label);
      return true;
    } catch {
      return false; // unknown or already deleted
    }
  }
  resize(maxElements: number): void {
    this.addon.resizeIndex(maxElements);
  }
  setEf(ef: number): void {
    this.addon.setEf(ef);
  }
  search(query: Float32Array, k: number, outLabels: Int32Array, outDistances: Float32Array, exclude?: ReadonlySet<number>): number {
    const q = this.toArray(query);
    const result = exclude ? this.addon.searchKnn(q, k, (label) => !exclude.has(label)) : this.addon.searchKnn(q, k);
    const n = result.neighbors.length;
    for (let r = 0; r < n; r++) {
      outLabels[r] = result.neighbors[r];
      outDistances[r] = result.distances[r];
    }
    for (let r = n; r < k; r++) {
      outLabels[r] = -1;
      outDistances[r] = Infinity;
    }
    return n;
  }
  searchBatch(queries: Float32Array, q: number, k: number, outLabels: Int32Array, outDistances: Float32Array): void {
    const dim = this.point.length;
    // the addon refuses k above its capacity; the missing slots are -1 anyway
    const kk = Math.min(k, this.addon.getMaxElements());
    for (let j = 0; j < q; j++) {
      const result = this.addon.searchKnn(this.toArray(queries, j * dim), kk);
      const n = result.neighbors.length;
      for (let r = 0; r < k; r++) {
        outLabels[j * k + r] = r < n ? result.neighbors[r] : -1;
        outDistances[j * k + r] = r < n ? result.distances[r] : Infinity;
      }
    }
  }
  save(path: string): void {
    this.addon.writeIndexSync(path);
  }
}
