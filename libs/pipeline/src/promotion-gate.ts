// The promotion gate: a candidate replaces the active version only when it beats it on the configured metric,
// measured on the same holdout, by at least the configured margin. Its reason is kept with the version.
import type { ModelKind } from './model-registry.js';

export interface PromotionGate {
  /** recall: ndcg | recall | hitRate | precision | map; ranker: auc | logloss (lower is better). */
  metric: string;
  /** Least improvement (absolute, in the metric's units) that promotes; 0 = any strict improvement. */
  minImprovement: number;
}

export type PromotionGates = Record<ModelKind, PromotionGate>;

export const GATE_METRICS: Record<ModelKind, readonly string[]> = {
  recall: ['ndcg', 'recall', 'hitRate', 'precision', 'map'],
  ranker: ['auc', 'logloss'],
};

/** Metrics where smaller is better. */
const LOWER_IS_BETTER = new Set(['logloss']);

export const DEFAULT_PROMOTION_GATES: PromotionGates = {
  recall: { metric: 'ndcg', minImprovement: 0 },
  ranker: { metric: 'auc', minImprovement: 0 },
};

export function checkPromotionGate(kind: ModelKind, gate: PromotionGate, field = `gates.${kind}`): PromotionGate {
  if (!gate || !GATE_METRICS[kind].includes(gate.metric)) throw new Error(`${field}.metric: must be one of ${GATE_METRICS[kind].join(', ')}, got "${String(gate?.metric)}"`);
  if (!Number.isFinite(gate.minImprovement) || gate.minImprovement < 0) throw new Error(`${field}.minImprovement: must be a number ≥ 0, got ${String(gate.minImprovement)}`);
  return gate;
}

export interface PromotionVerdict {
  promote: boolean;
  reason: string;
  improvement: number | null;
}

const fmt = (x: number) => x.toFixed(4);

/**
 * Whether `candidate` should replace `active` (both metric sets measured on the same holdout). Without an
 * active version the candidate is promoted; a candidate without a finite metric value never is.
 */
export function decidePromotion(
  kind: ModelKind,
  gate: PromotionGate,
  candidate: Record<string, unknown>,
  active: { version: number; metrics: Record<string, unknown> } | null,
): PromotionVerdict {
  checkPromotionGate(kind, gate);
  const value = Number(candidate[gate.metric]);
  if (!Number.isFinite(value)) return { promote: false, reason: `not promoted: the candidate has no ${gate.metric}`, improvement: null };
  if (!active) return { promote: true, reason: `promoted: no active ${kind} version (${gate.metric} ${fmt(value)})`, improvement: null };
  const base = Number(active.metrics[gate.metric]);
  if (!Number.isFinite(base)) return { promote: true, reason: `promoted: active v${active.version} has no ${gate.metric} on this holdout (candidate ${fmt(value)})`, improvement: null };
  const improvement = LOWER_IS_BETTER.has(gate.metric) ? base - value : value - base;
  const versus = `${gate.metric} ${fmt(value)} vs active v${active.version} ${fmt(base)} on the same holdout`;
  if (improvement > 0 && improvement >= gate.minImprovement) {
    return { promote: true, reason: `promoted: ${versus} (improvement ${fmt(improvement)} ≥ margin ${gate.minImprovement})`, improvement };
  }
  return {
    promote: false,
    reason: `kept active v${active.version}: ${versus} (improvement ${fmt(improvement)}${improvement > 0 ? ` < margin ${gate.minImprovement}` : ', not better'})`,
    improvement,
  };
}
