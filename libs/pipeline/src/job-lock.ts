// A database lease that lets one holder at a time run a named piece of work (one pipeline per model kind).
// The holder renews it while it works; a crashed holder cannot keep it: the lease expires after `ttlMs`, and a
// holder on this host whose process is gone is taken over at once.
import type { SqlClient } from '@cascade/db';
import { currentWorker, isWorkerDead } from './job-store.js';

export class JobLockHeldError extends Error {
  constructor(
    readonly lockName: string,
    readonly holder: string,
    readonly jobId: number | null,
    readonly expiresAt: Date,
  ) {
    super(
      `${lockName} is already running${jobId === null ? '' : ` as job ${jobId}`} (held by ${holder} until ${expiresAt.toISOString()} unless renewed); ` +
        'wait for it to finish or cancel it (cascade jobs cancel <id>)',
    );
    this.name = 'JobLockHeldError';
  }
}

export interface JobLease {
  readonly name: string;
  readonly holder: string;
  /** Extends the lease (called on a timer while held); false when it was lost to another holder. */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

interface LockRow {
  holder: string;
  job_id: number | null;
  expires_at: Date | string;
}

/**
 * Takes the lease `name` for `ttlMs`, renewing it every ttl/3 until released. Throws JobLockHeldError naming the
 * current holder when someone alive holds it.
 */
export async function acquireJobLock(sql: SqlClient, name: string, options: { jobId?: number | null; ttlMs?: number } = {}): Promise<JobLease> {
  if (typeof name !== 'string' || name === '') throw new Error('name: a lock name is required');
  const ttlMs = options.ttlMs ?? 60_000;
  if (!Number.isFinite(ttlMs) || ttlMs < 100) throw new Error(`ttlMs: must be at least 100, got ${ttlMs}`);
  const holder = `${currentWorker()}#${Math.random().toString(36).slice(2, 8)}`;
  const take = async (): Promise<LockRow[]> =>
    sql.query<LockRow>(
      `INSERT INTO job_locks (name, job_id, holder, acquired_at, expires_at)
       VALUES ($1, $2, $3, now(), now() + ($4::float8 * interval '1 millisecond'))
       ON CONFLICT (name) DO UPDATE SET job_id = EXCLUDED.job_id, holder = EXCLUDED.holder, acquired_at = now(), expires_at = EXCLUDED.expires_at
        WHERE job_locks.expires_at < now()
       RETURNING holder, job_id, expires_at`,
      [name, options.jobId ?? null, holder, ttlMs],
    );
  let rows = await take();
  if (rows.length === 0) {
    const current = (await sql.query<LockRow>('SELECT holder, job_id, expires_at FROM job_locks WHERE name = $1', [name]))[0];
    if (current && isWorkerDead(current.holder.split('#')[0])) {
      // The holder's process is gone: expire its lease now rather than after the TTL.
      await sql.execute('UPDATE job_locks SET expires_at = now() - interval \'1 second\' WHERE name = $1 AND holder = $2', [name, current.holder]);
      rows = await take();
    }
    if (rows.length === 0) {
      const now = (await sql.query<LockRow>('SELECT holder, job_id, expires_at FROM job_locks WHERE name = $1', [name]))[0] ?? current;
      throw new JobLockHeldError(name, now?.holder ?? 'unknown', now?.job_id == null ? null : Number(now.job_id), new Date(now?.expires_at ?? Date.now()));
    }
  }
  let released = false;
  const renew = async (): Promise<boolean> => {
    if (released) return false;
    const n = await sql.execute(`UPDATE job_locks SET expires_at = now() + ($3::float8 * interval '1 millisecond') WHERE name = $1 AND holder = $2`, [
      name,
      holder,
      ttlMs,
    ]);
    return n > 0;
  };
  const timer = setInterval(() => void renew().catch(() => undefined), Math.max(50, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    name,
    holder,
    renew,
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      await sql.execute('DELETE FROM job_locks WHERE name = $1 AND holder = $2', [name, holder]);
    },
  };
}
