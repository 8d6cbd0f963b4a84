import type { BanditPolicy } from './policy.js';

/** One logged decision: the arm the logging policy played, the reward seen, and its propensity. */
export interface LoggedDecision {
  arm: number;
  reward: number;
  /** Probability with which the logger chose `arm` (needed by IPS, not by replay). */
  propensity?: number;
  context?: Float64Array;
}

export interface OfflineEstimate {
  /** Estimated click rate of the evaluated policy. */
  estimate: number;
  standardError: number;
  /** Events used: matched events for replay, all events for IPS. */
  events: number;
}

/**
 * Replay evaluation (Li, Chu, Langford & Wang, WSDM 2011) on traffic logged by a uniformly random
 * policy: stream the events; when the evaluated policy picks the logged arm, the event counts, its
 * reward is credited and the policy learns from it; other events are skipped. The mean credited
 * reward is an unbiased estimate of the policy's online click rate (over that many rounds).
 */
export function replayEvaluate(policy: BanditPolicy, events: Iterable<LoggedDecision>): OfflineEstimate {
  let matched = 0;
  let total = 0;
  let totalSquares = 0;
  for (const event of events) {
    if (!Number.isInteger(event.arm) || event.arm < 0 || event.arm >= policy.armCount) {
      throw new Error(`event arm must be in [0, ${policy.armCount}), got ${event.arm}`);
    }
    if (policy.select(event.context) !== event.arm) continue;
    policy.update(event.arm, event.reward, event.context);
    matched++;
    total += event.reward;
    totalSquares += event.reward * event.reward;
  }
  if (matched === 0) return { estimate: 0, standardError: Infinity, events: 0 };
  const mean = total / matched;
  const variance = Math.max(0, totalSquares / matched - mean * mean);
  return { estimate: mean, standardError: Math.sqrt(variance / matched), events: matched };
}

/**
 * Inverse propensity scoring: V̂ = (1/n) Σ r · π(a|x) / p(a|x), where p is the logged propensity and
 * π(a|x) = `targetProbability(event)` the probability that the evaluated (fixed) policy takes the
 * logged action. Unbiased when every action the target takes had p > 0. `selfNormalized` divides
 * by Σ π/p instead of n (SNIPS: a little bias, much less variance).
 */
export function inversePropensityEstimate(
  events: Iterable<LoggedDecision>,
  targetProbability: (event: LoggedDecision) => number,
  options: { selfNormalized?: boolean } = {},
): OfflineEstimate {
  let n = 0;
  let sum = 0;
  let sumSquares = 0;
  let weights = 0;
  for (const event of events) {
    const p = event.propensity;
    if (p === undefined || !(p > 0 && p <= 1)) throw new Error(`event propensity must be in (0, 1], got ${String(p)}`);
    const pi = targetProbability(event);
    if (!(pi >= 0 && pi <= 1)) throw new Error(`target probability must be in [0, 1], got ${pi}`);
    const w = pi / p;
    const value = w * event.reward;
    n++;
    sum += value;
    sumSquares += value * value;
    weights += w;
  }
  if (n === 0) return { estimate: 0, standardError: Infinity, events: 0 };
  const mean = sum / n;
  const standardError = Math.sqrt(Math.max(0, sumSquares / n - mean * mean) / n);
  if (options.selfNormalized) return { estimate: weights > 0 ? sum / weights : 0, standardError: weights > 0 ? (standardError * n) / weights : Infinity, events: n };
  return { estimate: mean, standardError, events: n };
}

/** Logged decisions of one slot read from the impression log, with item ids mapped to arm indices. */
export interface LoggedSlotDecisions {
  decisions: LoggedDecision[];
  /** `itemIds[arm]` is the item behind arm index `arm`. */
  itemIds: number[];
}

/**
 * Turns logged impressions (e.g. `ImpressionLog.read(placement)`) of one slot into bandit decisions
 * (arm = item, reward = clicked, propensity as logged) for `inversePropensityEstimate`, or for
 * `replayEvaluate` when the logger was uniformly random.
 */
export async function loggedSlotDecisions(
  impressions: AsyncIterable<{ itemId: number; slot: number; propensity: number; clicked: boolean }>,
  slot = 0,
): Promise<LoggedSlotDecisions> {
  if (!Number.isInteger(slot) || slot < 0) throw new Error(`slot must be a non-negative integer, got ${slot}`);
  const armOf = new Map<number, number>();
  const itemIds: number[] = [];
  const decisions: LoggedDecision[] = [];
  for await (const row of impressions) {
    if (row.slot !== slot) continue;
    let arm = armOf.get(row.itemId);
    if (arm === undefined) {
      arm = itemIds.length;
      armOf.set(row.itemId, arm);
      itemIds.push(row.itemId);
    }
    decisions.push({ arm, reward: row.clicked ? 1 : 0, propensity: row.propensity });
  }
  return { decisions, itemIds };
}
