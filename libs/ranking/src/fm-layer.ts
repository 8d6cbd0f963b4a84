// The factorisation-machine term ½ Σ_k [(Σ_f v_fk)² − Σ_f v_fk²] = Σ_{i<j} <v_i, v_j>, in O(F·k) per row.

/** out[b] = FM term of row b of `pooled` (batch × fields × dim). */
export function fmForward(pooled: Float32Array, batch: number, fields: number, dim: number, out: Float32Array): void {
  for (let b = 0; b < batch; b++) {
    const base = b * fields * dim;
    let total = 0;
    for (let d = 0; d < dim; d++) {
      let sum = 0;
      let sumSq = 0;
      for (let f = 0; f < fields; f++) {
        const x = pooled[base + f * dim + d];
        sum += x;
        sumSq += x * x;
      }
      total += sum * sum - sumSq;
    }
    out[b] = 0.5 * total;
  }
}

/** dPooled[b,f,d] += dOut[b] · (Σ_g v_gd − v_fd), the gradient of the FM term. */
export function fmBackward(pooled: Float32Array, dOut: Float32Array, batch: number, fields: number, dim: number, dPooled: Float32Array): void {
  for (let b = 0; b < batch; b++) {
    const base = b * fields * dim;
    const g = dOut[b];
    for (let d = 0; d < dim; d++) {
      let sum = 0;
      for (let f = 0; f < fields; f++) sum += pooled[base + f * dim + d];
      for (let f = 0; f < fields; f++) {
        const j = base + f * dim + d;
        dPooled[j] += g * (sum - pooled[j]);
      }
    }
  }
}
