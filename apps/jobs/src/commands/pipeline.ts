// `cascade pipeline`: snapshot → ALS → HNSW index → ranker → time-based holdout evaluation → registry → gated
// promotion, as one job row (progress, log, result) that the console shows. Servers pick promotions up by
// themselves (hot reload). With the embedded database, stop the server first (it owns the database) or start
// the pipeline from the console or the API, which run it inside the server.
import { Option, type Command } from 'commander';
import { failAbandonedJobs, GATE_METRICS, pipelineJobParamsSchema, pipelineJobWork, runJob, type PipelineJobParams, type PipelineResult } from '@cascade/pipeline';
import { action, createProgress, parseNumber, parsePositiveInt, printSummary } from '../cli-kit.js';
import { withDatabase, withDatabaseOptions } from './database-options.js';
import { resolveModelsDir, withModelsDirOption, type ModelsDirOptions } from './models-dir.js';

interface PipelineCommandOptions extends ModelsDirOptions {
  kinds: string;
  holdoutShare: number;
  recallMetric: string;
  recallMargin: number;
  rankerMetric: string;
  rankerMargin: number;
  promote: boolean;
  factors?: number;
  iterations?: number;
  evaluationUsers?: number;
  rankerModel?: string;
  epochs?: number;
  maxImpressions?: number;
  jobId?: number;
  params?: string;
  json?: boolean;
}

/** --params: a whole pipeline configuration as JSON (how a server hands a job to a pipeline process). */
function parseParamsJson(text: string): PipelineJobParams {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('--params: not valid JSON');
  }
  const { kinds, ...rest } = (value ?? {}) as Record<string, unknown>;
  const parsed = pipelineJobParamsSchema.safeParse(rest);
  if (!parsed.success) throw new Error(`--params: field "${parsed.error.issues[0].path.join('.')}": ${parsed.error.issues[0].message}`);
  return { ...parsed.data, kinds: parseKinds(Array.isArray(kinds) ? kinds.join(',') : 'recall,ranker') } as PipelineJobParams;
}

function parseKinds(value: string): ('recall' | 'ranker')[] {
  const kinds = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = kinds.filter((k) => k !== 'recall' && k !== 'ranker');
  if (kinds.length === 0 || bad.length > 0) throw new Error(`--kinds: expected a comma-separated list of recall, ranker; got "${value}"`);
  return kinds as ('recall' | 'ranker')[];
}

function checkMetric(option: string, kind: 'recall' | 'ranker', metric: string): string {
  if (!GATE_METRICS[kind].includes(metric)) throw new Error(`${option}: must be one of ${GATE_METRICS[kind].join(', ')}, got "${metric}"`);
  return metric;
}

