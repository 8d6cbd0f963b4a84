// Jobs are rows: every batch run (pipeline, training, import) has a `jobs` row with status, progress, a log,
// its metrics, a cancel flag and a heartbeat. The runner process writes them; the console reads them.
import os from 'node:os';
import type { SqlClient } from '@cascade/db';
import { jsonObject } from './json-column.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

export interface JobRecord {
  id: number;
  kind: string;
  status: JobStatus;
  /** 0 … 1. */
  progress: number;
  message: string;
  log: string;
  params: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: string | null;
  cancelRequested: boolean;
  worker: string | null;
  heartbeatAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

interface JobRow {
  id: number;
  kind: string;
  status: JobStatus;
  progress: number;
  message: string;
  log: string;
  params: unknown;
  result: unknown;
  error: string | null;
  cancel_requested: boolean;
  worker: string | null;
  heartbeat_at: Date | string | null;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

const COLUMNS =
  'id, kind, status::text AS status, progress, message, log, params, result, error, cancel_requested, worker, heartbeat_at, created_at, started_at, finished_at';

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

function toRecord(r: JobRow): JobRecord {
  return {
    id: Number(r.id),
    kind: r.kind,
    status: r.status,
    progress: Number(r.progress),
    message: r.message,
    log: r.log,
    params: jsonObject(r.params) ?? {},
    result: jsonObject(r.result),
    error: r.error,
    cancelRequested: r.cancel_requested,
    worker: r.worker,
    heartbeatAt: date(r.heartbeat_at),
    createdAt: new Date(r.created_at),
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
  };
}

function checkId(id: unknown): number {
  if (!Number.isInteger(id) || (id as number) < 1) throw new Error(`id: must be a positive integer, got ${String(id)}`);
  return id as number;
}

/** This process as a job worker: `host:pid`. */
export function currentWorker(): string {
  return `${os.hostname()}:${process.pid}`;
}

/** A new job row, already `running` in this process (jobs here start as soon as they are created). */
export async function createJob(sql: SqlClient, kind: string, params: Record<string, unknown> = {}): Promise<JobRecord> {
  if (typeof kind !== 'string' || !/^[a-z][a-z0-9-]{0,63}$/.test(kind)) throw new Error(`kind: must be a lower-case job name, got "${String(kind)}"`);
  const rows = await sql.query<JobRow>(
    `INSERT INTO jobs (kind, status, params, worker, started_at, heartbeat_at) VALUES ($1, 'running', $2::jsonb, $3, now(), now()) RETURNING ${COLUMNS}`,
    [kind, JSON.stringify(params), currentWorker()],
  );
  return toRecord(rows[0]);
}

/** Takes over a running job row created by another process (the server that spawned this worker). */
export async function claimJob(sql: SqlClient, id: number): Promise<JobRecord> {
  const rows = await sql.query<JobRow>(`UPDATE jobs SET worker = $2, heartbeat_at = now() WHERE id = $1 AND status = 'running' RETURNING ${COLUMNS}`, [
    checkId(id),
    currentWorker(),
  ]);
  if (!rows[0]) throw new Error(`--job-id: job ${id} does not exist or is not running`);
  return toRecord(rows[0]);
}

export async function getJob(sql: SqlClient, id: number): Promise<JobRecord | null> {
  const rows = await sql.query<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [checkId(id)]);
  return rows[0] ? toRecord(rows[0]) : null;
}

export interface ListJobsOptions {
  kind?: string;
  status?: JobStatus;
  limit?: number;
  offset?: number;
}

/** Jobs newest first (without their logs: `getJob` has it), with the total for pagination. */
export async function listJobs(sql: SqlClient, options: ListJobsOptions = {}): Promise<{ rows: JobRecord[]; total: number }> {
  const limit = options.limit ?? 50;
  const offset = options.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error(`limit: must be an integer in [1, 1000], got ${limit}`);
  if (!Number.isInteger(offset) || offset < 0) throw new Error(`offset: must be a non-negative integer, got ${offset}`);
  if (options.status !== undefined && !JOB_STATUSES.includes(options.status)) throw new Error(`status: must be one of ${JOB_STATUSES.join(', ')}`);
  const where = `($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR status::text = $2)`;
  const params = [options.kind ?? null, options.status ?? null];
  const rows = await sql.query<JobRow>(
    `SELECT ${COLUMNS.replace(' log,', " '' AS log,")} FROM jobs WHERE ${where} ORDER BY id DESC LIMIT $3 OFFSET $4`,
    [...params, limit, offset],
  );
  const total = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE ${where}`, params);
  return { rows: rows.map(toRecord), total: Number(total[0]?.n ?? 0) };
}

/** Progress (0…1) and a one-line message; also the heartbeat. Returns whether a cancel was requested. */
export async function updateJobProgress(sql: SqlClient, id: number, progress: number, message?: string): Promise<boolean> {
  const p = Math.min(1, Math.max(0, Number.isFinite(progress) ? progress : 0));
  const rows = await sql.query<{ cancel_requested: boolean }>(
    `UPDATE jobs SET progress = $2, message = coalesce($3, message), heartbeat_at = now() WHERE id = $1 RETURNING cancel_requested`,
    [checkId(id), p, message ?? null],
  );
  return rows[0]?.cancel_requested === true;
}

/** Appends timestamped lines to the job's log (the log keeps its last 256 KiB). */
export async function appendJobLog(sql: SqlClient, id: number, line: string): Promise<void> {
  const text = `${new Date().toISOString()} ${line.replace(/\s+$/, '')}\n`;
  await sql.execute(`UPDATE jobs SET log = right(log || $2, 262144), heartbeat_at = now() WHERE id = $1`, [checkId(id), text]);
}

/** Ends a running job; a job that already ended keeps its first outcome. */
export async function finishJob(
  sql: SqlClient,
  id: number,
  outcome: { status: 'succeeded'; result?: Record<string, unknown> } | { status: 'failed' | 'cancelled'; error: string; result?: Record<string, unknown> },
): Promise<JobRecord | null> {
  const rows = await sql.query<JobRow>(
    `UPDATE jobs SET status = $2::"JobStatus", result = $3::jsonb, error = $4, finished_at = now(),
            progress = CASE WHEN $2 = 'succeeded' THEN 1 ELSE progress END
      WHERE id = $1 AND status IN ('queued', 'running') RETURNING ${COLUMNS}`,
    [checkId(id), outcome.status, outcome.result === undefined ? null : JSON.stringify(outcome.result), 'error' in outcome ? outcome.error : null],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Asks a running job to stop; it ends as `cancelled` at its next check. */
export async function requestJobCancel(sql: SqlClient, id: number): Promise<JobRecord> {
  const job = await getJob(sql, checkId(id));
  if (!job) throw new Error(`id: no job ${id}`);
  if (job.status !== 'running' && job.status !== 'queued') throw new Error(`id: job ${id} is ${job.status}; only a queued or running job can be cancelled`);
  await sql.execute('UPDATE jobs SET cancel_requested = true WHERE id = $1', [id]);
  return { ...job, cancelRequested: true };
}

/** Whether the process `host:pid` is known dead (only decidable on this host). */
export function isWorkerDead(worker: string | null): boolean {
  if (!worker) return false;
  const cut = worker.lastIndexOf(':');
  const host = worker.slice(0, cut);
  const pid = Number(worker.slice(cut + 1));
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Fails the running jobs whose worker died (its process is gone on this host) or fell silent for longer than
 * `staleAfterMs`: a crashed run must not show as running for ever. Returns the ids it failed.
 */
export async function failAbandonedJobs(sql: SqlClient, staleAfterMs = 10 * 60_000): Promise<number[]> {
  const rows = await sql.query<{ id: number; worker: string | null; stale: boolean }>(
    `SELECT id, worker, (heartbeat_at IS NULL OR heartbeat_at < now() - ($1::float8 * interval '1 millisecond')) AS stale
       FROM jobs WHERE status IN ('queued', 'running')`,
    [staleAfterMs],
  );
  const failed: number[] = [];
  for (const r of rows) {
    if (!(r.stale || isWorkerDead(r.worker))) continue;
    const reason = r.stale ? `no heartbeat for ${Math.round(staleAfterMs / 1000)} s` : `its process ${r.worker} died`;
    const done = await finishJob(sql, Number(r.id), { status: 'failed', error: `interrupted: ${reason}` });
    if (done) failed.push(done.id);
  }
  return failed;
}
