// Loads the benchmark world into an empty Cascade database fast: users and items through multi-row
// INSERT … SELECT FROM unnest(…), events the same way in large batches of numeric columns (request ids,
// placements, event types and idempotency keys are built by the database), with the events table's secondary
// indexes dropped during the load and rebuilt once at the end (a sort per index instead of ten million
// random b-tree inserts). Bench data skips insertEvents' per-event validation: the generator is the source.
import { EVENT_TYPES, type CascadeDatabase } from '@cascade/db';
import { BenchEventGenerator, type BenchWorldConfig } from './synthetic-events.js';

export interface BulkLoadProgress {
  phase: 'users' | 'items' | 'events' | 'indexes';
  done: number;
  total: number;
}

export interface BulkLoadResult {
  users: number;
  items: number;
  events: number;
  byType: Record<string, number>;
  ctr: number;
  seconds: { users: number; items: number; events: number; indexes: number };
}

async function ids(db: CascadeDatabase, table: 'users' | 'items', prefix: string, count: number): Promise<Int32Array> {
  const rows = await db.sql.queryArrays(`SELECT id, external_id FROM ${table}`);
  const out = new Int32Array(count).fill(-1);
  for (const r of rows) {
    const k = Number(String(r[1]).slice(prefix.length)) - 1;
    if (k >= 0 && k < count) out[k] = Number(r[0]);
  }
  const missing = out.indexOf(-1);
  if (missing >= 0) throw new Error(`${table}: ${prefix}${missing + 1} was not loaded`);
  return out;
}

/** Loads users, items and events of the world into `db`, which must hold no events yet. */
export async function bulkLoadBenchWorld(db: CascadeDatabase, config: BenchWorldConfig, onProgress?: (p: BulkLoadProgress) => void, batch = 100_000): Promise<BulkLoadResult> {
  const [existing] = await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
  if (Number(existing?.n) > 0) throw new Error('database: the events table is not empty; the bench loads into an empty database');
  const generator = new BenchEventGenerator(config);
  const world = generator.world;
  const seconds = { users: 0, items: 0, events: 0, indexes: 0 };

  let t = performance.now();
  const users = [...world.usersInput()];
  for (let s = 0; s < users.length; s += 20_000) {
    const part = users.slice(s, s + 20_000);
    await db.sql.execute(
      `INSERT INTO users (external_id, attributes, created_at, updated_at)
       SELECT e, a::jsonb, c, c FROM unnest($1::text[], $2::text[], $3::timestamp[]) AS x(e, a, c) ON CONFLICT (external_id) DO NOTHING`,
      [part.map((u) => u.externalId), part.map((u) => JSON.stringify(u.attributes ?? {})), part.map((u) => new Date(u.createdAt as Date).toISOString())],
    );
    onProgress?.({ phase: 'users', done: Math.min(s + 20_000, users.length), total: users.length });
  }
  seconds.users = (performance.now() - t) / 1000;

  t = performance.now();
  const items = [...world.itemsInput()];
  for (let s = 0; s < items.length; s += 20_000) {
    const part = items.slice(s, s + 20_000);
    await db.sql.execute(
      `INSERT INTO items (external_id, title, categories, tags, attributes, active, created_at, updated_at)
       SELECT e, ti, ARRAY[ca], string_to_array(tg, '|'), a::jsonb, ac, c, c
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::timestamp[]) AS x(e, ti, ca, tg, a, ac, c)
       ON CONFLICT (external_id) DO NOTHING`,
      [
        part.map((i) => i.externalId),
        part.map((i) => i.title ?? ''),
        part.map((i) => i.categories?.[0] ?? ''),
        part.map((i) => (i.tags ?? []).join('|')),
        part.map((i) => JSON.stringify(i.attributes ?? {})),
        part.map((i) => i.active ?? true),
        part.map((i) => new Date(i.createdAt as Date).toISOString()),
      ],
    );
    onProgress?.({ phase: 'items', done: Math.min(s + 20_000, items.length), total: items.length });
  }
  seconds.items = (performance.now() - t) / 1000;
  const userIds = await ids(db, 'users', 'user-', config.users);
  const itemIds = await ids(db, 'items', 'item-', config.items);

  // Secondary indexes of events: dropped for the load, rebuilt after from their own definitions.
  const indexes = await db.sql.query<{ indexname: string; indexdef: string }>(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i
      WHERE i.tablename = 'events' AND i.schemaname = current_schema()
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.contype = 'p')`,
  );
  for (const ix of indexes) await db.sql.execute(`DROP INDEX "${ix.indexname}"`);

  t = performance.now();
  const byType = new Map<number, number>();
  while (!generator.done) {
    const base = generator.count;
    const cols = generator.nextBatch(batch);
    const n = cols.length;
    const u = new Array<number>(n);
    const i = new Array<number>(n);
    for (let k = 0; k < n; k++) {
      u[k] = userIds[cols.users[k]];
      i[k] = itemIds[cols.items[k]];
      byType.set(cols.types[k], (byType.get(cols.types[k]) ?? 0) + 1);
    }
    await db.sql.execute(
      `INSERT INTO events (type, user_id, item_id, request_id, placement, occurred_at, value, idempotency_key)
       SELECT (enum_range(NULL::"EventType"))[t + 1], u, i, 'br' || r, CASE WHEN p = 0 THEN 'home' ELSE 'item-page' END,
              to_timestamp(ms / 1000.0) AT TIME ZONE 'UTC', v, 'bench:' || ($8::bigint + n)
         FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::int[], $6::float8[], $7::float8[]) WITH ORDINALITY AS x(t, u, i, r, p, ms, v, n)`,
      [Array.from(cols.types), u, i, Array.from(cols.requests), Array.from(cols.placements), Array.from(cols.times), Array.from(cols.values), base],
    );
    onProgress?.({ phase: 'events', done: generator.count, total: config.events });
  }
  seconds.events = (performance.now() - t) / 1000;

  t = performance.now();
  for (let k = 0; k < indexes.length; k++) {
    await db.sql.execute(indexes[k].indexdef);
    onProgress?.({ phase: 'indexes', done: k + 1, total: indexes.length });
  }
  await db.sql.execute('ANALYZE events');
  await db.sql.execute('ANALYZE users');
  await db.sql.execute('ANALYZE items');
  seconds.indexes = (performance.now() - t) / 1000;

  const counts: Record<string, number> = {};
  for (const [type, n] of byType) counts[EVENT_TYPES[type]] = n;
  return {
    users: config.users,
    items: config.items,
    events: generator.count,
    byType: counts,
    ctr: (counts.click ?? 0) / Math.max(1, counts.impression ?? 0),
    seconds,
  };
}
