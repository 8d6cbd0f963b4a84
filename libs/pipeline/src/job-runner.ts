// Runs batch work as a job row: progress and log lines are written to `jobs` (throttled), the cancel flag is
// polled into a synchronous check, and the row ends as succeeded, failed or cancelled. `runJob` is what the CLI
// uses for one job; `JobRunner` is the server's: it starts jobs in the background on demand (console, API) or
// on a schedule, refusing a second pipeline of a kind that is running.
import { z } from 'zod';
import type { CascadeDatabase } from '@cascade/db';
import { importDataset, findImportFormat } from '@cascade/db';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendJobLog, claimJob, createJob, failAbandonedJobs, finishJob, getJob, requestJobCancel, updateJobProgress, type JobRecord } from './job-store.js';
import { acquireJobLock } from './job-lock.js';
import type { ModelKind } from './model-registry.js';
import { CancelledError } from './recall-candidate.js';
import { runPipeline, type PipelineOptions, type PipelineResult } from './run-pipeline.js';

export interface JobContext {
  jobId: number;
  /** True once a cancel was requested (polled from the row about every second). */
  cancelled(): boolean;
  progress(fraction: number, message: string): void;
  log(line: string): void;
}

export interface RunJobOptions {
  /** Called for each log line too (the CLI prints them). */
  onLog?: (line: string) => void;
  onProgress?: (fraction: number, message: string) => void;
  /** Called with the job row as soon as it exists. */
  onCreated?: (job: JobRecord) => void;
  pollMs?: number;
  /** Run under this existing `running` row (created by the server that started this process) instead of a new one. */
  jobId?: number;
}

/**
 * Creates a job row and runs `work` under it. Resolves with the finished row (never rejects for a failure of the
 * work itself: the row says failed and why); rejects only when the job row cannot be written.
 */
export async function runJob(
  db: CascadeDatabase,
  kind: string,
  params: Record<string, unknown>,
  work: (ctx: JobContext) => Promise<Record<string, unknown>>,
  options: RunJobOptions = {},
): Promise<JobRecord> {
  const job = options.jobId === undefined ? await createJob(db.sql, kind, params) : await claimJob(db.sql, options.jobId);
  options.onCreated?.(job);
  return superviseJob(db, job, work, options);
}

async function superviseJob(
  db: CascadeDatabase,
  job: JobRecord,
  work: (ctx: JobContext) => Promise<Record<string, unknown>>,
  options: RunJobOptions,
): Promise<JobRecord> {
  // A job cancelled before its process took it over stops at its first check.
  let cancelRequested = job.cancelRequested;
  let lastFraction = 0;
  let pending: { fraction: number; message: string } | null = null;
  let writes: Promise<unknown> = Promise.resolve();
  const queue = (fn: () => Promise<unknown>) => {
    writes = writes.then(fn).catch(() => undefined);
  };
  // One timer writes the latest progress and reads the cancel flag (also the heartbeat).
  const timer = setInterval(() => {
    const p = pending;
    pending = null;
    queue(async () => {
      const cancel = await updateJobProgress(db.sql, job.id, p?.fraction ?? lastFraction, p?.message).catch(() => false);
      if (cancel) cancelRequested = true;
    });
  }, options.pollMs ?? 1000);
  timer.unref();
  const ctx: JobContext = {
    jobId: job.id,
    cancelled: () => cancelRequested,
    progress: (fraction, message) => {
      lastFraction = Math.max(lastFraction, fraction);
      pending = { fraction: lastFraction, message };
      options.onProgress?.(lastFraction, message);
    },
    log: (line) => {
      options.onLog?.(line);
      queue(() => appendJobLog(db.sql, job.id, line));
    },
  };
  let outcome: Parameters<typeof finishJob>[2];
  try {
    const result = await work(ctx);
    outcome = { status: 'succeeded', result };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    outcome = error instanceof CancelledError || cancelRequested ? { status: 'cancelled', error: message } : { status: 'failed', error: message };
    ctx.log(`${outcome.status}: ${message}`);
  } finally {
    clearInterval(timer);
  }
  await writes;
  const last = pending as { message: string } | null;
  if (last) await updateJobProgress(db.sql, job.id, lastFraction, last.message).catch(() => undefined);
  return (await finishJob(db.sql, job.id, outcome)) ?? (await getJob(db.sql, job.id)) ?? job;
}

export type PipelineJobParams = Omit<PipelineOptions, 'modelsDir' | 'jobId' | 'onProgress' | 'onLog' | 'shouldStop' | 'cooperative'>;

