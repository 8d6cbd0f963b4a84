// Approximate inner-product item index on hnswlib-node. Labels are the item ids (non-negative integers).
// Filters: items the user has seen are removed after a filter-free search with a widened k (a JS filter
// callback per visited node is much slower); inactive items are marked deleted in the graph itself.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import hnswlib from 'hnswlib-node';

const { HierarchicalNSW } = hnswlib;
type Native = InstanceType<typeof HierarchicalNSW>;

export interface HnswIndexOptions {
  dim: number;
  /** Graph degree (hnswlib M). */
  M?: number;
  efConstruction?: number;
  /** Search breadth (hnswlib ef); raised to k when k is larger. */
  ef?: number;
  /** Initial capacity; the index doubles when full. */
  maxElements?: number;
  randomSeed?: number;
}

export interface IndexQueryResult {
  ids: Int32Array;
  scores: Float32Array;
}

export interface IndexQueryFilter {
  /** Item ids to leave out (e.g. the user's seen items). */
  exclude?: ReadonlySet<number>;
}

interface IndexMeta {
  format: 'cascade-hnsw-v1';
  space: 'ip';
  dim: number;
  M: number;
  efConstruction: number;
  ef: number;
  randomSeed: number;
}

function checkInt(value: number, name: string, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new Error(`${name}: must be an integer >= ${min}, got ${value}`);
}

export class HnswItemIndex {
  private readonly native: Native;
  private readonly queryBuffer: number[];
  private readonly meta: IndexMeta;
  private efValue: number;

  private constructor(native: Native, meta: IndexMeta) {
    this.native = native;
    this.meta = meta;
    this.efValue = meta.ef;
    this.queryBuffer = new Array<number>(meta.dim).fill(0);
    native.setEf(meta.ef);
  }

  static create(options: HnswIndexOptions): HnswItemIndex {
    const meta: IndexMeta = {
      format: 'cascade-hnsw-v1',
      space: 'ip',
      dim: options.dim,
      M: options.M ?? 16,
      efConstruction: options.efConstruction ?? 200,
      ef: options.ef ?? 50,
      randomSeed: options.randomSeed ?? 100,
    };
    checkInt(meta.dim, 'dim', 1);
    checkInt(meta.M, 'M', 2);
    checkInt(meta.efConstruction, 'efConstruction', 1);
    checkInt(meta.ef, 'ef', 1);
    checkInt(meta.randomSeed, 'randomSeed', 0);
    const maxElements = options.maxElements ?? 1024;
    checkInt(maxElements, 'maxElements', 1);
    const native = new HierarchicalNSW('ip', meta.dim);
    native.initIndex(maxElements, meta.M, meta.efConstruction, meta.randomSeed);
    return new HnswItemIndex(native, meta);
  }

  /** Builds from row-major vectors (n × dim) with one id per row. */
  static build(
    vectors: Float32Array,
    ids: ArrayLike<number>,
    options: HnswIndexOptions,
    onProgress?: (done: number) => void,
  ): HnswItemIndex {
    if (vectors.length !== ids.length * options.dim) {
      throw new Error(`vectors: length ${vectors.length} is not ids.length (${ids.length}) × dim (${options.dim})`);
    }
    const index = HnswItemIndex.create({ ...options, maxElements: Math.max(ids.length, options.maxElements ?? 1) });
    for (let r = 0; r < ids.length; r++) {
      index.upsert(ids[r], vectors.subarray(r * options.dim, (r + 1) * options.dim));
      if (onProgress && (r + 1) % 1000 === 0) onProgress(r + 1);
    }
    onProgress?.(ids.length);
    return index;
  }

  get dim(): number {
    return this.meta.dim;
  }
  get M(): number {
    return this.meta.M;
  }
  get efConstruction(): number {
    return this.meta.efConstruction;
  }
  get ef(): number {
    return this.efValue;
  }
  set ef(value: number) {
    checkInt(value, 'ef', 1);
    this.efValue = value;
    this.native.setEf(value);
  }
  /** Stored points, deleted ones included. */
  get size(): number {
    return this.native.getCurrentCount();
  }
  get capacity(): number {
    return this.native.getMaxElements();
  }

