import type { SqlClient, SqlDriver } from '@cascade/db';
import { LinUcbArmModels } from './lin-ucb-model.js';
import { checkReward, markExploration, topPositions, type SlotFill } from './policy.js';

export interface PersistentLinUcbOptions {
  /** The placement whose arms (its items) this policy learns. */
  placement: string;
  /** Context dimension d, fixed per placement (opening with another one is refused). */
  dimension: number;
  /** Width α of the confidence ellipsoid (default 1; may differ between processes). */
  alpha?: number;
  /** Ridge regulariser λ, A starts at λI (default 1; fixed per placement like d). */
  ridge?: number;
  /** Flush automatically once this many updates are pending (default 1000; 0 = only explicit flushes). */
  flushEvery?: number;
}

/** The learned state of one arm: A (d×d, row-major), b and the number of updates. */
export interface LinUcbArmState {
  itemId: number;
  a: Float64Array;
  b: Float64Array;
  updates: number;
}

interface ArmRow {
  item_id: number;
  dimension: number;
  ridge: number;
  a: number[] | null;
  b: number[] | null;
  updates: number;
}

const MAX_INT4 = 2 ** 31 - 1;
/** Largest number of floats sent in one upsert statement (≈ a few MB of parameter text). */
const FLOATS_PER_STATEMENT = 200_000;

/**
 * LinUCB as an online policy whose arms are a placement's items and whose learned state survives a
 * restart: every item keeps A = λI + Σ x xᵀ and b = Σ r x (disjoint LinUCB) in memory, with A⁻¹
 * maintained by Sherman–Morrison updates, and in the table `explore_linucb_arms`.
 *
 * `update` changes the in-memory model at once and accumulates the same change as a pending delta
 * (ΔA = Σ x xᵀ, Δb = Σ r x, Δn) per item; `flush` adds the deltas element-wise in SQL in one
 * batched upsert, so several processes updating the same item lose nothing (A and b are sums).
 * `open` loads the placement's models and recomputes A⁻¹ from A; `refresh` reloads them to pick
 * up the other processes' updates. Flushes, refreshes and decays run one at a time, in call order.
 */
