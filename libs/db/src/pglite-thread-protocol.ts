// The messages between a PGlite worker thread (pglite-thread.ts) and its driver (pglite-thread-driver.ts).

/** What the worker opens: the PGlite folder (undefined: in memory) and its start parameters. */
export interface PgliteThreadData {
  dataDir: string | undefined;
  startParams: string[];
}

export type PgliteThreadRequest =
  | { id: number; op: 'query' | 'queryArrays' | 'execute'; sql: string; params?: unknown[]; txId?: number }
  | { id: number; op: 'executeScript'; sql: string; txId?: number }
  | { id: number; op: 'begin' | 'commit' | 'rollback'; txId: number }
  | { id: number; op: 'close' };

/** An error as it crosses the port: structured clone keeps only message/name/stack of an Error. */
export interface SerializedSqlError {
  message: string;
  name?: string;
  stack?: string;
  fields: Record<string, unknown>;
}

/** Id 0 is the worker's start-up report (PGlite opened, or why not). */
export type PgliteThreadReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: SerializedSqlError };

/** The PostgreSQL error fields (pg-protocol's DatabaseError, which PGlite throws) callers may read. */
export const POSTGRES_ERROR_FIELDS = [
  'code',
  'severity',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const;
