// `cascade train-ranker`: trains LR / FM / DeepFM on ctr-tsv files and saves a versioned ranker artefact.
import type { Command } from 'commander';
import { CTR_MODEL_KINDS, trainRankerOnCtrTsv } from '@cascade/ranking';
import type { CtrModelKind } from '@cascade/ranking';
import { action, createProgress, parseNumber, parsePositiveInt, printSummary } from '../cli-kit.js';

interface TrainRankerOptions {
  model: string;
  train: string;
  test: string;
  epochs: number;
  batch: number;
  embedDim: number;
  hidden: string;
  dropout: number;
  lr: number;
  l2Emb: number;
  minCount: number;
  seed: number;
  patience?: number;
  restoreBest: boolean;
  out: string;
  save: boolean;
  version?: string;
  json?: boolean;
}

function parseHidden(value: string): number[] {
  if (value.trim() === '') return [];
  const sizes = value.split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => !Number.isInteger(s) || s <= 0)) throw new Error(`option --hidden must be comma-separated positive integers, got "${value}"`);
  return sizes;
}

export function registerTrainRankerCommand(program: Command): void {
  program
    .command('train-ranker')
    .description('train an LR, FM or DeepFM ranker on ctr-tsv files (header label<TAB>field…, | for multi-values) and save the artefact')
    .requiredOption('--train <file>', 'ctr-tsv training file (vocabularies are built from it)')
    .requiredOption('--test <file>', 'ctr-tsv test file, scored after every epoch (AUC, log loss)')
    .option('--model <kind>', `model: ${CTR_MODEL_KINDS.join(' | ')}`, 'deepfm')
    .option('--epochs <n>', 'training epochs', parsePositiveInt('--epochs'), 1)
    .option('--batch <n>', 'mini-batch size', parsePositiveInt('--batch'), 1024)
    .option('--embed-dim <n>', 'embedding size k', parsePositiveInt('--embed-dim'), 10)
    .option('--hidden <sizes>', 'DeepFM hidden layer sizes, comma-separated', '400,400,400')
    .option('--dropout <rate>', 'dropout after each hidden layer', parseNumber('--dropout'), 0)
    .option('--lr <rate>', 'Adam learning rate', parseNumber('--lr'), 0.001)
    .option('--l2-emb <l2>', 'L2 on the looked-up embedding rows (l2 × Σ squares / batch)', parseNumber('--l2-emb'), 0)
    .option('--min-count <n>', 'tokens seen fewer times in train map to the OOV index', parsePositiveInt('--min-count'), 1)
    .option('--seed <n>', 'random seed', parseNumber('--seed'), 42)
    .option('--patience <n>', 'early stopping: epochs without a better test AUC', parsePositiveInt('--patience'))
    .option('--no-restore-best', 'keep the last epoch weights instead of the best test-AUC epoch')
    .option('--out <dir>', 'folder that receives the versioned artefact folder', '.cascade/models/ranker')
    .option('--no-save', 'do not write an artefact')
    .option('--version <name>', 'artefact version name (default: <model>-<UTC timestamp>)')
    .option('--json', 'print only the JSON summary')
    .action(
      action(async (options: TrainRankerOptions) => {
        if (!CTR_MODEL_KINDS.includes(options.model as CtrModelKind)) {
          throw new Error(`option --model must be one of ${CTR_MODEL_KINDS.join(', ')}, got "${options.model}"`);
        }
        if (!Number.isInteger(options.seed)) throw new Error(`option --seed must be an integer, got "${options.seed}"`);
        if (!(options.dropout >= 0 && options.dropout < 1)) throw new Error(`option --dropout must be in [0, 1), got "${options.dropout}"`);
        if (!(options.lr > 0)) throw new Error(`option --lr must be > 0, got "${options.lr}"`);
        if (!(options.l2Emb >= 0)) throw new Error(`option --l2-emb must be >= 0, got "${options.l2Emb}"`);
        const hidden = parseHidden(options.hidden);
        const progress = createProgress(options);
        let started = false;
        const result = await trainRankerOnCtrTsv({
          train: options.train,
          test: options.test,
          model: options.model as CtrModelKind,
          hyperparameters: { embedDim: options.embedDim, hidden, dropout: options.dropout, learningRate: options.lr, l2Embedding: options.l2Emb, seed: options.seed },
          epochs: options.epochs,
          batchSize: options.batch,
          minCount: options.minCount,
          patience: options.patience,
          restoreBest: options.restoreBest,
          outDir: options.save ? options.out : undefined,
          version: options.version,
          onProgress: (done, total, epoch) => {
            if (!started) {
              progress.start(total, `epoch ${epoch}`);
              started = true;
            }
            progress.update(done, `epoch ${epoch}`);
          },
          onEpoch: (e) => {
            progress.stop();
            started = false;
            if (!options.json) {
              process.stderr.write(
                `epoch ${e.epoch}: loss ${e.trainLoss.toFixed(4)} test auc ${e.auc?.toFixed(4)} logloss ${e.logloss?.toFixed(4)} (${e.trainSeconds.toFixed(1)}s train)\n`,
              );
            }
          },
        });
        progress.stop();
        printSummary(
          {
            model: options.model,
            backend: result.backend,
            engine: result.engine,
            auc: result.auc,
            logloss: result.logloss,
            best_epoch: result.training.bestEpoch,
            epochs_run: result.training.epochs.length,
            stopped_early: result.training.stoppedEarly,
            train_rows: result.trainRows,
            test_rows: result.testRows,
            vocab_size: result.vocabularySize,
            params: result.parameters,
            load_seconds: Number(result.loadSeconds.toFixed(3)),
            train_seconds: Number(result.training.trainSeconds.toFixed(3)),
            train_samples_per_sec: Math.round(result.training.trainSamplesPerSec),
            predict_samples_per_sec: Math.round(result.predictSamplesPerSec),
            artifact: result.artifactDir,
            per_epoch: result.training.epochs,
          },
          options,
        );
        result.ranker.dispose();
      }),
    );
}