/** The pipeline as a job: the same run `cascade pipeline` and the server's scheduler start. */
export function pipelineJobWork(
  db: CascadeDatabase,
  modelsDir: string,
  params: PipelineJobParams,
  options: { cooperative?: boolean } = {},
): (ctx: JobContext) => Promise<Record<string, unknown>> {
  return async (ctx) => {
    const result: PipelineResult = await runPipeline(db, {
      ...params,
      cooperative: options.cooperative,
      modelsDir,
      jobId: ctx.jobId,
      onProgress: (p) => ctx.progress(p.progress, `${p.stage}: ${p.message}`),
      onLog: (line) => ctx.log(line),
      shouldStop: () => ctx.cancelled(),
    });
    return { ...result } as unknown as Record<string, unknown>;
  };
}

const gateSchema = z.object({ metric: z.string(), minImprovement: z.number().min(0) }).strict();

/** What a pipeline job may be given (from the console, the API or the schedule). */
export const pipelineJobParamsSchema = z
  .object({
    holdoutShare: z.number().gt(0).lt(1).optional(),
    promote: z.boolean().optional(),
    gates: z.object({ recall: gateSchema.optional(), ranker: gateSchema.optional() }).strict().optional(),
    recall: z
      .object({
        als: z
          .object({ factors: z.number().int().min(1).max(512).optional(), iterations: z.number().int().min(1).max(100).optional(), regularization: z.number().min(0).optional(), alpha: z.number().min(0).optional() })
          .strict()
          .optional(),
        k: z.number().int().min(1).max(1000).optional(),
        evaluationUsers: z.number().int().min(1).optional(),
      })
      .strict()
      .optional(),
    ranker: z
      .object({
        model: z.enum(['lr', 'fm', 'deepfm']).optional(),
        epochs: z.number().int().min(1).max(100).optional(),
        batchSize: z.number().int().min(1).max(65536).optional(),
        maxImpressions: z.number().int().min(1).optional(),
      })
      .strict()
      .optional(),
    /** Who started it: console, api, schedule, cli (informational). */
    trigger: z.string().max(50).optional(),
  })
  .strict();

function parsePipelineParams(params: Record<string, unknown>): PipelineJobParams {
  const parsed = pipelineJobParamsSchema.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`params.${issue.path.join('.') || '(params)'}: ${issue.message}`);
  }
  const { trigger: _trigger, ...rest } = parsed.data;
  return rest as PipelineJobParams;
}

