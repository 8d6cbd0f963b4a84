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
  const unknown = new Set<string>();
  for (const id of externalIds) if (!cache.has(id)) unknown.add(id);
  if (unknown.size > 0) {
    if (cache.size + unknown.size > MAX_CACHED) cache.clear();
    const wanted = [...unknown];
    if (create) {
      await sql.execute(`INSERT INTO ${table} (external_id) SELECT x FROM unnest($1::text[]) AS x ON CONFLICT (external_id) DO NOTHING`, [wanted]);
    }
    const rows = await sql.queryArrays(`SELECT id, external_id FROM ${table} WHERE external_id = ANY($1::text[])`, [wanted]);
    for (const [id, externalId] of rows) cache.set(String(externalId), Number(id));
    if (rows.length < wanted.length) onMissing(wanted.find((w) => !cache.has(w))!);
  }
  const ids = new Int32Array(externalIds.length);
  for (let i = 0; i < externalIds.length; i++) ids[i] = cache.get(externalIds[i])!;
  return ids;
}
