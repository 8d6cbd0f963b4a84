// Resolves external user/item ids to internal row ids for event ingestion, creating missing rows when
// asked. Resolved ids are cached per SQL client: users and items are never re-keyed or hard-deleted, so
// a hit skips a lookup per event. A transaction gets its own SqlClient object and therefore its own cache, so ids
// of rows created inside a transaction that rolls back never leak into later writes.
import type { SqlClient } from './sql-driver.js';

type Table = 'users' | 'items';
const MAX_CACHED = 500_000;
const caches = new WeakMap<SqlClient, Record<Table, Map<string, number>>>();

function cacheFor(sql: SqlClient, table: Table): Map<string, number> {
  let entry = caches.get(sql);
  if (!entry) {
    entry = { users: new Map(), items: new Map() };
    caches.set(sql, entry);
  }
  return entry[table];
}

/**
 * Returns the internal id of every external id (same order). Missing rows are created when `create`
 * is set; otherwise the first unknown id is reported through `onMissing`, which must throw.
 */
export async function resolveIds(
  sql: SqlClient,
  table: Table,
  externalIds: readonly string[],
  create: boolean,
  onMissing: (externalId: string) => never,
): Promise<Int32Array> {
  const cache = cacheFor(sql, table);
  const ids = new Int32Array(externalIds.length);
  // one cache pass; only a batch with unknown ids looks them up and fills their slots in a second pass
  let unknown: Set<string> | null = null;
  for (let i = 0; i < externalIds.length; i++) {
    const id = cache.get(externalIds[i]);
    if (id === undefined) (unknown ??= new Set()).add(externalIds[i]);
    else ids[i] = id;
  }
  if (unknown === null) return ids;
  if (cache.size + unknown.size > MAX_CACHED) cache.clear();
  const wanted = [...unknown];
  if (create) {
    await sql.execute(`INSERT INTO ${table} (external_id) SELECT x FROM unnest($1::text[]) AS x ON CONFLICT (external_id) DO NOTHING`, [wanted]);
  }
  const rows = await sql.queryArrays(`SELECT id, external_id FROM ${table} WHERE external_id = ANY($1::text[])`, [wanted]);
  const found = new Map<string, number>();
  for (const [id, externalId] of rows) {
    found.set(String(externalId), Number(id));
    cache.set(String(externalId), Number(id));
  }
  if (found.size < wanted.length) onMissing(wanted.find((w) => !found.has(w))!);
  for (let i = 0; i < externalIds.length; i++) if (unknown.has(externalIds[i])) ids[i] = found.get(externalIds[i])!;
  return ids;
}

/**
 * Loads every user's and item's id into the resolver's cache of `sql` (up to its size bound), so that a
 * long-lived writer (the server) resolves the ids of its first event batches without two lookups each.
 * Correct at any time: rows are never re-keyed or hard-deleted, and users created later are cached when
 * their events create them. Returns how many ids were loaded.
 */
export async function preloadIds(sql: SqlClient): Promise<{ users: number; items: number }> {
  const loaded = { users: 0, items: 0 };
  for (const table of ['users', 'items'] as const) {
    const cache = cacheFor(sql, table);
    const room = MAX_CACHED - cache.size;
    if (room <= 0) continue;
    const rows = await sql.queryArrays(`SELECT id, external_id FROM ${table} ORDER BY id DESC LIMIT ${room}`);
    for (const [id, externalId] of rows) cache.set(String(externalId), Number(id));
    loaded[table] = rows.length;
  }
  return loaded;
}
