// In-memory sparse user × item interaction matrix, built incrementally from columnar chunks (the database's
// InteractionChunk stream or a parsed ratings file), so both training paths share one code path.

/** The event types of @cascade/db, in the order of its EVENT_TYPES (chunk `types` index into this list). */
export const INTERACTION_EVENT_TYPES = ['impression', 'click', 'like', 'rating', 'purchase', 'custom'] as const;
export type InteractionEventType = (typeof INTERACTION_EVENT_TYPES)[number];

/**
 * How an event becomes a matrix weight: `weight + valueScale × value`, summed over a user's events on an item.
 * A type with weight 0 and valueScale 0 is ignored.
 */
export interface EventWeight {
  weight: number;
  valueScale?: number;
}
export type EventWeightTable = Partial<Record<InteractionEventType, EventWeight>>;

/** Defaults: impressions are not positive feedback; ratings count by their value. */
export const DEFAULT_EVENT_WEIGHTS: EventWeightTable = {
  impression: { weight: 0 },
  click: { weight: 1 },
  like: { weight: 2 },
  rating: { weight: 0, valueScale: 1 },
  purchase: { weight: 4 },
  custom: { weight: 1 },
};

/** Columnar interactions: the shape of @cascade/db's InteractionChunk (ids are external integer ids). */
export interface InteractionColumns {
  length: number;
  userIds: ArrayLike<number>;
  itemIds: ArrayLike<number>;
  /** Index into INTERACTION_EVENT_TYPES; omitted = every row is a rating. */
  types?: ArrayLike<number>;
  values?: ArrayLike<number>;
  occurredAt?: ArrayLike<number>;
}

/** Compressed sparse rows: row r's columns are cols[ptr[r]..ptr[r+1]) with weights vals[...]. */
export interface CsrMatrix {
  rows: number;
  cols: number;
  ptr: Int32Array;
  idx: Int32Array;
  vals: Float32Array;
}

/** Both orientations of one matrix plus the id maps (dense index ↔ external id). */
export interface InteractionMatrix {
  byUser: CsrMatrix;
  byItem: CsrMatrix;
  userIds: Int32Array;
  itemIds: Int32Array;
  /** Latest interaction time per user/item (epoch ms; 0 when unknown). */
  userLastSeen: Float64Array;
  itemLastSeen: Float64Array;
  nnz: number;
}

class GrowableColumns {
  users = new Int32Array(1024);
  items = new Int32Array(1024);
  weights = new Float32Array(1024);
  length = 0;
  push(u: number, i: number, w: number): void {
    if (this.length === this.users.length) {
      const n = this.length * 2;
      const users = new Int32Array(n);
      users.set(this.users);
      const items = new Int32Array(n);
      items.set(this.items);
      const weights = new Float32Array(n);
      weights.set(this.weights);
      this.users = users;
      this.items = items;
      this.weights = weights;
    }
    this.users[this.length] = u;
    this.items[this.length] = i;
    this.weights[this.length] = w;
    this.length++;
  }
}

function checkWeights(table: EventWeightTable): Float64Array {
  const packed = new Float64Array(INTERACTION_EVENT_TYPES.length * 2);
  for (const [name, spec] of Object.entries(table)) {
    const t = INTERACTION_EVENT_TYPES.indexOf(name as InteractionEventType);
    if (t < 0) throw new Error(`eventWeights.${name}: unknown event type (expected one of ${INTERACTION_EVENT_TYPES.join(', ')})`);
    if (!spec || !Number.isFinite(spec.weight)) throw new Error(`eventWeights.${name}.weight: must be a finite number`);
    const scale = spec.valueScale ?? 0;
    if (!Number.isFinite(scale)) throw new Error(`eventWeights.${name}.valueScale: must be a finite number`);
    packed[t * 2] = spec.weight;
    packed[t * 2 + 1] = scale;
  }
  return packed;
}

/** Accumulates chunks; `build()` sums duplicate (user, item) pairs and returns both CSR orientations. */
export class InteractionMatrixBuilder {
  private readonly weights: Float64Array;
  private readonly userIndex = new Map<number, number>();
  private readonly itemIndex = new Map<number, number>();
  private readonly userIdList: number[] = [];
  private readonly itemIdList: number[] = [];
  private userLast: number[] = [];
  private itemLast: number[] = [];
  private readonly triples = new GrowableColumns();

  constructor(eventWeights: EventWeightTable = DEFAULT_EVENT_WEIGHTS) {
    this.weights = checkWeights(eventWeights);
  }

  /** Registers an item without interactions (so it gets a vector slot, e.g. a new catalogue item). */
  addItem(itemId: number): number {
    let i = this.itemIndex.get(itemId);
    if (i === undefined) {
      i = this.itemIdList.length;
      this.itemIndex.set(itemId, i);
      this.itemIdList.push(itemId);
      this.itemLast.push(0);
    }
    return i;
  }

  private userSlot(userId: number): number {
    let u = this.userIndex.get(userId);
    if (u === undefined) {
      u = this.userIdList.length;
      this.userIndex.set(userId, u);
      this.userIdList.push(userId);
      this.userLast.push(0);
    }
    return u;
  }

