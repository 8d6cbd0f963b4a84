// `cascade train-recall`: trains implicit ALS or BPR from the database's events or a ratings file and writes a
// versioned recall model folder (factors as Float32 files + model.json with id maps, hyperparameters, metrics).
import type { Command } from 'commander';
import { streamInteractions } from '@cascade/db';
import {
  DEFAULT_ALS_OPTIONS,
  DEFAULT_BPR_OPTIONS,
  DEFAULT_EVENT_WEIGHTS,
  INTERACTION_EVENT_TYPES,
  InteractionMatrixBuilder,
  RECALL_ALGORITHMS,
  readRatingsFile,
  saveRecallModel,
  trainFactorModel,
  type EventWeightTable,
  type InteractionEventType,
  type InteractionMatrix,
  type RecallAlgorithm,
} from '@cascade/recall';
import { action, createProgress, parseNumber, parsePositiveInt, printSummary } from '../cli-kit.js';
import { withDatabase, withDatabaseOptions, type DatabaseOptions } from './database-options.js';

interface TrainRecallOptions extends DatabaseOptions {
  algorithm: string;
  ratings?: string;
  fromDb?: boolean;
  types?: string;
  since?: string;
  eventWeights?: string;
  factors?: number;
  regularization?: number;
  alpha?: number;
  iterations?: number;
  cgSteps?: number;
  learningRate?: number;
  negatives?: number;
  seed: number;
  threads?: number;
  out: string;
  version?: string;
  json?: boolean;
}

function parseEventWeights(text: string | undefined): EventWeightTable {
  if (text === undefined) return DEFAULT_EVENT_WEIGHTS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`option --event-weights must be JSON like '{"click":{"weight":1},"rating":{"weight":0,"valueScale":1}}'`);
  }
  if (parsed === null || typeof parsed !== 'object') throw new Error('option --event-weights must be a JSON object');
  return parsed as EventWeightTable;
}

function parseTypes(text: string | undefined): InteractionEventType[] | undefined {
  if (text === undefined) return undefined;
  const types = text.split(',').map((t) => t.trim());
  for (const t of types) {
    if (!INTERACTION_EVENT_TYPES.includes(t as InteractionEventType)) {
      throw new Error(`option --types: unknown event type "${t}" (expected ${INTERACTION_EVENT_TYPES.join(', ')})`);
    }
  }
  return types as InteractionEventType[];
}

