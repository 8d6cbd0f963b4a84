/**
 * Statistics of A/B experiments on click-through rates: confidence intervals, the two-proportion
 * z-test, fixed-horizon sample sizes, and the mixture sequential probability ratio test (mSPRT),
 * whose always-valid p-values may be monitored continuously.
 */

/** Standard normal CDF Φ(x) (complementary error function, Numerical Recipes erfc, |error| < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Standard normal quantile Φ⁻¹(p) (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`probability must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

function checkCounts(clicks: number, impressions: number, label = ''): void {
  if (!(Number.isFinite(impressions) && impressions >= 0)) throw new Error(`impressions${label} must be >= 0, got ${impressions}`);
  if (!(Number.isFinite(clicks) && clicks >= 0 && clicks <= impressions)) {
    throw new Error(`clicks${label} must be in [0, impressions], got ${clicks} of ${impressions}`);
  }
}

export interface RateInterval {
  rate: number;
  lower: number;
  upper: number;
}

/** Wilson score interval for a click rate (default 95%); [0, 1] with no impressions. */
export function wilsonInterval(clicks: number, impressions: number, confidence = 0.95): RateInterval {
  checkCounts(clicks, impressions);
  if (!(confidence > 0 && confidence < 1)) throw new Error(`confidence must be in (0, 1), got ${confidence}`);
  if (impressions === 0) return { rate: 0, lower: 0, upper: 1 };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = clicks / impressions;
  const z2n = (z * z) / impressions;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / impressions + z2n / (4 * impressions))) / (1 + z2n);
  return { rate: p, lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

export interface TwoProportionTest {
  /** Treatment rate − control rate. */
  difference: number;
  /** 95% (or `confidence`) normal interval of the difference (unpooled standard error). */
  lower: number;
  upper: number;
  /** z statistic with the pooled standard error, and its two-sided p-value. */
  z: number;
  pValue: number;
}

/** Two-proportion z-test of treatment (b) against control (a). */
export function twoProportionZTest(clicksA: number, impressionsA: number, clicksB: number, impressionsB: number, confidence = 0.95): TwoProportionTest {
  checkCounts(clicksA, impressionsA, ' of the control');
  checkCounts(clicksB, impressionsB, ' of the treatment');
  if (impressionsA === 0 || impressionsB === 0) return { difference: 0, lower: -1, upper: 1, z: 0, pValue: 1 };
  const pa = clicksA / impressionsA;
  const pb = clicksB / impressionsB;
  const pooled = (clicksA + clicksB) / (impressionsA + impressionsB);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / impressionsA + 1 / impressionsB));
  const se = Math.sqrt((pa * (1 - pa)) / impressionsA + (pb * (1 - pb)) / impressionsB);
  const difference = pb - pa;
  const z = pooledSe > 0 ? difference / pooledSe : 0;
  const pValue = pooledSe > 0 ? 2 * (1 - normalCdf(Math.abs(z))) : 1;
  const q = normalQuantile(1 - (1 - confidence) / 2);
  return { difference, lower: difference - q * se, upper: difference + q * se, z, pValue: Math.min(1, pValue) };
}

export interface SampleSizePlan {
  /** Control click rate expected before the experiment. */
  baselineRate: number;
  /** Smallest relative lift worth detecting (0.1 = +10%). */
  minimumDetectableLift: number;
  /** Two-sided significance level (default 0.05). */
  alpha?: number;
  /** Power at the minimum detectable lift (default 0.8). */
  power?: number;
}

/**
 * Impressions needed per variant for a two-sided two-proportion test to detect the lift:
 * n = (z_{1−α/2}·sqrt(2 p̄(1−p̄)) + z_{power}·sqrt(p1(1−p1) + p2(1−p2)))² / (p2 − p1)².
 */
export function fixedHorizonSampleSize(plan: SampleSizePlan): number {
  const { baselineRate: p1, minimumDetectableLift: lift } = plan;
  const alpha = plan.alpha ?? 0.05;
  const power = plan.power ?? 0.8;
  if (!(p1 > 0 && p1 < 1)) throw new Error(`baselineRate must be in (0, 1), got ${p1}`);
  if (!(lift > 0)) throw new Error(`minimumDetectableLift must be > 0, got ${lift}`);
  if (!(alpha > 0 && alpha < 1)) throw new Error(`alpha must be in (0, 1), got ${alpha}`);
  if (!(power > 0 && power < 1)) throw new Error(`power must be in (0, 1), got ${power}`);
  const p2 = p1 * (1 + lift);
  if (!(p2 < 1)) throw new Error(`baselineRate × (1 + minimumDetectableLift) must stay below 1, got ${p2}`);
  const mean = (p1 + p2) / 2;
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  const n = (za * Math.sqrt(2 * mean * (1 - mean)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2;
  return Math.ceil(n);
}

export interface SequentialTest {
  /** Mixture likelihood ratio Λ. */
  likelihoodRatio: number;
  /** min(1, 1/Λ): valid at this look; the always-valid p-value is its running minimum over looks. */
  pValue: number;
}

/**
 * mSPRT for a difference of click rates (Johari, Pekelis & Walsh, "Always valid inference", 2017),
 * with the normal approximation: for θ̂ = p_b − p_a with variance V = p_a(1−p_a)/n_a + p_b(1−p_b)/n_b
 * and a N(0, τ²) mixture over the effect,
 * Λ = sqrt(V / (V + τ²)) · exp(τ² θ̂² / (2 V (V + τ²))).
 * Rejecting when Λ ≥ 1/α keeps the type-I error below α however often the test is looked at.
 * τ must be fixed before the experiment (e.g. the minimum detectable effect).
 */
export function mixtureSequentialTest(clicksA: number, impressionsA: number, clicksB: number, impressionsB: number, tau: number): SequentialTest {
  checkCounts(clicksA, impressionsA, ' of the control');
  checkCounts(clicksB, impressionsB, ' of the treatment');
  if (!(tau > 0 && Number.isFinite(tau))) throw new Error(`tau must be a positive number, got ${tau}`);
  if (impressionsA === 0 || impressionsB === 0) return { likelihoodRatio: 1, pValue: 1 };
  const pa = clicksA / impressionsA;
  const pb = clicksB / impressionsB;
  // Pooled rate for the variance under the null keeps V > 0 when a variant has 0 clicks so far.
  const pooled = (clicksA + clicksB) / (impressionsA + impressionsB);
  const variance = Math.max(pooled * (1 - pooled), 1e-12) * (1 / impressionsA + 1 / impressionsB);
  const tau2 = tau * tau;
  const theta = pb - pa;
  const logLambda = 0.5 * Math.log(variance / (variance + tau2)) + (tau2 * theta * theta) / (2 * variance * (variance + tau2));
  const likelihoodRatio = Math.exp(Math.min(logLambda, 700));
  return { likelihoodRatio, pValue: Math.min(1, 1 / likelihoodRatio) };
}