  add(chunk: InteractionColumns): void {
    const n = chunk.length;
    if (!Number.isInteger(n) || n < 0) throw new Error(`chunk.length: must be a non-negative integer, got ${n}`);
    if (chunk.userIds.length < n) throw new Error('chunk.userIds: shorter than chunk.length');
    if (chunk.itemIds.length < n) throw new Error('chunk.itemIds: shorter than chunk.length');
    if (chunk.types && chunk.types.length < n) throw new Error('chunk.types: shorter than chunk.length');
    if (chunk.values && chunk.values.length < n) throw new Error('chunk.values: shorter than chunk.length');
    const ratingType = INTERACTION_EVENT_TYPES.indexOf('rating');
    for (let r = 0; r < n; r++) {
      const t = chunk.types ? chunk.types[r] : ratingType;
      const value = chunk.values ? chunk.values[r] : 1;
      const w = this.weights[t * 2] + this.weights[t * 2 + 1] * (Number.isFinite(value) ? value : 0);
      if (w === 0) continue;
      const u = this.userSlot(chunk.userIds[r]);
      const i = this.addItem(chunk.itemIds[r]);
      this.triples.push(u, i, w);
      if (chunk.occurredAt) {
        const at = chunk.occurredAt[r];
        if (at > this.userLast[u]) this.userLast[u] = at;
        if (at > this.itemLast[i]) this.itemLast[i] = at;
      }
    }
  }

  build(): InteractionMatrix {
    const nUsers = this.userIdList.length;
    const nItems = this.itemIdList.length;
    const { users, items, weights, length } = this.triples;
    const byUser = toCsr(nUsers, nItems, users, items, weights, length);
    const byItem = transpose(byUser);
    return {
      byUser,
      byItem,
      userIds: Int32Array.from(this.userIdList),
      itemIds: Int32Array.from(this.itemIdList),
      userLastSeen: Float64Array.from(this.userLast),
      itemLastSeen: Float64Array.from(this.itemLast),
      nnz: byUser.idx.length,
    };
  }
}

/** Counting sort into rows, then per-row sort by column and sum duplicates. */
function toCsr(
  rows: number,
  cols: number,
  r: Int32Array,
  c: Int32Array,
  v: Float32Array,
  length: number,
): CsrMatrix {
  const counts = new Int32Array(rows + 1);
  for (let k = 0; k < length; k++) counts[r[k] + 1]++;
  for (let k = 0; k < rows; k++) counts[k + 1] += counts[k];
  const fill = counts.slice(0, rows);
  const idx = new Int32Array(length);
  const vals = new Float32Array(length);
  for (let k = 0; k < length; k++) {
    const p = fill[r[k]]++;
    idx[p] = c[k];
    vals[p] = v[k];
  }
  // sort each row by column and merge duplicates in place
  const ptr = new Int32Array(rows + 1);
  let out = 0;
  const order: number[] = [];
  for (let row = 0; row < rows; row++) {
    const start = counts[row];
    const end = counts[row + 1];
    order.length = 0;
    for (let k = start; k < end; k++) order.push(k);
    order.sort((a, b) => idx[a] - idx[b]);
    const sortedIdx = order.map((k) => idx[k]);
    const sortedVals = order.map((k) => vals[k]);
    ptr[row] = out;
    for (let k = 0; k < sortedIdx.length; k++) {
      if (out > ptr[row] && idx[out - 1] === sortedIdx[k]) {
        vals[out - 1] += sortedVals[k];
      } else {
        idx[out] = sortedIdx[k];
        vals[out] = sortedVals[k];
        out++;
      }
    }
  }
  ptr[rows] = out;
  return { rows, cols, ptr, idx: idx.slice(0, out), vals: vals.slice(0, out) };
}

export function transpose(m: CsrMatrix): CsrMatrix {
  const ptr = new Int32Array(m.cols + 1);
  for (let k = 0; k < m.idx.length; k++) ptr[m.idx[k] + 1]++;
  for (let k = 0; k < m.cols; k++) ptr[k + 1] += ptr[k];
  const fill = ptr.slice(0, m.cols);
  const idx = new Int32Array(m.idx.length);
  const vals = new Float32Array(m.idx.length);
  for (let row = 0; row < m.rows; row++) {
    for (let k = m.ptr[row]; k < m.ptr[row + 1]; k++) {
      const p = fill[m.idx[k]]++;
      idx[p] = row;
      vals[p] = m.vals[k];
    }
  }
  return { rows: m.cols, cols: m.rows, ptr, idx, vals };
}

/** Builds a matrix from one set of columns (convenience for files and tests). */
export function buildInteractionMatrix(
  columns: InteractionColumns | InteractionColumns[],
  eventWeights: EventWeightTable = DEFAULT_EVENT_WEIGHTS,
): InteractionMatrix {
  const builder = new InteractionMatrixBuilder(eventWeights);
  for (const c of Array.isArray(columns) ? columns : [columns]) builder.add(c);
  return builder.build();
}
