import type { Command } from 'commander';
import {
  BernoulliEnvironment,
  EpsilonGreedyPolicy,
  LinUcbPolicy,
  SegmentEnvironment,
  ThompsonPolicy,
  Ucb1Policy,
  simulateBandit,
  type BanditEnvironment,
  type BanditPolicy,
} from '@cascade/explore';
import { action, createProgress, parseNumber, parsePositiveInt, printSummary } from '../cli-kit.js';

const POLICIES = ['thompson', 'ucb1', 'egreedy', 'linucb'] as const;
type PolicyName = (typeof POLICIES)[number];

interface SimulateExploreOptions {
  policy: string;
  arms: number;
  rounds: number;
  seeds: number;
  epsilon: number;
  epsilonDecay?: number;
  ucbC: number;
  alpha: number;
  priorAlpha: number;
  priorBeta: number;
  contextual?: boolean;
  segments: number;
  driftInterval?: number;
  driftScale: number;
  decay?: number;
  decayEvery: number;
  json?: boolean;
}

function makePolicy(name: PolicyName, options: SimulateExploreOptions, seed: number): BanditPolicy {
  const prior = { priorAlpha: options.priorAlpha, priorBeta: options.priorBeta };
  switch (name) {
    case 'thompson':
      return new ThompsonPolicy(options.arms, { seed, ...prior });
    case 'ucb1':
      return new Ucb1Policy(options.arms, { explorationConstant: options.ucbC });
    case 'egreedy':
      return new EpsilonGreedyPolicy(options.arms, { epsilon: options.epsilon, decayConstant: options.epsilonDecay, seed });
    case 'linucb':
      return new LinUcbPolicy(options.arms, { dimension: options.segments, alpha: options.alpha });
  }
}

export function registerSimulateExploreCommand(program: Command): void {
  program
    .command('simulate-explore')
    .description('simulate exploration policies on Bernoulli arms (rates ~ Beta(1, 20)) and report their cumulative regret')
    .option('--policy <names>', `comma-separated policies: ${POLICIES.join(', ')} or all`, 'all')
    .option('--arms <n>', 'number of arms K', parsePositiveInt('--arms'), 100)
    .option('--rounds <n>', 'rounds per simulation', parsePositiveInt('--rounds'), 100_000)
    .option('--seeds <n>', 'simulations per policy (mean reported)', parsePositiveInt('--seeds'), 5)
    .option('--epsilon <x>', 'ε of ε-greedy', parseNumber('--epsilon'), 0.05)
    .option('--epsilon-decay <c>', 'decaying ε: ε_t = min(ε, c·K/t)', parseNumber('--epsilon-decay'))
    .option('--ucb-c <c>', 'UCB1 exploration constant', parseNumber('--ucb-c'), 1)
    .option('--alpha <a>', 'LinUCB confidence width α', parseNumber('--alpha'), 1)
    .option('--prior-alpha <a>', 'Thompson Beta prior α', parseNumber('--prior-alpha'), 1)
    .option('--prior-beta <b>', 'Thompson Beta prior β', parseNumber('--prior-beta'), 20)
    .option('--contextual', 'contextual arms: the click rate depends on the user segment')
    .option('--segments <n>', 'user segments (context dimension) of --contextual', parsePositiveInt('--segments'), 5)
    .option('--drift-interval <n>', 'drifting rates: a log-odds step every n rounds', parsePositiveInt('--drift-interval'))
    .option('--drift-scale <s>', 'standard deviation of a drift step', parseNumber('--drift-scale'), 0.5)
    .option('--decay <factor>', 'policies forget: counts × factor every --decay-every rounds', parseNumber('--decay'))
    .option('--decay-every <n>', 'rounds between decays', parsePositiveInt('--decay-every'), 100)
    .option('--json', 'print only the JSON summary')
    .action(
      action(async (options: SimulateExploreOptions) => {
        const requested = options.policy === 'all' ? [...POLICIES] : options.policy.split(',').map((p) => p.trim());
        for (const name of requested) {
          if (!(POLICIES as readonly string[]).includes(name)) throw new Error(`option --policy: unknown policy "${name}" (expected ${POLICIES.join(', ')} or all)`);
        }
        const names = requested.filter((n) => n !== 'linucb' || options.contextual) as PolicyName[];
        if (names.length === 0) throw new Error('option --policy: linucb needs --contextual');
        if (!(options.epsilon >= 0 && options.epsilon <= 1)) throw new Error(`option --epsilon must be in [0, 1], got ${options.epsilon}`);
        if (options.decay !== undefined && !(options.decay > 0 && options.decay <= 1)) throw new Error(`option --decay must be in (0, 1], got ${options.decay}`);
        const environment = (seed: number): BanditEnvironment =>
          options.contextual
            ? new SegmentEnvironment({ armCount: options.arms, segments: options.segments, seed: 2_000 + seed })
            : BernoulliEnvironment.withBetaRates(
                options.arms,
                1,
                20,
                1_000 + seed,
                options.driftInterval ? { interval: options.driftInterval, scale: options.driftScale, seed: 3_000 + seed } : undefined,
              );
        const checkpoint = Math.min(10_000, options.rounds);
        const progress = createProgress(options);
        progress.start(names.length * options.seeds, 'simulating');
        const policies: Record<string, { regret: number; regretAtCheckpoint: number; ctr: number; decisionsPerSecond: number }> = {};
        let done = 0;
        for (const name of names) {
          let regret = 0;
          let atCheckpoint = 0;
          let clicks = 0;
          let dps = 0;
          let label: string = name;
          for (let s = 0; s < options.seeds; s++) {
            const policy = makePolicy(name, options, 100 + s);
            label = policy.name;
            const result = simulateBandit(policy, environment(s), {
              rounds: options.rounds,
              seed: 7_000 + s,
              checkpoints: [checkpoint],
              decay: options.decay !== undefined ? { factor: options.decay, every: options.decayEvery } : undefined,
            });
            regret += result.regret / options.seeds;
            atCheckpoint += result.regretAt[0] / options.seeds;
            clicks += result.clicks / options.seeds;
            dps += result.decisionsPerSecond / options.seeds;
            progress.update(++done, `${name} seed ${s + 1}/${options.seeds}`);
          }
          policies[label] = {
            regret: Math.round(regret * 10) / 10,
            regretAtCheckpoint: Math.round(atCheckpoint * 10) / 10,
            ctr: Math.round((clicks / options.rounds) * 1e5) / 1e5,
            decisionsPerSecond: Math.round(dps),
          };
        }
        progress.stop();
        const best = Object.entries(policies).reduce((a, b) => (a[1].regret <= b[1].regret ? a : b))[0];
        if (!options.json) {
          for (const [name, p] of Object.entries(policies)) {
            process.stderr.write(`  ${name.padEnd(24)} regret ${p.regret} (at ${checkpoint}: ${p.regretAtCheckpoint}), CTR ${p.ctr}, ${p.decisionsPerSecond} decisions/s\n`);
          }
        }
        printSummary(
          {
            arms: options.arms,
            rounds: options.rounds,
            seeds: options.seeds,
            contextual: options.contextual === true,
            checkpoint,
            lowestRegret: best,
            policies,
          },
          options,
        );
      }),
    );
}
