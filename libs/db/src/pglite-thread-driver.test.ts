import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from './open-database.js';
import { createPgliteThreadDriver } from './pglite-thread-driver.js';
import { createPgliteDriver, type SqlDriver } from './sql-driver.js';

const SCHEMA = `
  CREATE TABLE things (id serial PRIMARY KEY, name text UNIQUE NOT NULL, at timestamptz, score double precision,
    big bigint, tags text[], doc jsonb, flag boolean, raw bytea);
`;
const INSERT = `INSERT INTO things (name, at, score, big, tags, doc, flag, raw)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8), ($9, NULL, NULL, NULL, '{}', NULL, NULL, NULL)`;
const INSERT_PARAMS = ['a', new Date('2026-01-02T03:04:05.678Z'), 1.5, '9007199254740993', ['x', 'y'], { k: [1, { n: null }] }, true, new Uint8Array([1, 2, 255]), 'b'];

describe('PGlite on its own thread', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cascade-pglite-thread-'));
  const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];
  let threaded: SqlDriver;
  let inProcess: SqlDriver;

  beforeAll(async () => {
    [threaded, inProcess] = await Promise.all([
      createPgliteThreadDriver({ dataDir: path.join(dir, 'data'), startParams }),
      PGlite.create({ startParams }).then(createPgliteDriver),
    ]);
    await threaded.executeScript(SCHEMA);
    await inProcess.executeScript(SCHEMA);
  }, 60_000);

  afterAll(async () => {
    await threaded?.close();
    await inProcess?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns what the in-process driver returns, types included', async () => {
    expect(await threaded.execute(INSERT, INSERT_PARAMS)).toBe(2);
    expect(await inProcess.execute(INSERT, INSERT_PARAMS)).toBe(2);
    const select = 'SELECT id, name, at, score, big, tags, doc, flag, raw, count(*) OVER () AS n FROM things ORDER BY id';
    const rows = await threaded.query(select);
    expect(rows).toEqual(await inProcess.query(select));
    expect(rows[0].at).toBeInstanceOf(Date);
    expect(rows[0].doc).toEqual({ k: [1, { n: null }] });
    expect(rows[0].tags).toEqual(['x', 'y']);
    expect(rows[0].raw).toEqual(new Uint8Array([1, 2, 255]));
    expect(await threaded.queryArrays(select)).toEqual(await inProcess.queryArrays(select));
    const update = "UPDATE things SET score = 2 WHERE name = ANY($1::text[])";
    expect(await threaded.execute(update, [['a', 'b', 'c']])).toBe(await inProcess.execute(update, [['a', 'b', 'c']]));
    await threaded.executeScript('CREATE TABLE t2 (v int); INSERT INTO t2 VALUES (1), (2);');
    expect(await threaded.queryArrays('SELECT sum(v)::int FROM t2')).toEqual([[3]]);
  });

  it('carries PostgreSQL error fields and the message across the thread', async () => {
    const error = await threaded.execute("INSERT INTO things (name) VALUES ('a')").catch((e: unknown) => e);
    const inProcessError = await inProcess.execute("INSERT INTO things (name) VALUES ('a')").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: '23505', constraint: 'things_name_key', table: 'things', severity: 'ERROR' });
    expect((error as Error).message).toBe((inProcessError as Error).message);
    expect((error as { detail?: string }).detail).toBe((inProcessError as { detail?: string }).detail);
    await expect(threaded.query('SELECT nope FROM things')).rejects.toMatchObject({ code: '42703' });
  });

  it('commits a transaction, rolls back a throwing one with its error unchanged, and goes on working', async () => {
    const committed = await threaded.transaction(async (tx) => {
      await tx.execute("INSERT INTO things (name) VALUES ('t1')");
      return (await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM things WHERE name = 't1'"))[0].n;
    });
    expect(committed).toBe(1);
    const thrown = new Error('changed my mind');
    await expect(
      threaded.transaction(async (tx) => {
        await tx.execute("INSERT INTO things (name) VALUES ('t2')");
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    // A failing statement inside aborts the transaction and rolls it back too.
    await expect(threaded.transaction((tx) => tx.execute("INSERT INTO things (name) VALUES ('t3'), ('t3')"))).rejects.toMatchObject({ code: '23505' });
    expect(await threaded.queryArrays("SELECT name FROM things WHERE name LIKE 't%' ORDER BY name")).toEqual([['t1']]);
    expect(await threaded.transaction((tx) => tx.execute("INSERT INTO things (name) VALUES ('t4')"))).toBe(1);
  });

  it('makes a query outside a transaction wait for it and see what it committed', async () => {
    let outside: Promise<unknown[][]> | undefined;
    await threaded.transaction(async (tx) => {
      await tx.execute("INSERT INTO things (name) VALUES ('w1')");
      // PGlite has one connection: had this run before the commit, it would have run inside the transaction and seen only w1.
      outside = threaded.queryArrays("SELECT count(*)::int FROM things WHERE name IN ('w1', 'w2')");
      // Give the outside query every chance to run before the commit: it must not.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await tx.execute("INSERT INTO things (name) VALUES ('w2')");
    });
    expect(await outside).toEqual([[2]]);
  });

  it('rejects every call clearly once closed', async () => {
    const driver = await createPgliteThreadDriver({ dataDir: undefined, startParams });
    expect(await driver.queryArrays('SELECT 1')).toEqual([[1]]);
    await driver.close();
    await driver.close();
    await expect(driver.query('SELECT 1')).rejects.toThrow('the database is closed');
  }, 30_000);

  it('opens a migrated folder database on the thread through openDatabase, without Prisma, and releases the folder on close', async () => {
    const saved = process.env.CASCADE_PGLITE_THREAD;
    const savedBuffers = process.env.CASCADE_PGLITE_SHARED_BUFFERS_MB;
    delete process.env.CASCADE_PGLITE_THREAD;
    process.env.CASCADE_PGLITE_SHARED_BUFFERS_MB = '32';
    const dataDir = path.join(dir, 'cascade');
    try {
      const db = await openDatabase({ dataDir, pgliteThread: true });
      expect(db.kind).toBe('pglite');
      expect(db.migrations?.applied.length).toBeGreaterThan(0);
      expect(await db.sql.queryArrays('SELECT count(*)::int FROM items')).toEqual([[0]]);
      expect(() => db.prisma).toThrow('db.prisma is not available when PGlite runs on its own thread (CASCADE_PGLITE_THREAD); use db.sql');
      expect(existsSync(`${dataDir}.lock`)).toBe(true);
      await db.close();
      expect(existsSync(`${dataDir}.lock`)).toBe(false);
      const again = await openDatabase({ dataDir, pgliteThread: true });
      expect(again.migrations?.applied).toEqual([]);
      await again.close();
    } finally {
      if (saved === undefined) delete process.env.CASCADE_PGLITE_THREAD;
      else process.env.CASCADE_PGLITE_THREAD = saved;
      if (savedBuffers === undefined) delete process.env.CASCADE_PGLITE_SHARED_BUFFERS_MB;
      else process.env.CASCADE_PGLITE_SHARED_BUFFERS_MB = savedBuffers;
    }
  }, 60_000);
});
