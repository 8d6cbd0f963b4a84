import { fixedHorizonSampleSize, mixtureSequentialTest, twoProportionZTest, wilsonInterval } from './experiment-statistics.js';

/**
 * How an experiment's winner is decided without peeking:
 * - 'fixed-horizon': nothing is decided before every variant has the planned sample size
 *   (from the baseline rate, the minimum detectable lift, α and power); then one two-proportion
 *   z-test per treatment against the control, Bonferroni-corrected;
 * - 'sequential': the mSPRT's always-valid p-values, which may be checked after every impression;
 *   τ of the mixture is the minimum detectable effect baselineRate × lift, fixed in advance.
 *   `maxImpressionsPerVariant` ends a test that finds nothing.
 */
export type DecisionRule =
  | { kind: 'fixed-horizon'; baselineRate: number; minimumDetectableLift: number; alpha?: number; power?: number }
  | { kind: 'sequential'; baselineRate: number; minimumDetectableLift: number; alpha?: number; maxImpressionsPerVariant?: number };

export interface VariantCounts {
  name: string;
  impressions: number;
  clicks: number;
}

export interface VariantReport extends VariantCounts {
  rate: number;
  /** 95% Wilson interval of the click rate. */
  lower: number;
  upper: number;
}

export interface VariantComparison {
  variant: string;
  difference: number;
  lower: number;
  upper: number;
  z: number;
  pValue: number;
  /** Always-valid p-value (sequential rule only): running minimum over every evaluation so far. */
  alwaysValidPValue?: number;
}

export interface ExperimentDecision {
  status: 'continue' | 'winner' | 'no-difference';
  /** The decided variant (the control when no treatment beat it), null while continuing. */
  winner: string | null;
  reason: string;
  /** Per-variant sample size of the fixed-horizon plan. */
  requiredImpressionsPerVariant?: number;
  variants: VariantReport[];
  comparisons: VariantComparison[];
}

/** Validates a rule, throwing an error that names the offending field. */
export function validateDecisionRule(rule: DecisionRule): void {
  if (!rule || (rule.kind !== 'fixed-horizon' && rule.kind !== 'sequential')) {
    throw new Error(`decisionRule.kind must be 'fixed-horizon' or 'sequential'`);
  }
  if (!(rule.baselineRate > 0 && rule.baselineRate < 1)) throw new Error(`decisionRule.baselineRate must be in (0, 1), got ${rule.baselineRate}`);
  if (!(rule.minimumDetectableLift > 0)) throw new Error(`decisionRule.minimumDetectableLift must be > 0, got ${rule.minimumDetectableLift}`);
  const alpha = rule.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new Error(`decisionRule.alpha must be in (0, 1), got ${alpha}`);
  if (rule.kind === 'fixed-horizon') {
    const power = rule.power ?? 0.8;
    if (!(power > 0 && power < 1)) throw new Error(`decisionRule.power must be in (0, 1), got ${power}`);
  } else if (rule.maxImpressionsPerVariant !== undefined && !(Number.isInteger(rule.maxImpressionsPerVariant) && rule.maxImpressionsPerVariant > 0)) {
    throw new Error(`decisionRule.maxImpressionsPerVariant must be a positive integer, got ${rule.maxImpressionsPerVariant}`);
  }
}

/**
 * Applies the rule to the variants' counts; `variants[0]` is the control. `previousPValues` are the
 * always-valid p-values of earlier evaluations (sequential rule), so their running minimum is kept.
 */
export function decideExperiment(
  rule: DecisionRule,
  variants: readonly VariantCounts[],
  previousPValues: Record<string, number> = {},
): ExperimentDecision {
  validateDecisionRule(rule);
  if (variants.length < 2) throw new Error('variants must hold the control and at least one treatment');
  const alpha = rule.alpha ?? 0.05;
  const treatments = variants.length - 1;
  const perTest = alpha / treatments; // Bonferroni
  const control = variants[0];
  const reports: VariantReport[] = variants.map((v) => ({ ...v, ...wilsonInterval(v.clicks, v.impressions) }));
  const comparisons: VariantComparison[] = variants.slice(1).map((v) => {
    const test = twoProportionZTest(control.clicks, control.impressions, v.clicks, v.impressions);
    const comparison: VariantComparison = { variant: v.name, difference: test.difference, lower: test.lower, upper: test.upper, z: test.z, pValue: test.pValue };
    if (rule.kind === 'sequential') {
      const tau = rule.baselineRate * rule.minimumDetectableLift;
      const now = mixtureSequentialTest(control.clicks, control.impressions, v.clicks, v.impressions, tau).pValue;
      comparison.alwaysValidPValue = Math.min(now, previousPValues[v.name] ?? 1);
    }
    return comparison;
  });
  const fewest = Math.min(...variants.map((v) => v.impressions));
  const rateOf = (name: string) => reports.find((r) => r.name === name)?.rate ?? 0;
  const conclude = (significant: (c: VariantComparison) => boolean, basis: string): ExperimentDecision | null => {
    const better = comparisons.filter((c) => significant(c) && c.difference > 0);
    if (better.length > 0) {
      const winner = better.reduce((a, b) => (rateOf(a.variant) >= rateOf(b.variant) ? a : b)).variant;
      return { status: 'winner', winner, reason: `${winner} beats ${control.name} (${basis})`, variants: reports, comparisons };
    }
    if (comparisons.every((c) => significant(c) && c.difference < 0)) {
      return { status: 'winner', winner: control.name, reason: `${control.name} beats every treatment (${basis})`, variants: reports, comparisons };
    }
    return null;
  };

  if (rule.kind === 'fixed-horizon') {
    const required = fixedHorizonSampleSize({ ...rule, alpha: perTest });
    if (fewest < required) {
      return {
        status: 'continue',
        winner: null,
        reason: `fixed horizon: ${fewest} of ${required} impressions per variant, no decision before the horizon`,
        requiredImpressionsPerVariant: required,
        variants: reports,
        comparisons,
      };
    }
    const decided = conclude((c) => c.pValue < perTest, `z-test at the horizon, p < ${perTest}`);
    if (decided) return { ...decided, requiredImpressionsPerVariant: required };
    return {
      status: 'no-difference',
      winner: control.name,
      reason: `no treatment differs significantly from ${control.name} at the horizon (α = ${alpha}, Bonferroni)`,
      requiredImpressionsPerVariant: required,
      variants: reports,
      comparisons,
    };
  }

  const decided = conclude((c) => (c.alwaysValidPValue ?? 1) <= perTest, `mSPRT always-valid p ≤ ${perTest}`);
  if (decided) return decided;
  if (rule.maxImpressionsPerVariant !== undefined && fewest >= rule.maxImpressionsPerVariant) {
    return {
      status: 'no-difference',
      winner: control.name,
      reason: `sequential test reached ${rule.maxImpressionsPerVariant} impressions per variant without a significant difference`,
      variants: reports,
      comparisons,
    };
  }
  return { status: 'continue', winner: null, reason: 'sequential test: no always-valid p-value below α yet', variants: reports, comparisons };
}
