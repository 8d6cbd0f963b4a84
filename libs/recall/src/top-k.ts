// Top-k selection over a score array with a bounded min-heap (no per-element allocation).

export class TopKSelector {
  readonly ids: Int32Array;
  readonly scores: Float32Array;
  size = 0;
  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`k: must be a positive integer, got ${k}`);
    this.ids = new Int32Array(k);
    this.scores = new Float32Array(k);
  }
  reset(): void {
    this.size = 0;
  }
  /** The lowest score kept, or -Infinity while not full. */
  threshold(): number {
    return this.size < this.k ? -Infinity : this.scores[0];
  }
  push(id: number, score: number): void {
    const { ids, scores } = this;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (scores[parent] <= score) break;
        ids[i] = ids[parent];
        scores[i] = scores[parent];
        i = parent;
      }
      ids[i] = id;
      scores[i] = score;
      return;
    }
    if (score <= scores[0]) return;
    let i = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && scores[r] < scores[l] ? r : l;
      if (scores[c] >= score) break;
      ids[i] = ids[c];
      scores[i] = scores[c];
      i = c;
    }
    ids[i] = id;
    scores[i] = score;
  }
  /** Drains into descending order. */
  sorted(): { ids: Int32Array; scores: Float32Array } {
    const n = this.size;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.scores[b] - this.scores[a] || this.ids[a] - this.ids[b]);
    return {
      ids: Int32Array.from(order, (i) => this.ids[i]),
      scores: Float32Array.from(order, (i) => this.scores[i]),
    };
  }
}

/** Indices of the k largest scores, skipping `exclude`d indices (sorted descending). */
export function topKIndices(scores: Float32Array, k: number, exclude?: (i: number) => boolean): Int32Array {
  const sel = new TopKSelector(k);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s > sel.threshold() && !(exclude && exclude(i))) sel.push(i, s);
  }
  return sel.sorted().ids;
}
