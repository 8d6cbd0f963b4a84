import type { BetaSampler } from './beta-sampler.js';
import type { FastRandom } from './fast-random.js';
import { logGamma } from './incomplete-beta.js';

/** Arms with an envelope mass above this are drawn directly (cheaper than that many tail visits). */
const TAIL_ENVELOPE_LIMIT = 0.25;
const LOG_TAIL_ENVELOPE_LIMIT = Math.log(TAIL_ENVELOPE_LIMIT);
/** −log min Γ on (0, ∞) (Γ(1 + a) >= 0.8856 for a in (0, 1)). */
const LOG_INVERSE_MIN_GAMMA = 0.12148629053584961;

/**
 * The served ranking and D further independent rankings of Thompson slot filling (top-k of one Beta draw
 * per arm each), computed without drawing values that cannot reach any top-k: the JavaScript port of
 * native/thompson_kernels.c (see the README, "Thompson slot filling on the serving path"). Arms are taken
 * in input order for all R = D + 1 rankings at once; once every ranking holds k arms an arm can only enter
 * through a draw above the lowest threshold t, and its draws above t are sampled exactly (geometric visits
 * at an envelope's mass, envelope rejection) instead of drawing all R. Ranking r's top-k ends in
 * `top[r·k .. r·k + k)`, best first, ties in input order.
 */
export class ThompsonRankings {
  private values = new Float64Array(0);
  private top = new Int32Array(0);
  private size = new Int32Array(0);
  private threshold = new Float64Array(0);
  private lowest = -1;
  private logLowest = 0;
  private log1mLowest = 0;
  private stale = false;

  constructor(
    private readonly uniform: FastRandom,
    private readonly sampler: BetaSampler,
  ) {}

  /**
   * Fills `served` with the positions of ranking 0's top-k and `hits[j]` with how many of rankings 1..R−1
   * put served[j] in slot j, for posteriors Beta(alpha[i], beta[i]) (all > 0).
   */
  fill(alpha: Float64Array, beta: Float64Array, k: number, draws: number, served: Int32Array, hits: Float64Array): void {
    const n = alpha.length;
    const R = draws + 1;
    if (this.size.length < R || this.values.length < R * k) {
      this.values = new Float64Array(R * k);
      this.top = new Int32Array(R * k);
      this.size = new Int32Array(R);
      this.threshold = new Float64Array(R);
    }
    this.size.fill(0, 0, R);
    this.threshold.fill(-1, 0, R);
    this.lowest = -1;
    this.stale = false;
    for (let i = 0; i < n; i++) {
      if (this.stale) {
        let t = this.threshold[0];
        for (let r = 1; r < R; r++) if (this.threshold[r] < t) t = this.threshold[r];
        this.lowest = t;
        this.stale = false;
        if (t > 0 && t < 1) {
          this.logLowest = Math.log(t);
          this.log1mLowest = Math.log1p(-t);
        }
      }
      if (this.lowest > 0 && this.drawTail(alpha[i], beta[i], i, k, R)) continue;
      this.drawDirect(alpha[i], beta[i], i, k, R);
    }
    for (let j = 0; j < k; j++) {
      served[j] = this.top[j];
      hits[j] = 0;
    }
    for (let r = 1; r < R; r++) for (let j = 0; j < k; j++) if (this.top[r * k + j] === served[j]) hits[j] += 1;
  }

  /** Inserts arm i with draw θ into ranking r (best first; ties keep the input order, as arms arrive in it). */
  private insert(r: number, i: number, theta: number, k: number): void {
    if (theta <= this.threshold[r]) return;
    const values = this.values;
    const top = this.top;
    const base = r * k;
    let j = this.size[r] < k ? this.size[r]++ : k - 1;
    while (j > 0 && values[base + j - 1] < theta) {
      values[base + j] = values[base + j - 1];
      top[base + j] = top[base + j - 1];
      j--;
    }
    values[base + j] = theta;
    top[base + j] = i;
    if (this.size[r] === k) {
      if (this.threshold[r] === this.lowest) this.stale = true;
      this.threshold[r] = values[base + k - 1];
    }
  }

