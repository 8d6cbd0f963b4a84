// `npm run bench -- explore [--seeds 20] [--rounds 100000] [--arms 100]`: exploration policies on
// simulated Bernoulli arms (rates ~ Beta(1, 20)): mean cumulative regret over seeds, a contextual
// variant for LinUCB, and select+update throughput. No peer implements bandits, so there is no
// side-by-side peer figure here.
import {
  BernoulliEnvironment,
  EpsilonGreedyPolicy,
  FastRandom,
  LinUcbPolicy,
  SegmentEnvironment,
  ThompsonPolicy,
  Ucb1Policy,
  simulateBandit,
  type BanditEnvironment,
  type BanditPolicy,
} from '@cascade/explore';
import { positiveIntOption, median } from './bench-kit.js';

type PolicyFactory = (seed: number) => BanditPolicy;

/** Mean regret (and regret at the checkpoints) of each policy over the seeds. */
function meanRegrets(
  policies: Record<string, PolicyFactory>,
  environment: (seed: number) => BanditEnvironment,
  seeds: number,
  rounds: number,
  checkpoint: number,
): Record<string, { regret: number; regretAtCheckpoint: number; seconds: number }> {
  const out: Record<string, { regret: number; regretAtCheckpoint: number; seconds: number }> = {};
  for (const [name, make] of Object.entries(policies)) {
    const started = performance.now();
    let regret = 0;
    let atCheckpoint = 0;
    for (let s = 0; s < seeds; s++) {
      const result = simulateBandit(make(100 + s), environment(s), { rounds, seed: 7_000 + s, checkpoints: [checkpoint] });
      regret += result.regret;
      atCheckpoint += result.regretAt[0];
    }
    out[name] = { regret: regret / seeds, regretAtCheckpoint: atCheckpoint / seeds, seconds: (performance.now() - started) / 1000 };
    process.stderr.write(`explore: ${name.padEnd(28)} regret ${out[name].regret.toFixed(1)} (${out[name].seconds.toFixed(1)} s)\n`);
  }
  return out;
}

