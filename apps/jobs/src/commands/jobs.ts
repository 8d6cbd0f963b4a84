// `cascade jobs [list|show|cancel]`: the job rows every run writes (pipeline, training, import).
import type { Command } from 'commander';
import { getJob, JOB_STATUSES, listJobs, requestJobCancel, type JobRecord, type JobStatus } from '@cascade/pipeline';
import { action, parsePositiveInt, printSummary } from '../cli-kit.js';
import { withDatabase, withDatabaseOptions, type DatabaseOptions } from './database-options.js';

function jobLine(j: JobRecord): string {
  const took = j.startedAt && j.finishedAt ? ` in ${((j.finishedAt.getTime() - j.startedAt.getTime()) / 1000).toFixed(1)} s` : '';
  const state = j.status === 'running' ? `running ${(j.progress * 100).toFixed(0)}% ${j.message}` : `${j.status}${took}`;
  return `  #${j.id} ${j.kind.padEnd(13)} ${state}${j.error ? `: ${j.error}` : ''}  (created ${j.createdAt.toISOString()})\n`;
}

export function registerJobsCommand(program: Command): void {
  const jobs = program.command('jobs').description('list, show and cancel jobs (pipeline runs, training, imports)');
  withDatabaseOptions(
    jobs
      .command('list', { isDefault: true })
      .description('the latest jobs, newest first')
      .option('--kind <kind>', 'only this job kind (e.g. pipeline)')
      .option('--status <status>', `only this status (${JOB_STATUSES.join(', ')})`)
      .option('--limit <n>', 'how many', parsePositiveInt('--limit'), 20)
      .option('--json', 'print only the JSON summary'),
  ).action(
    action(async (options: DatabaseOptions & { kind?: string; status?: string; limit: number; json?: boolean }) => {
      if (options.status !== undefined && !JOB_STATUSES.includes(options.status as JobStatus)) {
        throw new Error(`--status: must be one of ${JOB_STATUSES.join(', ')}, got "${options.status}"`);
      }
      const { rows, total } = await withDatabase(options, (db) =>
        listJobs(db.sql, { kind: options.kind, status: options.status as JobStatus | undefined, limit: Math.min(options.limit, 1000) }),
      );
      if (!options.json) for (const j of rows) process.stderr.write(jobLine(j));
      printSummary({ total, jobs: rows }, { json: true });
    }),
  );
  withDatabaseOptions(
    jobs.command('show').description('one job with its log').argument('<id>', 'job id', parsePositiveInt('<id>')).option('--json', 'print only the JSON summary'),
  ).action(
    action(async (id: number, options: DatabaseOptions & { json?: boolean }) => {
      const job = await withDatabase(options, (db) => getJob(db.sql, id));
      if (!job) throw new Error(`<id>: no job ${id}`);
      if (!options.json) process.stderr.write(`${jobLine(job)}${job.log}`);
      printSummary({ job }, { json: true });
    }),
  );
  withDatabaseOptions(
    jobs
      .command('cancel')
      .description('ask a running job to stop (it ends as cancelled at its next check; nothing half-done is registered)')
      .argument('<id>', 'job id', parsePositiveInt('<id>'))
      .option('--json', 'print only the JSON summary'),
  ).action(
    action(async (id: number, options: DatabaseOptions & { json?: boolean }) => {
      const job = await withDatabase(options, (db) => requestJobCancel(db.sql, id));
      printSummary({ cancelRequested: job.id, kind: job.kind }, options);
    }),
  );
}
