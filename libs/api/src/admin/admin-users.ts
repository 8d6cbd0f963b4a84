// The console's users (table admin_users): created with a role, listed, re-roled and disabled, never deleted.
// The last active admin can be neither demoted nor disabled, so the console can never lock everyone out.
import { randomBytes } from 'node:crypto';
import type { SqlClient, SqlDriver } from '@cascade/db';
import { checkNewPassword, hashPassword } from './password.js';

export const ADMIN_ROLES = ['admin', 'viewer'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export interface AdminUserRecord {
  id: number;
  email: string;
  role: AdminRole;
  createdAt: Date;
  disabledAt: Date | null;
  /** The latest use of any of the user's sessions. */
  lastSeenAt: Date | null;
}

interface AdminUserRow {
  id: number;
  email: string;
  role: AdminRole;
  created_at: Date | string;
  disabled_at: Date | string | null;
  last_seen_at?: Date | string | null;
}

const toDate = (v: Date | string | null | undefined) => (v === null || v === undefined ? null : new Date(v));

function toRecord(r: AdminUserRow): AdminUserRecord {
  return { id: Number(r.id), email: r.email, role: r.role, createdAt: new Date(r.created_at), disabledAt: toDate(r.disabled_at), lastSeenAt: toDate(r.last_seen_at) };
}

/** Emails are compared case-insensitively: stored trimmed and lower-cased. */
export function normaliseEmail(email: unknown): string {
  if (typeof email !== 'string') throw new Error('email: must be a string');
  const e = email.trim().toLowerCase();
  if (e.length === 0 || e.length > 320 || !/^[^\s@]+@[^\s@]+$/.test(e)) throw new Error(`email: "${email}" is not an email address`);
  return e;
}

function checkRole(role: unknown): asserts role is AdminRole {
  if (!(ADMIN_ROLES as readonly unknown[]).includes(role)) throw new Error(`role: must be "admin" or "viewer", got "${String(role)}"`);
}

function checkId(id: unknown): asserts id is number {
  if (!Number.isInteger(id) || (id as number) <= 0) throw new Error(`id: must be a positive integer, got ${String(id)}`);
}

export async function createAdminUser(sql: SqlClient, input: { email: string; password: string; role: AdminRole }): Promise<AdminUserRecord> {
  const email = normaliseEmail(input?.email);
  checkNewPassword(input.password);
  checkRole(input.role);
  const hash = await hashPassword(input.password);
  const rows = await sql.query<AdminUserRow>(
    `INSERT INTO admin_users (email, password_hash, role) VALUES ($1, $2, $3::"AdminRole")
     ON CONFLICT (email) DO NOTHING RETURNING id, email, role, created_at, disabled_at`,
    [email, hash, input.role],
  );
  if (rows.length === 0) throw new Error(`email: an admin user "${email}" already exists`);
  return toRecord(rows[0]);
}

/** The user and its password hash, for signing in (disabled users included: the caller refuses them). */
export async function findAdminUserByEmail(sql: SqlClient, email: string): Promise<(AdminUserRecord & { passwordHash: string }) | null> {
  let normalised: string;
  try {
    normalised = normaliseEmail(email);
  } catch {
    return null;
  }
  const rows = await sql.query<AdminUserRow & { password_hash: string }>(
    'SELECT id, email, role, created_at, disabled_at, password_hash FROM admin_users WHERE email = $1',
    [normalised],
  );
  return rows.length === 0 ? null : { ...toRecord(rows[0]), passwordHash: rows[0].password_hash };
}

export async function listAdminUsers(sql: SqlClient): Promise<AdminUserRecord[]> {
  const rows = await sql.query<AdminUserRow>(
    `SELECT u.id, u.email, u.role, u.created_at, u.disabled_at, (SELECT max(s.last_seen_at) FROM admin_sessions s WHERE s.user_id = u.id) AS last_seen_at
       FROM admin_users u ORDER BY u.id`,
  );
  return rows.map(toRecord);
}

/**
 * Changes a user's role inside a transaction that locks the admin rows, so two concurrent demotions cannot
 * both pass the last-admin check.
 */
export async function setAdminUserRole(sql: SqlDriver, id: number, role: AdminRole): Promise<AdminUserRecord> {
  checkId(id);
  checkRole(role);
  return sql.transaction(async (tx) => {
    const admins = await tx.query<{ id: number }>(`SELECT id FROM admin_users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE`);
    const rows = await tx.query<AdminUserRow>('SELECT id, email, role, created_at, disabled_at FROM admin_users WHERE id = $1', [id]);
    if (rows.length === 0) throw new Error(`id: no admin user ${id}`);
    if (role !== 'admin' && admins.length === 1 && Number(admins[0].id) === id) {
      throw new Error(`role: "${rows[0].email}" is the last active admin; make another user admin first`);
    }
    const updated = await tx.query<AdminUserRow>(
      'UPDATE admin_users SET role = $2::"AdminRole" WHERE id = $1 RETURNING id, email, role, created_at, disabled_at',
      [id, role],
    );
    return toRecord(updated[0]);
  });
}

/** Disables a user and ends its sessions; the last active admin cannot be disabled. */
export async function disableAdminUser(sql: SqlDriver, id: number): Promise<AdminUserRecord> {
  checkId(id);
  return sql.transaction(async (tx) => {
    const admins = await tx.query<{ id: number }>(`SELECT id FROM admin_users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE`);
    const rows = await tx.query<AdminUserRow>('SELECT id, email, role, created_at, disabled_at FROM admin_users WHERE id = $1', [id]);
    if (rows.length === 0) throw new Error(`id: no admin user ${id}`);
    if (admins.length === 1 && Number(admins[0].id) === id) throw new Error(`id: "${rows[0].email}" is the last active admin and cannot be disabled`);
    const updated = await tx.query<AdminUserRow>(
      'UPDATE admin_users SET disabled_at = coalesce(disabled_at, now()) WHERE id = $1 RETURNING id, email, role, created_at, disabled_at',
      [id],
    );
    await tx.execute('DELETE FROM admin_sessions WHERE user_id = $1', [id]);
    return toRecord(updated[0]);
  });
}

export interface FirstAdminResult {
  /** False when admin_users already had a user (nothing changed). */
  created: boolean;
  email: string;
  /** The generated password, to show once; absent when it came from the options or CASCADE_ADMIN_PASSWORD. */
  password?: string;
}

/**
 * Creates the first console admin when admin_users is empty: email from `options.email`, CASCADE_ADMIN_EMAIL
 * or admin@localhost; password from `options.password`, CASCADE_ADMIN_PASSWORD or generated (returned once).
 * Safe to call at every start, from several processes at once (one conditional INSERT).
 */
export async function ensureFirstAdmin(sql: SqlClient, options: { email?: string; password?: string } = {}): Promise<FirstAdminResult> {
  const email = normaliseEmail(options.email ?? process.env.CASCADE_ADMIN_EMAIL ?? 'admin@localhost');
  const existing = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM admin_users');
  if (Number(existing[0].n) > 0) return { created: false, email };
  const given = options.password ?? process.env.CASCADE_ADMIN_PASSWORD;
  const password = given ?? randomBytes(12).toString('base64url');
  if (given !== undefined) {
    try {
      checkNewPassword(given);
    } catch (error) {
      throw new Error(`${options.password !== undefined ? 'password' : 'CASCADE_ADMIN_PASSWORD'}: ${(error as Error).message.replace(/^password: /, '')}`);
    }
  }
  const hash = await hashPassword(password);
  const rows = await sql.query<{ id: number }>(
    `INSERT INTO admin_users (email, password_hash, role) SELECT $1, $2, 'admin'::"AdminRole"
      WHERE NOT EXISTS (SELECT 1 FROM admin_users) ON CONFLICT (email) DO NOTHING RETURNING id`,
    [email, hash],
  );
  if (rows.length === 0) return { created: false, email };
  return given === undefined ? { created: true, email, password } : { created: true, email };
}