/** Select + update decisions per second on K arms (median of `repeats` runs of `rounds` decisions). */
function decisionsPerSecond(make: () => BanditPolicy, rates: Float64Array, rounds: number, repeats: number): number {
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const policy = make();
    const random = new FastRandom(31 + r);
    const started = performance.now();
    for (let t = 0; t < rounds; t++) {
      const arm = policy.select();
      policy.update(arm, random.next() < rates[arm] ? 1 : 0);
    }
    runs.push(rounds / ((performance.now() - started) / 1000));
  }
  return median(runs);
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const seeds = positiveIntOption(args, '--seeds', 20);
  const rounds = positiveIntOption(args, '--rounds', 100_000);
  const arms = positiveIntOption(args, '--arms', 100);
  const checkpoint = Math.min(10_000, rounds);
  const started = performance.now();

  // Thompson's prior is the catalogue-wide one, Beta(1, 20) = mean CTR 1/21 over 21 pseudo-impressions,
  // the same way the serving path seeds priors from the ranker's pCTR; the flat-prior run is reported too.
  const nonContextual: Record<string, PolicyFactory> = {
    thompson: (seed) => new ThompsonPolicy(arms, { seed, priorAlpha: 1, priorBeta: 20 }),
    thompson_flat_prior: (seed) => new ThompsonPolicy(arms, { seed }),
    ucb1: () => new Ucb1Policy(arms),
    'ucb1_c0.5': () => new Ucb1Policy(arms, { explorationConstant: 0.5 }),
    'ucb1_c0.2': () => new Ucb1Policy(arms, { explorationConstant: 0.2 }),
    'ucb1_c0.1': () => new Ucb1Policy(arms, { explorationConstant: 0.1 }),
    'egreedy_0.01': (seed) => new EpsilonGreedyPolicy(arms, { epsilon: 0.01, seed }),
    'egreedy_0.05': (seed) => new EpsilonGreedyPolicy(arms, { epsilon: 0.05, seed }),
    'egreedy_0.1': (seed) => new EpsilonGreedyPolicy(arms, { epsilon: 0.1, seed }),
    'egreedy_posterior_0.01': (seed) => new EpsilonGreedyPolicy(arms, { epsilon: 0.01, seed, estimate: 'posterior' }),
    'egreedy_posterior_0.05': (seed) => new EpsilonGreedyPolicy(arms, { epsilon: 0.05, seed, estimate: 'posterior' }),
    'egreedy_posterior_0.1': (seed) => new EpsilonGreedyPolicy(arms, { epsilon: 0.1, seed, estimate: 'posterior' }),
    egreedy_decaying: (seed) => new EpsilonGreedyPolicy(arms, { epsilon: 1, decayConstant: 5, seed }),
  };
  process.stderr.write(`explore: ${arms} Bernoulli arms ~ Beta(1, 20), ${rounds} rounds, ${seeds} seeds\n`);
  const plain = meanRegrets(nonContextual, (s) => BernoulliEnvironment.withBetaRates(arms, 1, 20, 1_000 + s), seeds, rounds, checkpoint);
  const best = (names: string[]) => names.reduce((a, b) => (plain[a].regret <= plain[b].regret ? a : b));
  const bestEgreedy = best(['egreedy_0.01', 'egreedy_0.05', 'egreedy_0.1']);
  const bestEgreedyPosterior = best(['egreedy_posterior_0.01', 'egreedy_posterior_0.05', 'egreedy_posterior_0.1']);
  const bestUcb = best(['ucb1', 'ucb1_c0.5', 'ucb1_c0.2', 'ucb1_c0.1']);

  const segments = 5;
  const contextual: Record<string, PolicyFactory> = {
    linucb: () => new LinUcbPolicy(arms, { dimension: segments, alpha: 1 }),
    thompson: (seed) => new ThompsonPolicy(arms, { seed, priorAlpha: 1, priorBeta: 20 }),
    ucb1: () => new Ucb1Policy(arms),
    'ucb1_c0.2': () => new Ucb1Policy(arms, { explorationConstant: 0.2 }),
    'egreedy_0.01': (seed) => new EpsilonGreedyPolicy(arms, { epsilon: 0.01, seed }),
    'egreedy_0.05': (seed) => new EpsilonGreedyPolicy(arms, { epsilon: 0.05, seed }),
    'egreedy_0.1': (seed) => new EpsilonGreedyPolicy(arms, { epsilon: 0.1, seed }),
    'egreedy_posterior_0.01': (seed) => new EpsilonGreedyPolicy(arms, { epsilon: 0.01, seed, estimate: 'posterior' }),
  };
  process.stderr.write(`explore: contextual variant, ${segments} user segments, rates w_aᵀx with w ~ Beta(1, 20)\n`);
  const ctx = meanRegrets(contextual, (s) => new SegmentEnvironment({ armCount: arms, segments, seed: 2_000 + s }), seeds, rounds, checkpoint);
  const nonContextualNames = Object.keys(contextual).filter((n) => n !== 'linucb');
  const bestNonContextual = nonContextualNames.reduce((a, b) => (ctx[a].regret <= ctx[b].regret ? a : b));

  const rates = BernoulliEnvironment.withBetaRates(arms, 1, 20, 1_000).rates;
  const dpsRounds = 200_000;
  const dpsThompson = decisionsPerSecond(() => new ThompsonPolicy(arms, { seed: 1, priorAlpha: 1, priorBeta: 20 }), rates, dpsRounds, 3);
  const dpsUcb = decisionsPerSecond(() => new Ucb1Policy(arms), rates, dpsRounds, 3);
  const dpsEgreedy = decisionsPerSecond(() => new EpsilonGreedyPolicy(arms, { epsilon: 0.05, seed: 1 }), rates, dpsRounds, 3);
  const thompsonExact = decisionsPerSecond(() => new ThompsonPolicy(arms, { seed: 1, priorAlpha: 1, priorBeta: 20, prune: false }), rates, 20_000, 3);
  process.stderr.write(`explore: decisions/s thompson ${dpsThompson.toFixed(0)} (unpruned ${thompsonExact.toFixed(0)}), ucb1 ${dpsUcb.toFixed(0)}, egreedy ${dpsEgreedy.toFixed(0)}\n`);

  const regretThompson = plain.thompson.regret;
  const regretUcb1 = plain.ucb1.regret;
  const regretEgreedy = plain[bestEgreedy].regret;
  const decisions = Math.min(dpsThompson, dpsUcb, dpsEgreedy);
  const result: Record<string, unknown> = {
    arms,
    rounds,
    seeds,
    regret_thompson: round1(regretThompson),
    regret_ucb1: round1(regretUcb1),
    regret_egreedy: round1(regretEgreedy),
    egreedy_best_epsilon: Number(bestEgreedy.split('_').pop()),
    regret_thompson_10k: round1(plain.thompson.regretAtCheckpoint),
    thompson_growth_10k_to_end: Math.round((regretThompson / plain.thompson.regretAtCheckpoint) * 100) / 100,
    regret_linucb: round1(ctx.linucb.regret),
    regret_linucb_noncontextual_best: round1(ctx[bestNonContextual].regret),
    linucb_noncontextual_best_policy: bestNonContextual,
    decisions_per_sec: Math.round(decisions),
    decisions_per_sec_thompson: Math.round(dpsThompson),
    decisions_per_sec_thompson_unpruned: Math.round(thompsonExact),
    decisions_per_sec_ucb1: Math.round(dpsUcb),
    decisions_per_sec_egreedy: Math.round(dpsEgreedy),
    // Variants reported for transparency (not the headline keys).
    regret_thompson_flat_prior: round1(plain.thompson_flat_prior.regret),
    regret_ucb1_best_c: round1(plain[bestUcb].regret),
    ucb1_best_c: bestUcb === 'ucb1' ? 1 : Number(bestUcb.replace('ucb1_c', '')),
    regret_egreedy_posterior: round1(plain[bestEgreedyPosterior].regret),
    regret_egreedy_decaying: round1(plain.egreedy_decaying.regret),
    regret_by_policy: Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, round1(v.regret)])),
    regret_contextual_by_policy: Object.fromEntries(Object.entries(ctx).map(([k, v]) => [k, round1(v.regret)])),
    target_thompson_lowest: regretThompson < regretUcb1 && regretThompson < regretEgreedy,
    target_thompson_growth_below_3x: regretThompson < 3 * plain.thompson.regretAtCheckpoint,
    target_linucb_beats_noncontextual: ctx.linucb.regret < ctx[bestNonContextual].regret,
    target_decisions_per_sec: decisions >= 1_000_000,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  return result;
}