  /**
   * One draw of arm i for every ranking. For a < 1, X = X'·U^(1/a) with X' ~ Gamma(a + 1) and U^(1/a) <= 1,
   * so (when b >= 1) X'/(X' + Y) bounds θ: when the bound cannot enter ranking r the boost is not drawn.
   */
  private drawDirect(a: number, b: number, i: number, k: number, R: number): void {
    const sampler = this.sampler;
    const boosted = a < 1;
    const shapeA = boosted ? a + 1 : a;
    for (let r = 0; r < R; r++) {
      let x = sampler.gamma(shapeA);
      const y = sampler.gamma(b);
      if (b >= 1 && x <= this.threshold[r] * (x + y)) continue;
      if (boosted) x *= Math.pow(1 - this.uniform.next(), 1 / a);
      this.insert(r, i, x / (x + y), k);
    }
  }

  /**
   * Draws of arm i above t = lowest threshold only: each ranking is visited with probability G and a visit
   * proposes θ ∈ (t, 1) from an envelope g (∫_t^1 g = G) accepted with probability f(θ)/g(θ), so that
   * P(visit, accept, θ ∈ dθ) = f(θ)dθ on (t, 1). Returns false (nothing drawn) where no envelope applies or
   * G > TAIL_ENVELOPE_LIMIT.
   */
  private drawTail(a: number, b: number, i: number, k: number, R: number): boolean {
    const t = this.lowest;
    if (b < 1 || t >= 1) return false;
    const concave = a >= 1;
    if (concave && a + b > 2 && t < (a - 1) / (a + b - 2)) return false;
    const w = 1 - t;
    const logT = this.logLowest;
    const logW = this.log1mLowest;
    let logBeta = NaN;
    let logMass: number;
    let logVisit: number;
    let lambda = 0;
    if (!concave) {
      // ∫_t^1 t^(a−1)(1 − θ)^(b−1)/B(a, b) dθ = t^(a−1) w^b/(b B(a, b)); visits run at the Wendel bound
      // 1/B(a, b) <= b^a a/min Γ and are thinned by the exact ratio once an arm is visited.
      const logB = Math.log(b);
      logVisit = (a - 1) * (logT + logB) + b * logW + Math.log(a) + LOG_INVERSE_MIN_GAMMA;
      logMass = NaN;
      if (logVisit > LOG_TAIL_ENVELOPE_LIMIT) {
        logBeta = logGamma(a) + logGamma(b) - logGamma(a + b);
        logMass = (a - 1) * logT + b * logW - logB - logBeta;
        if (!(logMass <= LOG_TAIL_ENVELOPE_LIMIT)) return false;
        logVisit = logMass;
      }
    } else {
      // f(t) ∫_t^1 e^(−λ(θ − t)) dθ with λ = −(log f)'(t) >= 0 beyond the mode.
      lambda = Math.max(0, (b - 1) / w - (a - 1) / t);
      logBeta = logGamma(a) + logGamma(b) - logGamma(a + b);
      const logF = (a - 1) * logT + (b - 1) * logW - logBeta;
      logMass = logF + (lambda * w > 1e-9 ? Math.log(-Math.expm1(-lambda * w)) - Math.log(lambda) : logW);
      if (!(logMass <= LOG_TAIL_ENVELOPE_LIMIT)) return false;
      logVisit = logMass;
    }
    const visit = Math.exp(logVisit);
    const logSkip = visit < 1e-4 ? -visit * (1 + visit * (0.5 + visit / 3)) : Math.log(1 - visit);
    const expWidth = concave && lambda * w > 1e-9 ? -Math.expm1(-lambda * w) : 0;
    const uniform = this.uniform;
    for (let index = -1; ; ) {
      index += 1 + Math.min(Math.floor(Math.log(1 - uniform.next()) / logSkip), R);
      if (index >= R) break;
      const v = uniform.next();
      let theta: number;
      let logAccept: number;
      if (!concave) {
        theta = 1 - w * Math.exp(Math.log(1 - v) / b); // 1 − θ = w V^(1/b), V uniform on (0, 1]
        if (logMass !== logMass) {
          logBeta = logGamma(a) + logGamma(b) - logGamma(a + b);
          logMass = (a - 1) * logT + b * logW - Math.log(b) - logBeta;
        }
        logAccept = (a - 1) * (Math.log(theta) - logT) + (logMass - logVisit);
      } else {
        theta = expWidth > 0 ? t - Math.log1p(-v * expWidth) / lambda : t + v * w;
        if (theta >= 1) continue; // measure zero, rounding only
        logAccept = (a - 1) * (Math.log(theta) - logT) + (b - 1) * (Math.log1p(-theta) - logW) + lambda * (theta - t);
      }
      if (theta > t && theta > this.threshold[index] && Math.log(1 - uniform.next()) < logAccept) this.insert(index, i, theta, k);
    }
    return true;
  }
}
