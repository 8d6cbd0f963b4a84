// A thin raw-SQL interface over PGlite and node-postgres, for the bulk paths (ingest, streaming reads)
// where Prisma's per-row query building would cost more than the database work itself.
import type { PGlite, Transaction as PGliteTransaction } from '@electric-sql/pglite';
import type pg from 'pg';

export interface SqlClient {
  /** Rows as objects keyed by column name. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Rows as arrays in column order (cheaper for large reads). */
  queryArrays(sql: string, params?: unknown[]): Promise<unknown[][]>;
  /** Runs a statement and returns the number of affected rows. */
  execute(sql: string, params?: unknown[]): Promise<number>;
  /** Runs a script of several statements without parameters. */
  executeScript(sql: string): Promise<void>;
}

export interface SqlDriver extends SqlClient {
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

type PGliteLike = PGlite | PGliteTransaction;

function pgliteClient(db: PGliteLike): SqlClient {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await db.query<T>(sql, params)).rows;
    },
    async queryArrays(sql, params) {
      return (await db.query<unknown[]>(sql, params, { rowMode: 'array' })).rows;
    },
    async execute(sql, params) {
      return (await db.query(sql, params)).affectedRows ?? 0;
    },
    async executeScript(sql) {
      await db.exec(sql);
    },
  };
}

export function createPgliteDriver(db: PGlite): SqlDriver {
  return {
    ...pgliteClient(db),
    transaction: (fn) => db.transaction((tx) => fn(pgliteClient(tx))),
    close: () => db.close(),
  };
}

function pgClient(client: pg.Pool | pg.PoolClient): SqlClient {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await client.query(sql, params)).rows as T[];
    },
    async queryArrays(sql, params) {
      return (await client.query({ text: sql, values: params, rowMode: 'array' })).rows as unknown[][];
    },
    async execute(sql, params) {
      return (await client.query(sql, params)).rowCount ?? 0;
    },
    async executeScript(sql) {
      await client.query(sql);
    },
  };
}

export function createPgDriver(pool: pg.Pool): SqlDriver {
  return {
    ...pgClient(pool),
    async transaction(fn) {
      const conn = await pool.connect();
      try {
        await conn.query('BEGIN');
        const result = await fn(pgClient(conn));
        await conn.query('COMMIT');
        return result;
      } catch (error) {
        await conn.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        conn.release();
      }
    },
    close: () => pool.end(),
  };
}
