// Approximate inner-product item index on hnswlib (the native binding compiled for this CPU when it builds, the
// hnswlib-node addon otherwise; same graph code, same index files). Labels are the item ids (non-negative
// integers). Filters: items the user has seen are removed after a filter-free search with a widened k (a filter
// per visited node is much slower); inactive items are marked deleted in the graph itself.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHnswBackend, loadHnswBackend, type HnswBackend, type HnswEngineChoice } from './hnsw-backend.js';

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
  /** Graph engine; default CASCADE_HNSW_ENGINE or `auto` (the native binding when it builds, else hnswlib-node). */
  engine?: HnswEngineChoice;
}

export interface IndexQueryResult {
  ids: Int32Array;
  scores: Float32Array;
}

/** Results of `queryBatch`: row j (k slots) holds query j's results best first, id -1 and score -Infinity past them. */
export interface IndexBatchQueryResult {
  ids: Int32Array;
  scores: Float32Array;
  k: number;
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
  private readonly backend: HnswBackend;
  private readonly queryBuffer: Float32Array;
  private readonly meta: IndexMeta;
  private efValue: number;
  private labelBuffer = new Int32Array(64);
  private distanceBuffer = new Float32Array(64);

  private constructor(backend: HnswBackend, meta: IndexMeta) {
    this.backend = backend;
    this.meta = meta;
    this.efValue = meta.ef;
    this.queryBuffer = new Float32Array(meta.dim);
    backend.setEf(meta.ef);
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
    const backend = createHnswBackend({ dim: meta.dim, maxElements, M: meta.M, efConstruction: meta.efConstruction, randomSeed: meta.randomSeed }, options.engine);
    return new HnswItemIndex(backend, meta);
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

  /** The graph engine in use: `native-avx512`, `native-avx2`, … or `hnswlib-node`. */
  get engine(): string {
    return this.backend.engine;
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
    this.backend.setEf(value);
  }
  /** Stored points, deleted ones included. */
  get size(): number {
    return this.backend.count();
  }
  get capacity(): number {
    return this.backend.capacity();
  }

  /** The vector as a Float32Array of length dim: itself when it already is one, else copied into a buffer. */
  private toQuery(vector: ArrayLike<number>, name: string): Float32Array {
    if (vector.length !== this.meta.dim) throw new Error(`${name}: length ${vector.length} differs from dim ${this.meta.dim}`);
    if (vector instanceof Float32Array) return vector;
    const q = this.queryBuffer;
    for (let a = 0; a < q.length; a++) q[a] = vector[a];
    return q;
  }

  private ensureResultBuffers(size: number): void {
    if (this.labelBuffer.length >= size) return;
    let length = this.labelBuffer.length;
    while (length < size) length *= 2;
    this.labelBuffer = new Int32Array(length);
    this.distanceBuffer = new Float32Array(length);
  }

  /** Adds an item or replaces its vector (a deleted item comes back); grows the index when full. */
  upsert(id: number, vector: ArrayLike<number>): void {
    checkInt(id, 'id', 0);
    const point = this.toQuery(vector, 'vector');
    for (let a = 0; a < point.length; a++) {
      if (!Number.isFinite(point[a])) throw new Error(`vector[${a}]: must be finite`);
    }
    if (this.backend.count() >= this.backend.capacity()) {
      this.backend.resize(Math.max(16, this.backend.capacity() * 2));
    }
    this.backend.addPoint(point, id);
  }

  /** Hides an item from queries (inactive or removed from the catalogue); upsert brings it back. */
  markDeleted(id: number): boolean {
    checkInt(id, 'id', 0);
    return this.backend.markDelete(id);
  }

  /** The k items with the largest inner product, excluding `filter.exclude`, best first. */
  query(vector: ArrayLike<number>, k: number, filter: IndexQueryFilter = {}): IndexQueryResult {
    checkInt(k, 'k', 1);
    const q = this.toQuery(vector, 'vector');
    const exclude = filter.exclude;
    const count = this.backend.count();
    if (count === 0) return { ids: new Int32Array(0), scores: new Float32Array(0) };
    const extra = exclude ? exclude.size : 0;
    // widen by the exclusions, but not without bound: a user with thousands of seen items would make every
    // search as wide as its history; past the cap the graph-level filter below takes over when needed
    const wanted = Math.min(count, k + Math.min(extra, Math.max(k, 256)));
    this.ensureResultBuffers(wanted);
    const labels = this.labelBuffer;
    const distances = this.distanceBuffer;
    if (wanted > this.efValue) this.backend.setEf(wanted);
    let n: number;
    try {
      n = this.backend.search(q, wanted, labels, distances);
      if (exclude && extra > 0) {
        let kept = 0;
        for (let r = 0; r < n; r++) if (!exclude.has(labels[r])) kept++;
        if (kept < k && kept < count - extra && n === wanted) {
          // the seen items pushed too many out: fall back to the graph-level filter
          n = this.backend.search(q, Math.min(k, count), labels, distances, exclude);
        }
      }
    } finally {
      if (wanted > this.efValue) this.backend.setEf(this.efValue);
    }
    const ids = new Int32Array(Math.min(k, n));
    const scores = new Float32Array(ids.length);
    let out = 0;
    for (let r = 0; r < n && out < ids.length; r++) {
      const id = labels[r];
      if (exclude && exclude.has(id)) continue;
      ids[out] = id;
      scores[out] = 1 - distances[r];
      out++;
    }
    return out === ids.length ? { ids, scores } : { ids: ids.slice(0, out), scores: scores.slice(0, out) };
  }

  /**
   * The k best items for each of many queries (row-major, q × dim) in one call, without filters: the fast path
   * for offline scoring and benchmarks (the native engine searches all queries inside one native call).
   */
  queryBatch(queries: Float32Array, k: number): IndexBatchQueryResult {
    checkInt(k, 'k', 1);
    if (!(queries instanceof Float32Array)) throw new Error('queries: must be a Float32Array');
    const dim = this.meta.dim;
    if (queries.length % dim !== 0) throw new Error(`queries: length ${queries.length} is not a multiple of dim ${dim}`);
    const q = queries.length / dim;
    const ids = new Int32Array(q * k);
    const scores = new Float32Array(q * k);
    if (this.backend.count() === 0) {
      ids.fill(-1);
      scores.fill(-Infinity);
      return { ids, scores, k };
    }
    this.backend.searchBatch(queries, q, k, ids, scores);
    // hnswlib's inner-product distance is 1 − dot
    for (let i = 0; i < scores.length; i++) scores[i] = ids[i] < 0 ? -Infinity : 1 - scores[i];
    return { ids, scores, k };
  }

  /** Writes `path` (the hnswlib graph) and `path.json` (parameters), each via a temporary file and rename. */
  save(path: string): void {
    const tmpIndex = `${path}.tmp-${process.pid}`;
    const tmpMeta = `${path}.json.tmp-${process.pid}`;
    try {
      this.backend.save(tmpIndex);
      writeFileSync(tmpMeta, JSON.stringify({ ...this.meta, ef: this.efValue }, null, 2));
      renameSync(tmpIndex, path);
      renameSync(tmpMeta, `${path}.json`);
    } finally {
      if (existsSync(tmpIndex)) rmSync(tmpIndex);
      if (existsSync(tmpMeta)) rmSync(tmpMeta);
    }
  }

  /** Reads an index written by `save` (with either engine). */
  static load(path: string, options: { engine?: HnswEngineChoice } = {}): HnswItemIndex {
    if (!existsSync(path)) throw new Error(`path: no index file at ${path}`);
    if (!existsSync(`${path}.json`)) throw new Error(`path: no index metadata at ${path}.json`);
    const meta = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as IndexMeta;
    if (meta.format !== 'cascade-hnsw-v1') throw new Error(`path: ${path}.json is not a cascade-hnsw-v1 index`);
    return new HnswItemIndex(loadHnswBackend(path, meta.dim, options.engine), meta);
  }
}
