// CTR metrics: ROC AUC (tie-aware, like sklearn.metrics.roc_auc_score) and binary log loss.

type NumericArray = ArrayLike<number>;

function checkSameLength(labels: NumericArray, other: NumericArray, otherName: string): void {
  if (labels.length !== other.length) {
    throw new Error(`${otherName}: length ${other.length} differs from labels length ${labels.length}`);
  }
  if (labels.length === 0) throw new Error('labels: must not be empty');
}

/**
 * Area under the ROC curve. Labels are 0/1 (anything > 0.5 counts as positive); tied scores share the
 * average rank, so the result equals sklearn's roc_auc_score. Throws when only one class is present.
 */
export function auc(labels: NumericArray, scores: NumericArray): number {
  checkSameLength(labels, scores, 'scores');
  const n = labels.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (!Number.isFinite(s)) throw new Error(`scores[${i}]: must be finite, got ${s}`);
    order[i] = i;
  }
  order.sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSumPositives = 0;
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && scores[order[j]] === scores[order[i]]) j++;
    // ranks i+1..j share the average rank
    const averageRank = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) {
      if (labels[order[t]] > 0.5) {
        positives++;
        rankSumPositives += averageRank;
      }
    }
    i = j;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error('labels: AUC needs both positive and negative labels');
  }
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean binary cross-entropy; probabilities are clipped to [eps, 1 - eps] as sklearn does. */
export function logLoss(labels: NumericArray, probs: NumericArray, eps = 1e-15): number {
  checkSameLength(labels, probs, 'probs');
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const raw = probs[i];
    if (!(raw >= 0 && raw <= 1)) throw new Error(`probs[${i}]: must be a probability in [0, 1], got ${raw}`);
    const y = labels[i];
    if (!(y >= 0 && y <= 1)) throw new Error(`labels[${i}]: must be in [0, 1], got ${y}`);
    const p = Math.min(1 - eps, Math.max(eps, raw));
    total -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
  }
  return total / labels.length;
}
