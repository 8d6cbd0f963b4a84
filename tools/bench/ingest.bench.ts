// Bulk event ingestion: 1,000,000 synthetic events through insertEvents (validation, id resolution,
// duplicate skipping) into a fresh embedded PGlite, and into PostgreSQL when DATABASE_URL is set.
// Usage: npm run bench -- ingest [--events N] [--batch N] [--postgres-writers N]
// PGlite runs inside this process (one writer); PostgreSQL gets concurrent writers on separate connections,
// as an ingest service with concurrent logBatch calls would.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SeededRandom } from '@cascade/core';
import { insertEvents, openDatabase, upsertItems, upsertUsers, type CascadeDatabase, type EventInput } from '@cascade/db';
import { positiveIntOption } from './bench-kit.js';

async function measure(db: CascadeDatabase, events: number, batch: number, users: number, items: number, writers = 1) {
  for (let s = 0; s < users; s += 10_000) {
    await upsertUsers(db.sql, Array.from({ length: Math.min(10_000, users - s) }, (_, i) => ({ externalId: `u${s + i}` })));
  }
  for (let s = 0; s < items; s += 10_000) {
    await upsertItems(db.sql, Array.from({ length: Math.min(10_000, items - s) }, (_, i) => ({ externalId: `i${s + i}` })));
  }
  const rng = new SeededRandom(42);
  const types = ['impression', 'impression', 'impression', 'impression', 'click', 'like', 'purchase'] as const;
  const t0 = Date.UTC(2026, 0, 1);
  let inserted = 0;
  let next = 0;
  const makeBatch = (s: number): EventInput[] => {
    const n = Math.min(batch, events - s);
    const rows: EventInput[] = new Array(n);
    for (let k = 0; k < n; k++) {
      const id = s + k;
      rows[k] = {
        type: types[rng.int(types.length)],
        userId: `u${rng.int(users)}`,
        itemId: `i${rng.int(items)}`,
        occurredAt: t0 + id * 100,
        requestId: `r${Math.floor(id / 10)}`,
        placement: 'home',
        idempotencyKey: `bench-${id}`,
      };
    }
    return rows;
  };
  const started = performance.now();
  const writer = async () => {
    while (next < events) {
      const s = next;
      next += batch;
      const result = await insertEvents(db.sql, makeBatch(s));
      inserted += result.inserted; // not `inserted += await …`: that would read `inserted` before the await
      if ((s / batch) % 20 === 0) process.stderr.write(`ingest ${db.kind}: ${Math.min(s + batch, events)}/${events}\r`);
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write('\n');
  if (inserted !== events) throw new Error(`expected ${events} inserted events, got ${inserted}`);
  return { events, writers, seconds: Number(seconds.toFixed(2)), events_per_sec: Math.round(events / seconds) };
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const events = positiveIntOption(args, '--events', 1_000_000);
  const batch = positiveIntOption(args, '--batch', 5_000);
  const postgresWriters = positiveIntOption(args, '--postgres-writers', 3);
  const users = 50_000;
  const items = 20_000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cascade-ingest-'));
  let embedded;
  try {
    const db = await openDatabase({ dataDir: path.join(dir, 'data') });
    try {
      embedded = await measure(db, events, batch, users, items);
    } finally {
      await db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const result: Record<string, unknown> = { db: 'pglite', ...embedded, batch, target_events_per_sec: 20_000 };
  const url = process.env.DATABASE_URL;
  if (url) {
    // A fresh schema on the given server, dropped afterwards.
    const schema = `cascade_bench_${process.pid}`;
    const admin = await openDatabase({ databaseUrl: url, migrate: false });
    await admin.sql.executeScript(`CREATE SCHEMA ${schema}`);
    await admin.close();
    const scopedUrl = new URL(url);
    scopedUrl.searchParams.set('schema', schema);
    const scoped = scopedUrl.toString();
    try {
      const db = await openDatabase({ databaseUrl: scoped, poolSize: postgresWriters + 1 });
      try {
        const pg = await measure(db, events, batch, users, items, postgresWriters);
        Object.assign(result, { postgres_events: pg.events, postgres_writers: pg.writers, postgres_seconds: pg.seconds, postgres_events_per_sec: pg.events_per_sec, postgres_target_events_per_sec: 50_000 });
      } finally {
        await db.close();
      }
    } finally {
      const cleanup = await openDatabase({ databaseUrl: url, migrate: false });
      await cleanup.sql.executeScript(`DROP SCHEMA ${schema} CASCADE`);
      await cleanup.close();
    }
  }
  return result;
}
