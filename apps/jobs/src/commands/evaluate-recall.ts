// `cascade evaluate-recall`: offline evaluation of a recall model on a ratings file: split by protocol, train
// on the train part, top-k excluding seen items, Precision/Recall/NDCG/MAP@K, hit rate and coverage.
import type { Command } from 'commander';
import {
  EVALUATION_PROTOCOLS,
  evaluateOnRatings,
  RECALL_ALGORITHMS,
  readRatingsFile,
  type EvaluationProtocol,
  type FactorTrainingOptions,
  type RecallAlgorithm,
} from '@cascade/recall';
import { action, createProgress, parseNumber, parsePositiveInt, printSummary } from '../cli-kit.js';

interface EvaluateRecallOptions {
  ratings: string;
  algorithm: string;
  protocol: string;
  ratio: number;
  seed: number;
  k: number;
  factors?: number;
  regularization?: number;
  alpha?: number;
  iterations?: number;
  learningRate?: number;
  negatives?: number;
  json?: boolean;
}

export function registerEvaluateRecallCommand(program: Command): void {
  program
    .command('evaluate-recall')
    .description('evaluate ALS, BPR or popularity offline on a ratings file (stratified or leave-last-out split)')
    .requiredOption('--ratings <file>', 'ratings file: MovieLens u.data (tab), ratings.dat (::) or CSV user,item,rating,timestamp')
    .option('--algorithm <name>', `${[...RECALL_ALGORITHMS, 'popularity'].join(' | ')}, or "all"`, 'all')
    .option('--protocol <name>', `split: ${EVALUATION_PROTOCOLS.join(' | ')}`, 'stratified')
    .option('--ratio <x>', 'stratified: train share of each user’s rows', parseNumber('--ratio'), 0.75)
    .option('--seed <n>', 'split and training seed', parseNumber('--seed'), 42)
    .option('--k <n>', 'cut-off K', parsePositiveInt('--k'), 10)
    .option('--factors <n>', 'latent factors', parsePositiveInt('--factors'))
    .option('--regularization <x>', 'L2 regularisation', parseNumber('--regularization'))
    .option('--alpha <x>', 'ALS confidence: C = 1 + alpha × rating', parseNumber('--alpha'))
    .option('--iterations <n>', 'ALS sweeps / BPR epochs', parsePositiveInt('--iterations'))
    .option('--learning-rate <x>', 'BPR learning rate', parseNumber('--learning-rate'))
    .option('--negatives <n>', 'BPR negatives per positive', parsePositiveInt('--negatives'))
    .option('--json', 'print only the JSON summary')
    .action(
      action(async (options: EvaluateRecallOptions) => {
        const all = [...RECALL_ALGORITHMS, 'popularity'];
        if (options.algorithm !== 'all' && !all.includes(options.algorithm)) {
          throw new Error(`option --algorithm must be one of ${all.join(', ')}, all; got "${options.algorithm}"`);
        }
        if (!EVALUATION_PROTOCOLS.includes(options.protocol as EvaluationProtocol)) {
          throw new Error(`option --protocol must be one of ${EVALUATION_PROTOCOLS.join(', ')}, got "${options.protocol}"`);
        }
        if (!(options.ratio > 0 && options.ratio < 1)) throw new Error(`option --ratio must be in (0, 1), got ${options.ratio}`);
        const ratings = readRatingsFile(options.ratings);
        const algorithms = (options.algorithm === 'all' ? all : [options.algorithm]) as (RecallAlgorithm | 'popularity')[];
        const training: FactorTrainingOptions = Object.fromEntries(
          Object.entries({
            factors: options.factors,
            regularization: options.regularization,
            alpha: options.alpha,
            iterations: options.iterations,
            learningRate: options.learningRate,
            negatives: options.negatives,
            seed: options.seed,
          }).filter(([, v]) => v !== undefined),
        );
        const progress = createProgress(options);
        progress.start(algorithms.length, 'evaluating');
        const results: Record<string, unknown> = {};
        for (const [n, algorithm] of algorithms.entries()) {
          progress.update(n, `evaluating ${algorithm}`);
          const r = await evaluateOnRatings(ratings, {
            algorithm,
            protocol: options.protocol as EvaluationProtocol,
            ratio: options.ratio,
            seed: options.seed,
            k: options.k,
            training,
          });
          const round = (x: number): number => Math.round(x * 10000) / 10000;
          results[algorithm] = {
            [`precision_at_${options.k}`]: round(r.metrics.precision),
            [`recall_at_${options.k}`]: round(r.metrics.recall),
            [`ndcg_at_${options.k}`]: round(r.metrics.ndcg),
            [`map_at_${options.k}`]: round(r.metrics.map),
            hit_rate: round(r.metrics.hitRate),
            coverage: round(r.metrics.coverage),
            train_seconds: Math.round(r.trainSeconds * 100) / 100,
            users: r.metrics.users,
          };
          if (!options.json) process.stderr.write(`  ${algorithm}: ${JSON.stringify(results[algorithm])}\n`);
        }
        progress.update(algorithms.length);
        progress.stop();
        printSummary(
          { command: 'evaluate-recall', ratings: options.ratings, protocol: options.protocol, k: options.k, ratingsRows: ratings.length, results },
          options,
        );
      }),
    );
}