export class PersistentLinUcbPolicy {
  readonly placement: string;
  readonly dimension: number;
  readonly alpha: number;
  readonly ridge: number;
  private readonly flushEvery: number;
  private readonly models: LinUcbArmModels;
  private readonly armOfItem = new Map<number, number>();
  private itemOfArm = new Int32Array(16);
  // Pending deltas per arm (same indices as the models), and the arms that have some.
  private deltaA = new Float64Array(0);
  private deltaB = new Float64Array(0);
  private deltaN = new Float64Array(16);
  private dirty = new Uint8Array(16);
  private dirtyArms = new Int32Array(16);
  private dirtyCount = 0;
  private pendingCount = 0;
  private autoFlushQueued = false;
  /** Update counts per arm as last loaded or written (the pending ones are in deltaN). */
  private readonly storedUpdates = new Map<number, number>();
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly sql: SqlDriver,
    options: PersistentLinUcbOptions,
  ) {
    if (!options || typeof options !== 'object') throw new Error('options must be an object');
    const { placement, dimension } = options;
    if (typeof placement !== 'string' || placement.length === 0) throw new Error('placement must be a non-empty string');
    if (!Number.isInteger(dimension) || dimension <= 0) throw new Error(`dimension must be a positive integer, got ${dimension}`);
    const alpha = options.alpha ?? 1;
    const ridge = options.ridge ?? 1;
    const flushEvery = options.flushEvery ?? 1000;
    if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new Error(`alpha must be a finite number >= 0, got ${alpha}`);
    if (!(ridge > 0) || !Number.isFinite(ridge)) throw new Error(`ridge must be a finite number > 0, got ${ridge}`);
    if (!Number.isInteger(flushEvery) || flushEvery < 0) throw new Error(`flushEvery must be a non-negative integer, got ${flushEvery}`);
    this.placement = placement;
    this.dimension = dimension;
    this.alpha = alpha;
    this.ridge = ridge;
    this.flushEvery = flushEvery;
    this.models = new LinUcbArmModels(dimension, ridge);
    this.deltaA = new Float64Array(16 * dimension * dimension);
    this.deltaB = new Float64Array(16 * dimension);
  }

  /**
   * Opens the placement's LinUCB: loads every stored arm and recomputes A⁻¹ and θ. Throws when the
   * placement's models were stored with another dimension or ridge.
   */
  static async open(sql: SqlDriver, options: PersistentLinUcbOptions): Promise<PersistentLinUcbPolicy> {
    if (!sql || typeof sql.query !== 'function') throw new Error('sql must be a SqlDriver (db.sql)');
    const policy = new PersistentLinUcbPolicy(sql, options);
    await policy.enqueue(() => policy.load());
    return policy;
  }

  /** Number of items with a model in memory (loaded or updated here). */
  get armCount(): number {
    return this.models.count;
  }

  /** Number of updates not yet written to the database. */
  get pendingUpdates(): number {
    return this.pendingCount;
  }

  private checkContext(context: Float64Array): Float64Array {
    if (!(context instanceof Float64Array)) throw new Error(`context must be a Float64Array of length ${this.dimension}`);
    if (context.length !== this.dimension) {
      throw new Error(`context has length ${context.length}, but placement "${this.placement}" uses LinUCB dimension ${this.dimension}`);
    }
    return context;
  }

  private checkItemId(itemId: number, field = 'itemId'): void {
    if (!Number.isInteger(itemId) || itemId < -MAX_INT4 - 1 || itemId > MAX_INT4) throw new Error(`${field} must be a 32-bit integer, got ${itemId}`);
  }

  /** θᵀx of the item (0 for an item never updated). */
  predict(itemId: number, context: Float64Array): number {
    const x = this.checkContext(context);
    this.checkItemId(itemId);
    const arm = this.armOfItem.get(itemId);
    return arm === undefined ? 0 : this.models.mean(arm, x);
  }

  /** The UCB score θᵀx + α·sqrt(xᵀA⁻¹x) of the item (its prior score when never updated). */
  score(itemId: number, context: Float64Array): number {
    const x = this.checkContext(context);
    this.checkItemId(itemId);
    return this.upperBound(itemId, x);
  }

  private upperBound(itemId: number, x: Float64Array): number {
    const arm = this.armOfItem.get(itemId);
    return arm === undefined ? this.models.priorUpperBound(x, this.alpha) : this.models.upperBound(arm, x, this.alpha);
  }

  /** The item with the highest UCB score for this context (ties: the first); allocation-free. */
  select(itemIds: ArrayLike<number>, context: Float64Array): number {
    const x = this.checkContext(context);
    if (!itemIds || itemIds.length === 0) throw new Error('itemIds must be a non-empty list of item ids');
    let best = itemIds[0];
    let bestValue = -Infinity;
    for (let i = 0; i < itemIds.length; i++) {
      const itemId = itemIds[i];
      // The field name is only built on failure: this loop must not allocate.
      if (!Number.isInteger(itemId)) this.checkItemId(itemId, `itemIds[${i}]`);
      const value = this.upperBound(itemId, x);
      if (value > bestValue) {
        bestValue = value;
        best = itemId;
      }
    }
    return best;
  }

  /**
   * Deterministic slot filling: the k eligible items with the highest UCB scores, best first,
   * propensity 1; `arms` holds item ids, and an item is marked explore when it is not among the k
   * best by θᵀx.
   */
  fillSlots(itemIds: ArrayLike<number>, k: number, context: Float64Array): SlotFill {
    const x = this.checkContext(context);
    if (!Number.isInteger(k) || k <= 0) throw new Error(`k must be a positive integer, got ${k}`);
    if (!itemIds || itemIds.length === 0) throw new Error('itemIds must be a non-empty list of item ids');
    const seen = new Set<number>();
    for (let i = 0; i < itemIds.length; i++) {
      this.checkItemId(itemIds[i], `itemIds[${i}]`);
      if (seen.has(itemIds[i])) throw new Error(`itemIds[${i}] repeats item ${itemIds[i]}`);
      seen.add(itemIds[i]);
    }
    const slots = Math.min(k, itemIds.length);
    const scores = Array.from(itemIds, (itemId) => this.upperBound(itemId, x));
    const arms = Int32Array.from(topPositions(scores, slots), (pos) => itemIds[pos]);
    const means = Array.from(itemIds, (itemId) => {
      const arm = this.armOfItem.get(itemId);
      return arm === undefined ? 0 : this.models.mean(arm, x);
    });
    return { arms, explore: markExploration(arms, itemIds, means), propensity: new Float64Array(slots).fill(1) };
  }

  /**
   * Learns from one impression of the item in this context with reward r ∈ [0, 1]: A += x xᵀ,
   * b += r x, in memory at once and as a pending delta for the next flush. Allocation-free except
   * when the item is new or the arm storage grows.
   */
  update(itemId: number, reward: number, context: Float64Array): void {
    const x = this.checkContext(context);
    checkReward(reward);
    this.checkItemId(itemId);
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i])) throw new Error(`context[${i}] must be finite, got ${x[i]}`);
    }
    const arm = this.armOfItem.get(itemId) ?? this.addArm(itemId);
    this.models.update(arm, reward, x);
    const d = this.dimension;
    const baseA = arm * d * d;
    const baseB = arm * d;
    for (let i = 0; i < d; i++) {
      const xi = x[i];
      for (let j = 0; j < d; j++) this.deltaA[baseA + i * d + j] += xi * x[j];
      this.deltaB[baseB + i] += reward * xi;
    }
    this.deltaN[arm] += 1;
    this.markDirty(arm);
    this.pendingCount++;
    if (this.flushEvery > 0 && this.pendingCount >= this.flushEvery && !this.autoFlushQueued) {
      this.autoFlushQueued = true;
      this.flush().catch(() => {
        // The deltas stay pending and the next flush retries them.
      });
    }
  }

  private markDirty(arm: number): void {
    if (this.dirty[arm]) return;
    this.dirty[arm] = 1;
    this.dirtyArms[this.dirtyCount++] = arm;
  }

  private addArm(itemId: number): number {
    const arm = this.models.addArm();
    if (arm >= this.itemOfArm.length) {
      const capacity = this.itemOfArm.length * 2;
      const d = this.dimension;
      const grow = <T extends Float64Array | Int32Array | Uint8Array>(old: T, size: number, make: (n: number) => T): T => {
        const next = make(size);
        next.set(old);
        return next;
      };
      this.itemOfArm = grow(this.itemOfArm, capacity, (n) => new Int32Array(n));
      this.deltaA = grow(this.deltaA, capacity * d * d, (n) => new Float64Array(n));
      this.deltaB = grow(this.deltaB, capacity * d, (n) => new Float64Array(n));
      this.deltaN = grow(this.deltaN, capacity, (n) => new Float64Array(n));
      this.dirty = grow(this.dirty, capacity, (n) => new Uint8Array(n));
      this.dirtyArms = grow(this.dirtyArms, capacity, (n) => new Int32Array(n));
    }
    this.itemOfArm[arm] = itemId;
    this.armOfItem.set(itemId, arm);
    return arm;
  }

  /** A copy of the item's learned state as this process sees it (null for an item never updated). */
  armState(itemId: number): LinUcbArmState | null {
    this.checkItemId(itemId);
    const arm = this.armOfItem.get(itemId);
    if (arm === undefined) return null;
    const d = this.dimension;
    return {
      itemId,
      a: this.models.matrix.slice(arm * d * d, (arm + 1) * d * d),
      b: this.models.target.slice(arm * d, (arm + 1) * d),
      updates: this.updatesOf(arm),
    };
  }

  private updatesOf(arm: number): number {
    return (this.storedUpdates.get(arm) ?? 0) + this.deltaN[arm];
  }

  /** Writes every pending delta (added in SQL, in batches); calls are serialised. */
  flush(): Promise<void> {
    return this.enqueue(() => this.writePending());
  }

  /** Flushes, then reloads the placement's models from the database (the other processes' updates included). */
  refresh(): Promise<void> {
    return this.enqueue(async () => {
      await this.writePending();
      await this.load();
    });
  }

  /**
   * Exponential forgetting for drifting rewards: A ← λI + factor·(A − λI), b ← factor·b and the
   * update counts scaled by factor ∈ (0, 1], atomically in SQL for the whole placement, then reloads.
   */
  decay(factor: number): Promise<void> {
    if (!(factor > 0 && factor <= 1)) return Promise.reject(new Error(`factor must be in (0, 1], got ${factor}`));
    return this.enqueue(async () => {
      await this.writePending();
      await this.sql.execute(
        `UPDATE explore_linucb_arms SET
           a = (SELECT array_agg(CASE WHEN (k - 1) % (dimension + 1) = 0 THEN ridge + $2::float8 * (v - ridge) ELSE $2::float8 * v END ORDER BY k)
                FROM unnest(a) WITH ORDINALITY AS u(v, k)),
           b = (SELECT array_agg($2::float8 * v ORDER BY k) FROM unnest(b) WITH ORDINALITY AS u(v, k)),
           updates = updates * $2::float8,
           updated_at = now()
         WHERE placement = $1::text`,
        [this.placement, factor],
      );
      await this.load();
    });
  }

  /** Flushes the pending updates (the database stays usable; nothing else to release). */
  close(): Promise<void> {
    return this.flush();
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    const result = this.queue.then(operation, operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Takes the pending deltas (zeroing them synchronously, so later updates start new ones) and adds them in SQL. */
  private async writePending(): Promise<void> {
    this.autoFlushQueued = false;
    if (this.dirtyCount === 0) return;
    const d = this.dimension;
    const dd = d * d;
    // Ascending item ids: concurrent writers lock rows in the same order (no deadlocks on PostgreSQL).
    const arms = Array.from(this.dirtyArms.subarray(0, this.dirtyCount)).sort((p, q) => this.itemOfArm[p] - this.itemOfArm[q]);
    const itemIds = arms.map((arm) => this.itemOfArm[arm]);
    const counts = arms.map((arm) => this.deltaN[arm]);
    const deltaA = new Float64Array(arms.length * dd);
    const deltaB = new Float64Array(arms.length * d);
    arms.forEach((arm, r) => {
      deltaA.set(this.deltaA.subarray(arm * dd, (arm + 1) * dd), r * dd);
      deltaB.set(this.deltaB.subarray(arm * d, (arm + 1) * d), r * d);
      this.deltaA.fill(0, arm * dd, (arm + 1) * dd);
      this.deltaB.fill(0, arm * d, (arm + 1) * d);
      this.storedUpdates.set(arm, (this.storedUpdates.get(arm) ?? 0) + this.deltaN[arm]);
      this.deltaN[arm] = 0;
      this.dirty[arm] = 0;
    });
    this.dirtyCount = 0;
    this.pendingCount = 0;
    const perStatement = Math.max(1, Math.floor(FLOATS_PER_STATEMENT / (dd + d)));
    let written = 0;
    let mismatched = 0;
    try {
      for (let start = 0; start < arms.length; start += perStatement) {
        const end = Math.min(arms.length, start + perStatement);
        const applied = await upsertLinUcbDeltas(this.sql, {
          placement: this.placement,
          dimension: d,
          ridge: this.ridge,
          itemIds: itemIds.slice(start, end),
          updates: counts.slice(start, end),
          deltaA: deltaA.subarray(start * dd, end * dd),
          deltaB: deltaB.subarray(start * d, end * d),
        });
        mismatched += end - start - applied;
        written = end;
      }
    } catch (error) {
      // Keep the unwritten deltas for the next flush instead of losing them.
      for (let r = written; r < arms.length; r++) this.restorePending(arms[r], deltaA.subarray(r * dd, (r + 1) * dd), deltaB.subarray(r * d, (r + 1) * d), counts[r]);
      throw error;
    }
    if (mismatched > 0) {
      throw new Error(
        `dimension/ridge: ${mismatched} LinUCB arm(s) of placement "${this.placement}" are stored with another dimension or ridge ` +
          `than this policy's (d = ${d}, ridge = ${this.ridge}); their updates were not written`,
      );
    }
  }

  private restorePending(arm: number, deltaA: Float64Array, deltaB: Float64Array, count: number): void {
    const d = this.dimension;
    for (let i = 0; i < d * d; i++) this.deltaA[arm * d * d + i] += deltaA[i];
    for (let i = 0; i < d; i++) this.deltaB[arm * d + i] += deltaB[i];
    this.deltaN[arm] += count;
    this.storedUpdates.set(arm, (this.storedUpdates.get(arm) ?? 0) - count);
    this.markDirty(arm);
    this.pendingCount += count;
  }

  /**
   * Loads the placement's stored models: memory becomes the database state plus this process's
   * deltas not yet written (runs inside the queue, so none of them can be written meanwhile).
   */
  private async load(): Promise<void> {
    const rows = await this.sql.query<ArmRow>(
      'SELECT item_id, dimension, ridge, a, b, updates FROM explore_linucb_arms WHERE placement = $1',
      [this.placement],
    );
    const d = this.dimension;
    for (const row of rows) {
      if (Number(row.dimension) !== d) {
        throw new Error(`dimension: placement "${this.placement}" stores LinUCB models of dimension ${row.dimension}, got ${d}`);
      }
      if (Number(row.ridge) !== this.ridge) {
        throw new Error(`ridge: placement "${this.placement}" stores LinUCB models with ridge ${row.ridge}, got ${this.ridge}`);
      }
      if (!row.a || row.a.length !== d * d || !row.b || row.b.length !== d) {
        throw new Error(`explore_linucb_arms: item ${row.item_id} of placement "${this.placement}" has malformed a/b arrays for dimension ${d}`);
      }
    }
    const matrix = new Float64Array(d * d);
    const target = new Float64Array(d);
    for (const row of rows) {
      const itemId = Number(row.item_id);
      const arm = this.armOfItem.get(itemId) ?? this.addArm(itemId);
      for (let i = 0; i < d * d; i++) matrix[i] = Number(row.a![i]) + this.deltaA[arm * d * d + i];
      for (let i = 0; i < d; i++) target[i] = Number(row.b![i]) + this.deltaB[arm * d + i];
      this.models.setState(arm, matrix, target);
      this.storedUpdates.set(arm, Number(row.updates));
    }
  }
}

/**
 * Adds LinUCB deltas to (placement, item) rows in one statement: a new row starts at
 * A = λI + ΔA, b = Δb; an existing one gets ΔA and Δb added element-wise. Rows stored with another
 * dimension or ridge are left alone; returns the number of rows written.
 */
export async function upsertLinUcbDeltas(
  sql: SqlClient,
  batch: {
    placement: string;
    dimension: number;
    ridge: number;
    itemIds: number[];
    updates: number[];
    /** ΔA of every item, d×d row-major each, concatenated. */
    deltaA: Float64Array;
    /** Δb of every item, d each, concatenated. */
    deltaB: Float64Array;
  },
): Promise<number> {
  const { placement, dimension: d, ridge, itemIds, updates, deltaA, deltaB } = batch;
  if (itemIds.length === 0) return 0;
  if (updates.length !== itemIds.length || deltaA.length !== itemIds.length * d * d || deltaB.length !== itemIds.length * d) {
    throw new Error(`batch: updates, deltaA and deltaB must hold 1, d² and d values per item (d = ${d}, ${itemIds.length} items)`);
  }
  // EXCLUDED.a is the new row (λI + ΔA), so the update subtracts λ on the diagonal to add ΔA only.
  return sql.execute(
    `INSERT INTO explore_linucb_arms AS t (placement, item_id, dimension, ridge, a, b, updates, updated_at)
     SELECT $1::text, r.item_id, $2::int, $3::float8,
       (SELECT array_agg(CASE WHEN (k - 1) % ($2::int + 1) = 0 THEN $3::float8 ELSE 0 END + ($6::float8[])[(r.n::int - 1) * $2::int * $2::int + k] ORDER BY k)
          FROM generate_series(1, $2::int * $2::int) AS k),
       ($7::float8[])[(r.n::int - 1) * $2::int + 1 : r.n::int * $2::int],
       r.updates, now()
     FROM unnest($4::int[], $5::float8[]) WITH ORDINALITY AS r(item_id, updates, n)
     ON CONFLICT (placement, item_id) DO UPDATE SET
       a = (SELECT array_agg(v + w - CASE WHEN (k - 1) % (t.dimension + 1) = 0 THEN EXCLUDED.ridge ELSE 0 END ORDER BY k)
            FROM unnest(t.a, EXCLUDED.a) WITH ORDINALITY AS u(v, w, k)),
       b = (SELECT array_agg(v + w ORDER BY k) FROM unnest(t.b, EXCLUDED.b) WITH ORDINALITY AS u(v, w, k)),
       updates = t.updates + EXCLUDED.updates,
       updated_at = now()
     WHERE t.dimension = EXCLUDED.dimension AND t.ridge = EXCLUDED.ridge`,
    [placement, d, ridge, itemIds, updates, Array.from(deltaA), Array.from(deltaB)],
  );
}
