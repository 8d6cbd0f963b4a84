// The slot-filling policies an operator can configure, their parameters and the checks on them (the API
// validates again; these give the message before the round trip).
export interface PolicyParam {
  name: string;
  label: string;
  required: boolean;
  integer?: boolean;
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  hint: string;
}

export const POLICY_KINDS: { kind: string; label: string; params: PolicyParam[] }[] = [
  {
    kind: 'thompson',
    label: 'Thompson sampling',
    params: [{ name: 'propensityDraws', label: 'Propensity draws', required: false, integer: true, min: 1, hint: 'Monte Carlo draws estimating each slot’s propensity (default 200).' }],
  },
  {
    kind: 'ucb1',
    label: 'UCB1',
    params: [{ name: 'explorationConstant', label: 'Exploration constant', required: false, min: 0, hint: 'Width of the confidence bonus (default √2).' }],
  },
  {
    kind: 'egreedy',
    label: 'ε-greedy',
    params: [
      { name: 'epsilon', label: 'Epsilon', required: true, min: 0, max: 1, hint: 'Share of slots explored at random (0–1).' },
      { name: 'decayConstant', label: 'Decay constant', required: false, min: 0, exclusiveMin: true, hint: 'ε decays as c / (c + impressions) when set.' },
    ],
  },
];

/** Builds the policy from the form's text fields; returns the first problem, naming the field. */
export function parsePolicy(kind: string, values: Record<string, string>): { policy?: Record<string, unknown>; error?: string } {
  const spec = POLICY_KINDS.find((k) => k.kind === kind);
  if (!spec) return { error: `unknown policy "${kind}"` };
  const policy: Record<string, unknown> = { kind };
  for (const p of spec.params) {
    const raw = (values[p.name] ?? '').trim();
    if (raw === '') {
      if (p.required) return { error: `${p.label} is required` };
      continue;
    }
    const n = Number(raw);
    if (!Number.isFinite(n)) return { error: `${p.label} must be a number` };
    if (p.integer && !Number.isInteger(n)) return { error: `${p.label} must be a whole number` };
    if (p.min !== undefined && (p.exclusiveMin ? n <= p.min : n < p.min)) return { error: `${p.label} must be ${p.exclusiveMin ? 'greater than' : 'at least'} ${p.min}` };
    if (p.max !== undefined && n > p.max) return { error: `${p.label} must be at most ${p.max}` };
    policy[p.name] = n;
  }
  return { policy };
}

/** A policy in words, e.g. "ε-greedy (epsilon 0.1)". */
export function describePolicy(policy: Record<string, unknown>): string {
  const spec = POLICY_KINDS.find((k) => k.kind === policy.kind);
  const params = Object.entries(policy)
    .filter(([k]) => k !== 'kind')
    .map(([k, v]) => `${k} ${String(v)}`);
  return `${spec?.label ?? String(policy.kind)}${params.length ? ` (${params.join(', ')})` : ''}`;
}
