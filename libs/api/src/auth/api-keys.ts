// Serving API keys: only the SHA-256 of a key is stored; the plaintext is returned once, at creation.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { SqlClient } from '@cascade/db';

export const API_KEY_SCOPES = ['recommend', 'ingest', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
export const API_KEY_PREFIX = 'csk_';

export interface ApiKeyRecord {
  id: number;
  name: string;
  /** The key's first characters, for display. */
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export interface CreatedApiKey extends ApiKeyRecord {
  /** The plaintext key: shown once, never stored. */
  key: string;
}

const createSchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(200),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1, 'must name at least one scope'),
});

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

interface ApiKeyRow {
  id: number;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: Date | string;
  revoked_at: Date | string | null;
  last_used_at: Date | string | null;
}

function knownScopes(scopes: readonly string[]): ApiKeyScope[] {
  return scopes.filter((s): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s));
}

const COLUMNS = 'id, name, prefix, scopes, created_at, revoked_at, last_used_at';

function toRecord(r: ApiKeyRow): ApiKeyRecord {
  return {
    id: Number(r.id),
    name: r.name,
    prefix: r.prefix,
    scopes: knownScopes(r.scopes),
    createdAt: new Date(r.created_at),
    revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
    lastUsedAt: r.last_used_at === null ? null : new Date(r.last_used_at),
  };
}

/** Creates a key (32 random bytes, `csk_` + base64url) with the given scopes; the result holds the plaintext. */
export async function createApiKey(sql: SqlClient, input: { name: string; scopes: readonly string[] }): Promise<CreatedApiKey> {
  const parsed = createSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue.path.join('.') || 'input'}: ${issue.message}`);
  }
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const scopes = [...new Set(parsed.data.scopes)];
  const rows = await sql.query<ApiKeyRow>(
    `INSERT INTO api_keys (name, prefix, hash, scopes) VALUES ($1, $2, $3, $4::text[]) RETURNING ${COLUMNS}`,
    [parsed.data.name, key.slice(0, API_KEY_PREFIX.length + 6), hashApiKey(key), scopes],
  );
  return { ...toRecord(rows[0]), key };
}

export async function listApiKeys(sql: SqlClient, options: { includeRevoked?: boolean } = {}): Promise<ApiKeyRecord[]> {
  const rows = await sql.query<ApiKeyRow>(
    `SELECT ${COLUMNS} FROM api_keys ${options.includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY id`,
  );
  return rows.map(toRecord);
}

/** Number of keys that are not revoked. */
export async function countActiveApiKeys(sql: SqlClient): Promise<number> {
  const rows = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys WHERE revoked_at IS NULL');
  return Number(rows[0].n);
}

/** Revokes a key by id or by its display prefix; false when no unrevoked key matched. */
export async function revokeApiKey(sql: SqlClient, idOrPrefix: number | string): Promise<boolean> {
  if (typeof idOrPrefix === 'number') {
    if (!Number.isInteger(idOrPrefix) || idOrPrefix <= 0) throw new Error(`id must be a positive integer, got ${idOrPrefix}`);
    return (await sql.execute('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [idOrPrefix])) > 0;
  }
  if (typeof idOrPrefix !== 'string' || !idOrPrefix.startsWith(API_KEY_PREFIX)) {
    throw new Error(`key: expected a key id or a "${API_KEY_PREFIX}…" prefix, got "${String(idOrPrefix)}"`);
  }
  const matches = await sql.query<{ id: number }>('SELECT id FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL', [idOrPrefix]);
  if (matches.length > 1) throw new Error(`key: prefix "${idOrPrefix}" matches ${matches.length} keys; revoke by id`);
  if (matches.length === 0) return false;
  return revokeApiKey(sql, Number(matches[0].id));
}

export interface VerifiedApiKey {
  id: number;
  name: string;
  scopes: ReadonlySet<ApiKeyScope>;
}

/**
 * Verifies keys by hash lookup, caching each answer (valid or not) for `cacheMs` (default 2 s), so a
 * revocation takes effect within that time without a database query per request.
 */
export class ApiKeyVerifier {
  private readonly cache = new Map<string, { key: VerifiedApiKey | null; until: number }>();
  private readonly cacheMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly sql: SqlClient,
    options: { cacheMs?: number; maxEntries?: number } = {},
  ) {
    this.cacheMs = options.cacheMs ?? 2000;
    if (!(this.cacheMs >= 0)) throw new Error(`cacheMs must be >= 0, got ${this.cacheMs}`);
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  async verify(key: string): Promise<VerifiedApiKey | null> {
    if (typeof key !== 'string' || !key.startsWith(API_KEY_PREFIX) || key.length > 200) return null;
    const hash = hashApiKey(key);
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) return hit.key;
    const rows = await this.sql.query<{ id: number; name: string; scopes: string[] }>(
      'UPDATE api_keys SET last_used_at = now() WHERE hash = $1 AND revoked_at IS NULL RETURNING id, name, scopes',
      [hash],
    );
    const verified = rows.length === 0 ? null : { id: Number(rows[0].id), name: rows[0].name, scopes: new Set(knownScopes(rows[0].scopes)) };
    if (this.cache.size >= this.maxEntries) this.cache.clear(); // bounded: random invalid keys cannot grow it forever
    this.cache.set(hash, { key: verified, until: now + this.cacheMs });
    return verified;
  }
}
