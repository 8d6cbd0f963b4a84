// BM25 re-weighting of the user × item matrix (as the `implicit` library's bm25_weight): an item's weight in a
// user's row is damped by the item's popularity (idf) and by the length of the user's row, so that a few very
// popular items do not dominate the confidence of implicit ALS.
import { transpose, type InteractionMatrix } from './interaction-matrix.js';

export function bm25Weighted(matrix: InteractionMatrix, k1 = 100, b = 0.8): InteractionMatrix {
  if (!(k1 > 0)) throw new Error(`k1: must be > 0, got ${k1}`);
  if (!(b >= 0 && b <= 1)) throw new Error(`b: must be in [0, 1], got ${b}`);
  const { byUser, byItem } = matrix;
  const nUsers = byUser.rows;
  const idf = new Float64Array(byItem.rows);
  for (let i = 0; i < byItem.rows; i++) idf[i] = Math.log(nUsers) - Math.log1p(byItem.ptr[i + 1] - byItem.ptr[i]);
  let totalLength = 0;
  for (let k = 0; k < byUser.vals.length; k++) totalLength += byUser.vals[k];
  const averageLength = totalLength / Math.max(1, nUsers);
  const vals = new Float32Array(byUser.vals.length);
  for (let u = 0; u < nUsers; u++) {
    let rowLength = 0;
    for (let k = byUser.ptr[u]; k < byUser.ptr[u + 1]; k++) rowLength += byUser.vals[k];
    const norm = 1 - b + (b * rowLength) / averageLength;
    for (let k = byUser.ptr[u]; k < byUser.ptr[u + 1]; k++) {
      const x = byUser.vals[k];
      vals[k] = ((x * (k1 + 1)) / (k1 * norm + x)) * idf[byUser.idx[k]];
    }
  }
  const weightedByUser = { ...byUser, vals };
  return { ...matrix, byUser: weightedByUser, byItem: transpose(weightedByUser) };
}