export function registerTrainRecallCommand(program: Command): void {
  withDatabaseOptions(
    program
      .command('train-recall')
      .description('train the recall model (implicit ALS or BPR) from the events in the database or a ratings file')
      .option('--algorithm <name>', `factorisation: ${RECALL_ALGORITHMS.join(' | ')}`, 'als')
      .option('--ratings <file>', 'ratings file: MovieLens u.data (tab), ratings.dat (::) or CSV user,item,rating,timestamp')
      .option('--from-db', 'train from the events in the database (streamed in chunks)')
      .option('--types <list>', 'with --from-db: event types to read, comma-separated (default: all)')
      .option('--since <date>', 'with --from-db: only events at or after this ISO date')
      .option('--event-weights <json>', 'event type → {weight, valueScale}: weight + valueScale × value per event')
      .option('--factors <n>', 'latent factors', parsePositiveInt('--factors'))
      .option('--regularization <x>', 'L2 regularisation', parseNumber('--regularization'))
      .option('--alpha <x>', 'ALS confidence: C = 1 + alpha × weight', parseNumber('--alpha'))
      .option('--iterations <n>', 'ALS sweeps / BPR epochs', parsePositiveInt('--iterations'))
      .option('--cg-steps <n>', 'ALS conjugate-gradient steps per row', parsePositiveInt('--cg-steps'))
      .option('--learning-rate <x>', 'BPR learning rate', parseNumber('--learning-rate'))
      .option('--negatives <n>', 'BPR negatives per positive', parsePositiveInt('--negatives'))
      .option('--seed <n>', 'random seed', parseNumber('--seed'), 42)
      .option('--threads <n>', 'ALS threads (default: 2 on large matrices)', parsePositiveInt('--threads'))
      .option('--out <dir>', 'folder that receives the versioned model folder', '.cascade/models/recall')
      .option('--version <name>', 'model version name (default: <algorithm>-<UTC timestamp>)')
      .option('--json', 'print only the JSON summary'),
  ).action(
    action(async (options: TrainRecallOptions) => {
      if (!RECALL_ALGORITHMS.includes(options.algorithm as RecallAlgorithm)) {
        throw new Error(`option --algorithm must be one of ${RECALL_ALGORITHMS.join(', ')}, got "${options.algorithm}"`);
      }
      const algorithm = options.algorithm as RecallAlgorithm;
      if (Boolean(options.ratings) === Boolean(options.fromDb)) throw new Error('give exactly one of --ratings <file> or --from-db');
      const eventWeights = parseEventWeights(options.eventWeights);
      const builder = new InteractionMatrixBuilder(eventWeights);
      const progress = createProgress(options);
      const started = performance.now();
      let source: Record<string, unknown>;
      let events = 0;
      if (options.ratings) {
        const ratings = readRatingsFile(options.ratings);
        builder.add(ratings);
        events = ratings.length;
        source = { kind: 'file', path: options.ratings };
      } else {
        const types = parseTypes(options.types);
        let since: Date | undefined;
        if (options.since !== undefined) {
          since = new Date(options.since);
          if (Number.isNaN(since.getTime())) throw new Error(`option --since must be an ISO date, got "${options.since}"`);
        }
        await withDatabase(options, async (db) => {
          for await (const chunk of streamInteractions(db.sql, { types, since })) {
            builder.add(chunk);
            events += chunk.length;
            if (!options.json) process.stderr.write(`\r  read ${events} events`);
          }
          if (!options.json) process.stderr.write('\n');
          source = { kind: 'database', database: db.kind, types: types ?? 'all', since: since?.toISOString() ?? null };
        });
      }
      const matrix: InteractionMatrix = builder.build();
      if (matrix.nnz === 0) throw new Error('no interactions with a non-zero weight to train on');
      const loadSeconds = (performance.now() - started) / 1000;
      const hyperparameters = {
        ...(algorithm === 'als' ? DEFAULT_ALS_OPTIONS : DEFAULT_BPR_OPTIONS),
        ...Object.fromEntries(
          Object.entries({
            factors: options.factors,
            regularization: options.regularization,
            alpha: algorithm === 'als' ? options.alpha : undefined,
            iterations: options.iterations,
            cgSteps: algorithm === 'als' ? options.cgSteps : undefined,
            learningRate: algorithm === 'bpr' ? options.learningRate : undefined,
            negatives: algorithm === 'bpr' ? options.negatives : undefined,
            threads: algorithm === 'als' ? options.threads : undefined,
          }).filter(([, v]) => v !== undefined),
        ),
        seed: options.seed,
      };
      progress.start(hyperparameters.iterations, `${algorithm} iterations`);
      const t0 = performance.now();
      const model = await trainFactorModel(matrix, algorithm, { ...hyperparameters, onIteration: (it) => progress.update(it) });
      progress.stop();
      const trainSeconds = (performance.now() - t0) / 1000;
      const version = options.version ?? `${algorithm}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const dir = saveRecallModel(options.out, model, {
        version,
        algorithm,
        userIds: Array.from(matrix.userIds),
        itemIds: Array.from(matrix.itemIds),
        hyperparameters: { ...hyperparameters, eventWeights },
        metrics: { trainSeconds, loadSeconds, events, nnz: matrix.nnz },
        source: source!,
      });
      printSummary(
        {
          command: 'train-recall',
          algorithm,
          version,
          modelDir: dir,
          users: model.users,
          items: model.items,
          nnz: matrix.nnz,
          events,
          loadSeconds: Math.round(loadSeconds * 100) / 100,
          trainSeconds: Math.round(trainSeconds * 100) / 100,
          hyperparameters,
        },
        options,
      );
    }),
  );
}