export function registerPipelineCommand(program: Command): void {
  withModelsDirOption(
    withDatabaseOptions(
      program
        .command('pipeline')
        .description('retrain, evaluate on a time-based holdout, register, and promote each model only if it beats the active one')
        .option('--kinds <kinds>', 'model kinds to retrain: recall, ranker (comma-separated)', 'recall,ranker')
        .option('--holdout-share <share>', 'latest share of the events held out for the metrics', parseNumber('--holdout-share'), 0.1)
        .option('--recall-metric <metric>', `recall gate metric (${GATE_METRICS.recall.join(', ')})`, 'ndcg')
        .option('--recall-margin <delta>', 'least improvement over the active recall model that promotes', parseNumber('--recall-margin'), 0)
        .option('--ranker-metric <metric>', `ranker gate metric (${GATE_METRICS.ranker.join(', ')}; logloss: lower is better)`, 'auc')
        .option('--ranker-margin <delta>', 'least improvement over the active ranker that promotes', parseNumber('--ranker-margin'), 0)
        .option('--no-promote', 'register the new versions but promote none (a dry run of the gate)')
        .option('--factors <n>', 'ALS factors (default 32)', parsePositiveInt('--factors'))
        .option('--iterations <n>', 'ALS sweeps (default 10)', parsePositiveInt('--iterations'))
        .option('--evaluation-users <n>', 'holdout users sampled for the recall metrics (default 2000)', parsePositiveInt('--evaluation-users'))
        .option('--ranker-model <model>', 'ranker: deepfm, fm or lr (default deepfm)')
        .option('--epochs <n>', 'ranker epochs (default 2)', parsePositiveInt('--epochs'))
        .option('--max-impressions <n>', 'ranker training window: the latest N impressions (default 2,000,000)', parsePositiveInt('--max-impressions'))
        .option('--json', 'print only the JSON summary')
        .addOption(new Option('--job-id <id>', 'run under this existing job row (a server started this process)').argParser(parsePositiveInt('--job-id')).hideHelp())
        .addOption(new Option('--params <json>', 'the whole configuration as JSON (a server started this process)').hideHelp()),
    ),
  )
    .addHelpText(
      'after',
      '\nSafety: artefacts are written to temporary folders and renamed into place; a version is registered only when\nits artefacts and metrics are complete. A killed run leaves the active models serving and nothing half-registered;\nthe next run clears its leftovers. One pipeline per model kind runs at a time (a database lease: a crashed holder\nloses it within a minute, at once when its process is known dead).\nExit status: 0 when the run completed (whether or not it promoted), 1 when it failed or was cancelled.',
    )
    .action(
      action(async (options: PipelineCommandOptions) => {
        const kinds = parseKinds(options.kinds);
        if (options.rankerModel !== undefined && !['deepfm', 'fm', 'lr'].includes(options.rankerModel)) {
          throw new Error(`--ranker-model: must be one of deepfm, fm, lr; got "${options.rankerModel}"`);
        }
        const params: PipelineJobParams = options.params !== undefined ? parseParamsJson(options.params) : {
          kinds,
          holdoutShare: options.holdoutShare,
          promote: options.promote,
          gates: {
            recall: { metric: checkMetric('--recall-metric', 'recall', options.recallMetric), minImprovement: options.recallMargin },
            ranker: { metric: checkMetric('--ranker-metric', 'ranker', options.rankerMetric), minImprovement: options.rankerMargin },
          },
          recall: {
            als: { ...(options.factors ? { factors: options.factors } : {}), ...(options.iterations ? { iterations: options.iterations } : {}) },
            ...(options.evaluationUsers ? { evaluationUsers: options.evaluationUsers } : {}),
          },
          ranker: {
            ...(options.rankerModel ? { model: options.rankerModel as 'deepfm' | 'fm' | 'lr' } : {}),
            ...(options.epochs ? { epochs: options.epochs } : {}),
            ...(options.maxImpressions ? { maxImpressions: options.maxImpressions } : {}),
          },
        };
        const modelsDir = resolveModelsDir(options);
        const progress = createProgress(options);
        const job = await withDatabase(options, async (db) => {
          // Runs a killed process left `running` end as failed now (their leases are taken over as well).
          const abandoned = await failAbandonedJobs(db.sql);
          if (abandoned.length > 0 && !options.json) process.stderr.write(`cascade: marked interrupted jobs ${abandoned.join(', ')} as failed\n`);
          progress.start(100, 'pipeline');
          const finished = await runJob(db, 'pipeline', { ...params, trigger: 'cli' } as Record<string, unknown>, pipelineJobWork(db, modelsDir, params), {
            onCreated: (created) => {
              if (!options.json) process.stderr.write(`cascade: pipeline job ${created.id} (models in ${modelsDir})\n`);
            },
            onProgress: (fraction, message) => progress.update(Math.round(fraction * 100), message.slice(0, 40)),
            onLog: (line) => {
              if (!options.json && !process.stderr.isTTY) process.stderr.write(`cascade: ${line}\n`);
            },
            jobId: options.jobId,
          });
          progress.stop();
          return finished;
        });
        if (job.status !== 'succeeded') throw new Error(`pipeline job ${job.id} ${job.status}: ${job.error ?? 'no reason recorded'}`);
        const result = job.result as unknown as PipelineResult;
        // (without a terminal the log lines above already said it)
        if (!options.json && process.stderr.isTTY) for (const v of result.versions) process.stderr.write(`cascade: ${v.kind} v${v.version}: ${v.decision}\n`);
        const summary: Record<string, unknown> = { job: job.id, events: result.snapshot.events, seconds_total: Math.round(result.seconds * 10) / 10 };
        for (const s of result.stages) summary[`seconds_${s.name}`] = Math.round(s.seconds * 10) / 10;
        summary.versions = result.versions.map((v) => ({ kind: v.kind, id: v.id, version: v.version, promoted: v.promoted, decision: v.decision }));
        printSummary(summary, options);
      }),
    );
}