  private toQuery(vector: ArrayLike<number>, name: string): number[] {
    if (vector.length !== this.meta.dim) throw new Error(`${name}: length ${vector.length} differs from dim ${this.meta.dim}`);
    const q = this.queryBuffer;
    for (let a = 0; a < q.length; a++) q[a] = vector[a];
    return q;
  }

  /** Adds an item or replaces its vector (a deleted item comes back); grows the index when full. */
  upsert(id: number, vector: ArrayLike<number>): void {
    checkInt(id, 'id', 0);
    const point = this.toQuery(vector, 'vector');
    for (let a = 0; a < point.length; a++) {
      if (!Number.isFinite(point[a])) throw new Error(`vector[${a}]: must be finite`);
    }
    if (this.native.getCurrentCount() >= this.native.getMaxElements()) {
      this.native.resizeIndex(Math.max(16, this.native.getMaxElements() * 2));
    }
    this.native.addPoint(point, id);
  }

  /** Hides an item from queries (inactive or removed from the catalogue); upsert brings it back. */
  markDeleted(id: number): boolean {
    checkInt(id, 'id', 0);
    try {
      this.native.markDelete(id);
      return true;
    } catch {
      return false; // unknown or already deleted
    }
  }

  /** The k items with the largest inner product, excluding `filter.exclude`, best first. */
  query(vector: ArrayLike<number>, k: number, filter: IndexQueryFilter = {}): IndexQueryResult {
    checkInt(k, 'k', 1);
    const q = this.toQuery(vector, 'vector');
    const exclude = filter.exclude;
    const count = this.native.getCurrentCount();
    if (count === 0) return { ids: new Int32Array(0), scores: new Float32Array(0) };
    const extra = exclude ? exclude.size : 0;
    // widen by the exclusions, but not without bound: a user with thousands of seen items would make every
    // search as wide as its history; past the cap the graph-level filter below takes over when needed
    const wanted = Math.min(count, k + Math.min(extra, Math.max(k, 256)));
    if (wanted > this.efValue) this.native.setEf(wanted);
    let result = this.native.searchKnn(q, wanted);
    if (exclude && extra > 0) {
      let kept = 0;
      for (const id of result.neighbors) if (!exclude.has(id)) kept++;
      if (kept < k && kept < count - extra && result.neighbors.length === wanted) {
        // the seen items pushed too many out: fall back to the graph-level filter
        result = this.native.searchKnn(q, Math.min(k, count), (label) => !exclude.has(label));
      }
    }
    if (wanted > this.efValue) this.native.setEf(this.efValue);
    const n = result.neighbors.length;
    const ids = new Int32Array(Math.min(k, n));
    const scores = new Float32Array(ids.length);
    let out = 0;
    for (let r = 0; r < n && out < ids.length; r++) {
      const id = result.neighbors[r];
      if (exclude && exclude.has(id)) continue;
      ids[out] = id;
      scores[out] = 1 - result.distances[r];
      out++;
    }
    return out === ids.length ? { ids, scores } : { ids: ids.slice(0, out), scores: scores.slice(0, out) };
  }

  /** Writes `path` (the hnswlib graph) and `path.json` (parameters), each via a temporary file and rename. */
  save(path: string): void {
    const tmpIndex = `${path}.tmp-${process.pid}`;
    const tmpMeta = `${path}.json.tmp-${process.pid}`;
    try {
      this.native.writeIndexSync(tmpIndex);
      writeFileSync(tmpMeta, JSON.stringify({ ...this.meta, ef: this.efValue }, null, 2));
      renameSync(tmpIndex, path);
      renameSync(tmpMeta, `${path}.json`);
    } finally {
      if (existsSync(tmpIndex)) rmSync(tmpIndex);
      if (existsSync(tmpMeta)) rmSync(tmpMeta);
    }
  }

  static load(path: string): HnswItemIndex {
    if (!existsSync(path)) throw new Error(`path: no index file at ${path}`);
    if (!existsSync(`${path}.json`)) throw new Error(`path: no index metadata at ${path}.json`);
    const meta = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as IndexMeta;
    if (meta.format !== 'cascade-hnsw-v1') throw new Error(`path: ${path}.json is not a cascade-hnsw-v1 index`);
    const native = new HierarchicalNSW('ip', meta.dim);
    native.readIndexSync(path);
    return new HnswItemIndex(native, meta);
  }
}
