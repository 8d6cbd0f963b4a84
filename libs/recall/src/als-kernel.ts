// The per-row conjugate-gradient solve of implicit ALS (Hu, Koren & Volinsky 2008), as the `implicit` library
// does it: Gram matrix YtY (+ reg·I) precomputed once per half-iteration, then for each row a few CG steps on
// (YtY + Yᵀ(Cu − I)Y) x = Yᵀ Cu p(u), warm-started from the previous x. Confidence C = 1 + α·r, preference 1.
// alsHalfStep is self-contained (no imports, no helpers) because its source text is what the worker runs.

export interface AlsHalfStepInput {
  /** Factors being solved (rows × f), updated in place. */
  x: Float32Array;
  /** Fixed factors of the other side (cols × f). */
  y: Float32Array;
  /** YtY + reg·I (f × f, row-major). */
  gram: Float64Array;
  ptr: Int32Array;
  idx: Int32Array;
  vals: Float32Array;
  factors: number;
  alpha: number;
  cgSteps: number;
  rowStart: number;
  rowEnd: number;
  /**
   * Work sharing: every thread takes the next chunk of `chunkRows` rows from counter[0] (Atomics.add), so a
   * thread that the OS preempts (a shared machine) delays only its current chunk. Rows are independent, so the
   * result does not depend on which thread solved which row.
   */
  counter: Int32Array;
  chunkRows: number;
}

/** Yᵀ Y + reg·I over all rows of y. */
export function computeGram(y: Float32Array, rows: number, f: number, reg: number): Float64Array {
  const g = new Float64Array(f * f);
  for (let r = 0; r < rows; r++) {
    const o = r * f;
    for (let a = 0; a < f; a++) {
      const ya = y[o + a];
      if (ya === 0) continue;
      const ga = a * f;
      for (let b = a; b < f; b++) g[ga + b] += ya * y[o + b];
    }
  }
  for (let a = 0; a < f; a++) {
    g[a * f + a] += reg;
    for (let b = 0; b < a; b++) g[a * f + b] = g[b * f + a];
  }
  return g;
}

export function alsHalfStep(input: AlsHalfStepInput): void {
  const { x, y, gram, ptr, idx, vals, factors: f, alpha, cgSteps, rowStart, rowEnd, counter, chunkRows } = input;
  const r = new Float64Array(f);
  const p = new Float64Array(f);
  const ap = new Float64Array(f);
  const xr = new Float64Array(f);
  for (;;) {
    const chunkStart = rowStart + Atomics.add(counter, 0, 1) * chunkRows;
    if (chunkStart >= rowEnd) break;
    const chunkEnd = Math.min(rowEnd, chunkStart + chunkRows);
    for (let row = chunkStart; row < chunkEnd; row++) {
      const xo = row * f;
      for (let a = 0; a < f; a++) xr[a] = x[xo + a];
      // r = b - A x with A = gram + Σ (c-1) y yᵀ, b = Σ c y
      for (let a = 0; a < f; a++) {
        let s = 0;
        const ga = a * f;
        for (let b = 0; b < f; b++) s += gram[ga + b] * xr[b];
        r[a] = -s;
      }
      for (let k = ptr[row]; k < ptr[row + 1]; k++) {
        const extra = alpha * vals[k];
        const yo = idx[k] * f;
        let dot = 0;
        for (let a = 0; a < f; a++) dot += y[yo + a] * xr[a];
        const coef = 1 + extra - extra * dot;
        for (let a = 0; a < f; a++) r[a] += coef * y[yo + a];
      }
      let rsold = 0;
      for (let a = 0; a < f; a++) {
        p[a] = r[a];
        rsold += r[a] * r[a];
      }
      if (rsold < 1e-20) continue;
      for (let step = 0; step < cgSteps; step++) {
        for (let a = 0; a < f; a++) {
          let s = 0;
          const ga = a * f;
          for (let b = 0; b < f; b++) s += gram[ga + b] * p[b];
          ap[a] = s;
        }
        for (let k = ptr[row]; k < ptr[row + 1]; k++) {
          const extra = alpha * vals[k];
          const yo = idx[k] * f;
          let dot = 0;
          for (let a = 0; a < f; a++) dot += y[yo + a] * p[a];
          const coef = extra * dot;
          for (let a = 0; a < f; a++) ap[a] += coef * y[yo + a];
        }
        let pap = 0;
        for (let a = 0; a < f; a++) pap += p[a] * ap[a];
        if (pap <= 0) break;
        const step = rsold / pap;
        let rsnew = 0;
        for (let a = 0; a < f; a++) {
          xr[a] += step * p[a];
          r[a] -= step * ap[a];
          rsnew += r[a] * r[a];
        }
        if (rsnew < 1e-20) break;
        const beta = rsnew / rsold;
        for (let a = 0; a < f; a++) p[a] = r[a] + beta * p[a];
        rsold = rsnew;
      }
      for (let a = 0; a < f; a++) x[xo + a] = xr[a];
    }
  }
}