export const JOB_KINDS = ['pipeline', 'train-recall', 'train-ranker', 'import'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface JobRunnerOptions {
  modelsDir: string;
  /**
   * With PostgreSQL, run pipeline jobs in their own process: `command ...args pipeline --job-id <id> --params <json>`
   * (the cascade CLI). Training then never competes with request handling for this process's event loop, and a
   * crash of the job cannot take the server down. The embedded database has one process: jobs run in it.
   */
  pipelineProcess?: { command: string; args: string[]; env?: NodeJS.ProcessEnv };
  /** Defaults for every pipeline run (gates, hyperparameters); a job's params override them. */
  pipelineDefaults?: PipelineJobParams;
  onLog?: (jobId: number, line: string) => void;
  /** Called when a job ends (e.g. to reload models after a promotion). */
  onFinished?: (job: JobRecord) => void;
}

const PIPELINE_KINDS: Record<string, ModelKind[]> = { pipeline: ['recall', 'ranker'], 'train-recall': ['recall'], 'train-ranker': ['ranker'] };

/** The server's job runner: background jobs in this process, at most one pipeline per model kind. */
export class JobRunner {
  private readonly running = new Map<number, Promise<JobRecord>>();
  private readonly children = new Map<number, ChildProcess>();
  private closed = false;

  constructor(
    private readonly db: CascadeDatabase,
    private readonly options: JobRunnerOptions,
  ) {
    if (!options || typeof options.modelsDir !== 'string' || options.modelsDir === '') throw new Error('modelsDir: a folder path is required');
  }

  /** Fails the jobs left `running` by a process that died (call at start-up). */
  recoverAbandoned(): Promise<number[]> {
    return failAbandonedJobs(this.db.sql);
  }

  /**
   * Starts a job in the background and returns its row at once. A pipeline whose model kind is already being
   * trained is refused with the lock's message (naming the running job).
   */
  async start(kind: JobKind, params: Record<string, unknown> = {}): Promise<JobRecord> {
    if (this.closed) throw new Error('the job runner is shutting down');
    if (!(JOB_KINDS as readonly string[]).includes(kind)) throw new Error(`kind: must be one of ${JOB_KINDS.join(', ')}, got "${String(kind)}"`);
    let work: (ctx: JobContext) => Promise<Record<string, unknown>>;
    if (kind === 'import') {
      const format = params.format;
      const source = params.path;
      if (typeof format !== 'string') throw new Error('params.format: the import format is required');
      findImportFormat(format); // throws naming the known formats
      if (typeof source !== 'string' || source === '') throw new Error('params.path: the file or folder to import is required');
      work = async (ctx) => {
        ctx.log(`importing ${format} from ${source}`);
        const summary = await importDataset(this.db, format, source, {
          onProgress: (p) => ctx.progress(p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0, `import ${format}: ${p.file}`),
        });
        ctx.log(`imported: ${JSON.stringify(summary)}`);
        return { ...summary };
      };
    } else {
      const kinds = PIPELINE_KINDS[kind];
      // Take the locks' measure now so a refusal reaches the caller instead of a failed row.
      for (const k of kinds) {
        const probe = await acquireJobLock(this.db.sql, `pipeline:${k}`, { ttlMs: 5_000 });
        await probe.release();
      }
      const merged: PipelineJobParams = { ...this.options.pipelineDefaults, ...parsePipelineParams(params), kinds };
      if (this.options.pipelineProcess && this.db.kind === 'postgres') return this.startProcess(kind, params, merged);
      // In the server's own process: train cooperatively so requests keep being served.
      work = pipelineJobWork(this.db, this.options.modelsDir, merged, { cooperative: true });
    }
    const job = await createJob(this.db.sql, kind, params);
    this.track(job.id, runJob(this.db, kind, params, work, { jobId: job.id, onLog: (line) => this.options.onLog?.(job.id, line) }));
    return job;
  }

  /** Keeps a started job's completion until it ends (wait, close), then reports it. */
  private track(id: number, done: Promise<JobRecord>, onSettled?: () => void): void {
    const tracked = done.finally(() => {
      this.running.delete(id);
      onSettled?.();
    });
    this.running.set(id, tracked);
    void tracked.then((finished) => this.options.onFinished?.(finished)).catch(() => undefined);
  }

  /** A pipeline job in a child process that adopts the row; its exit without an outcome fails the row. */
  private async startProcess(kind: JobKind, params: Record<string, unknown>, merged: PipelineJobParams): Promise<JobRecord> {
    const spec = this.options.pipelineProcess!;
    const job = await createJob(this.db.sql, kind, params);
    const child: ChildProcess = spawn(spec.command, [...spec.args, 'pipeline', '--job-id', String(job.id), '--params', JSON.stringify(merged), '--models-dir', this.options.modelsDir], {
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
      for (const line of chunk.toString().split('\n')) if (line.trim()) this.options.onLog?.(job.id, line.replace(/^cascade: /, ''));
    });
    const done = new Promise<JobRecord>((resolve) => {
      child.once('exit', (code, signal) => {
        void (async () => {
          const reason = signal ? `signal ${signal}` : `exit code ${code}`;
          const lastError = /cascade: error: (.*)/.exec(stderr)?.[1];
          const ended = await finishJob(this.db.sql, job.id, { status: 'failed', error: `the pipeline process ended (${reason}) without finishing the job${lastError ? `: ${lastError}` : ''}` }).catch(() => null);
          resolve(ended ?? (await getJob(this.db.sql, job.id)) ?? job);
        })();
      });
    });
    this.children.set(job.id, child);
    this.track(job.id, done, () => this.children.delete(job.id));
    return job;
  }

  /** Asks a job to stop (it ends as cancelled at its next check). */
  cancel(id: number): Promise<JobRecord> {
    return requestJobCancel(this.db.sql, id);
  }

  /** Ids of the jobs running in this process. */
  runningJobs(): number[] {
    return [...this.running.keys()];
  }

  /** Waits for a job started here to finish. */
  async wait(id: number): Promise<JobRecord | null> {
    return (await this.running.get(id)) ?? getJob(this.db.sql, id);
  }

  /** Cancels the running jobs and waits for them to stop. */
  async close(): Promise<void> {
    this.closed = true;
    const ids = this.runningJobs();
    await Promise.all(ids.map((id) => requestJobCancel(this.db.sql, id).catch(() => undefined)));
    // Child processes get a grace period to stop at their next check, then are killed (nothing half-done is registered).
    const kill = setTimeout(() => {
      for (const child of this.children.values()) child.kill('SIGKILL');
    }, 30_000);
    kill.unref();
    await Promise.all(ids.map((id) => this.running.get(id)?.catch(() => undefined)));
    clearTimeout(kill);
  }
}
