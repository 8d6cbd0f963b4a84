// Console sessions (table admin_sessions): a random 32-byte token travels in the `cascade_session` cookie and
// only its SHA-256 is stored; every verified use slides the expiry 7 days ahead. Verification answers are
// cached for up to `cacheMs` (2 s), so a sign-out or a disabled user takes effect within that time at worst
// (the store forgets a token at once when it is signed out through it).
import { createHash, randomBytes } from 'node:crypto';
import type { SqlClient } from '@cascade/db';
import type { AdminRole } from './admin-users.js';

export const SESSION_TTL_MS = 7 * 86_400_000;

export interface AdminSession {
  /** SHA-256 of the token (the admin_sessions row id). */
  id: string;
  csrfToken: string;
  expiresAt: Date;
  user: { id: number; email: string; role: AdminRole };
}

export interface CreatedAdminSession extends AdminSession {
  /** The cookie value: never stored. */
  token: string;
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A plausible token: base64url of 32 bytes. */
function wellFormed(token: unknown): token is string {
  return typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token);
}

export async function createAdminSession(sql: SqlClient, user: AdminSession['user']): Promise<CreatedAdminSession> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const id = hashSessionToken(token);
  // expired sessions are removed here rather than by a timer: sign-ins are rare and the index makes it cheap
  await sql.execute('DELETE FROM admin_sessions WHERE expires_at < now()');
  const rows = await sql.query<{ expires_at: Date | string }>(
    `INSERT INTO admin_sessions (id, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond') RETURNING expires_at`,
    [id, user.id, csrfToken, SESSION_TTL_MS],
  );
  return { id, token, csrfToken, expiresAt: new Date(rows[0].expires_at), user };
}

export class AdminSessionStore {
  private readonly cache = new Map<string, { session: AdminSession | null; until: number }>();
  private readonly cacheMs: number;

  constructor(
    private readonly sql: SqlClient,
    options: { cacheMs?: number } = {},
  ) {
    this.cacheMs = options.cacheMs ?? 2000;
    if (!(this.cacheMs >= 0 && this.cacheMs <= 2000)) throw new Error(`cacheMs: must be in [0, 2000], got ${this.cacheMs}`);
  }

  /** The live session of a cookie token (sliding its expiry), or null when unknown, expired or its user is disabled. */
  async verify(token: string | undefined): Promise<AdminSession | null> {
    if (!wellFormed(token)) return null;
    const id = hashSessionToken(token);
    const now = Date.now();
    const hit = this.cache.get(id);
    if (hit && hit.until > now) return hit.session;
    const rows = await this.sql.query<{ csrf_token: string; expires_at: Date | string; user_id: number; email: string; role: AdminRole }>(
      `UPDATE admin_sessions s SET last_seen_at = now(), expires_at = now() + $2 * interval '1 millisecond'
         FROM admin_users u
        WHERE s.id = $1 AND u.id = s.user_id AND s.expires_at > now() AND u.disabled_at IS NULL
      RETURNING s.csrf_token, s.expires_at, u.id AS user_id, u.email, u.role`,
      [id, SESSION_TTL_MS],
    );
    const r = rows[0];
    const session: AdminSession | null = r
      ? { id, csrfToken: r.csrf_token, expiresAt: new Date(r.expires_at), user: { id: Number(r.user_id), email: r.email, role: r.role } }
      : null;
    if (this.cache.size >= 10_000) this.cache.clear(); // bounded: random cookies cannot grow it forever
    this.cache.set(id, { session, until: now + this.cacheMs });
    return session;
  }

  /** Ends the session of a token; true when one was there. */
  async revoke(token: string | undefined): Promise<boolean> {
    if (!wellFormed(token)) return false;
    const id = hashSessionToken(token);
    this.cache.delete(id);
    return (await this.sql.execute('DELETE FROM admin_sessions WHERE id = $1', [id])) > 0;
  }

  /** Drops every cached answer (after a user's role changed or it was disabled). */
  forgetAll(): void {
    this.cache.clear();
  }
}
