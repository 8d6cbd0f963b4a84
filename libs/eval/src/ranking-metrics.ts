// Top-K ranking metrics with binary relevance, defined as Microsoft Recommenders defines them
// (precision/recall/NDCG/MAP at K averaged over the users that have relevant items).

type ItemList = ArrayLike<number>;

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k: must be a positive integer, got ${k}`);
}

function hitsAtK(recommended: ItemList, relevant: ReadonlySet<number>, k: number): number {
  const n = Math.min(k, recommended.length);
  let hits = 0;
  for (let i = 0; i < n; i++) if (relevant.has(recommended[i])) hits++;
  return hits;
}

/** Relevant items among the first k recommended, divided by k. */
export function precisionAtK(recommended: ItemList, relevant: ReadonlySet<number>, k: number): number {
  checkK(k);
  return hitsAtK(recommended, relevant, k) / k;
}

/** Relevant items among the first k recommended, divided by the number of relevant items. */
export function recallAtK(recommended: ItemList, relevant: ReadonlySet<number>, k: number): number {
  checkK(k);
  if (relevant.size === 0) return 0;
  return hitsAtK(recommended, relevant, k) / relevant.size;
}

/** Binary-relevance NDCG: DCG = Σ 1/log2(rank+1) over hits; ideal DCG over min(k, |relevant|) hits. */
export function ndcgAtK(recommended: ItemList, relevant: ReadonlySet<number>, k: number): number {
  checkK(k);
  if (relevant.size === 0) return 0;
  const n = Math.min(k, recommended.length);
  let dcg = 0;
  for (let i = 0; i < n; i++) if (relevant.has(recommended[i])) dcg += 1 / Math.log2(i + 2);
  let ideal = 0;
  const idealHits = Math.min(k, relevant.size);
  for (let i = 0; i < idealHits; i++) ideal += 1 / Math.log2(i + 2);
  return dcg / ideal;
}

/** Average precision at k: mean of precision@rank over the hit ranks, divided by min(k, |relevant|). */
export function averagePrecisionAtK(recommended: ItemList, relevant: ReadonlySet<number>, k: number): number {
  checkK(k);
  if (relevant.size === 0) return 0;
  const n = Math.min(k, recommended.length);
  let hits = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (relevant.has(recommended[i])) {
      hits++;
      sum += hits / (i + 1);
    }
  }
  return sum / Math.min(k, relevant.size);
}

/** 1 when at least one of the first k recommended items is relevant. */
export function hitAtK(recommended: ItemList, relevant: ReadonlySet<number>, k: number): number {
  checkK(k);
  return hitsAtK(recommended, relevant, k) > 0 ? 1 : 0;
}

export interface TopKMetrics {
  k: number;
  users: number;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  hitRate: number;
  /** Distinct items recommended (top k, all users) / catalogue size; NaN when no catalogue size is given. */
  coverage: number;
}

/**
 * Averages the top-k metrics over every user with relevant items; a user without recommendations scores 0.
 * `recommendations` maps a user to its ranked item list (already excluding the items seen in training).
 */
export function evaluateTopK(
  recommendations: ReadonlyMap<number, ItemList>,
  relevant: ReadonlyMap<number, ReadonlySet<number>>,
  k: number,
  catalogueSize?: number,
): TopKMetrics {
  checkK(k);
  if (catalogueSize !== undefined && !(Number.isInteger(catalogueSize) && catalogueSize > 0)) {
    throw new Error(`catalogueSize: must be a positive integer, got ${catalogueSize}`);
  }
  let users = 0;
  let precision = 0;
  let recall = 0;
  let ndcg = 0;
  let map = 0;
  let hitRate = 0;
  const empty: number[] = [];
  for (const [user, items] of relevant) {
    if (items.size === 0) continue;
    const recs = recommendations.get(user) ?? empty;
    users++;
    precision += precisionAtK(recs, items, k);
    recall += recallAtK(recs, items, k);
    ndcg += ndcgAtK(recs, items, k);
    map += averagePrecisionAtK(recs, items, k);
    hitRate += hitAtK(recs, items, k);
  }
  const divisor = Math.max(users, 1);
  return {
    k,
    users,
    precision: precision / divisor,
    recall: recall / divisor,
    ndcg: ndcg / divisor,
    map: map / divisor,
    hitRate: hitRate / divisor,
    coverage: catalogueSize === undefined ? NaN : catalogueCoverage(recommendations, k, catalogueSize),
  };
}

/** Share of the catalogue that appears in at least one user's top k. */
export function catalogueCoverage(recommendations: ReadonlyMap<number, ItemList>, k: number, catalogueSize: number): number {
  checkK(k);
  if (!(Number.isInteger(catalogueSize) && catalogueSize > 0)) {
    throw new Error(`catalogueSize: must be a positive integer, got ${catalogueSize}`);
  }
  const seen = new Set<number>();
  for (const recs of recommendations.values()) {
    const n = Math.min(k, recs.length);
    for (let i = 0; i < n; i++) seen.add(recs[i]);
  }
  return seen.size / catalogueSize;
}
