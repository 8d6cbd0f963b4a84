// A SqlDriver over a PGlite database that runs on its own worker thread (pglite-thread.ts), so the WebAssembly
// Postgres work runs in parallel with the caller's event loop and a long query does not block it. Requests
// carry ids and resolve through a promise map; results cross by structured clone (Date, numbers, bigint,
// arrays and parsed JSON arrive as they would in process); errors are re-created with their PostgreSQL fields.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SqlClient, SqlDriver } from './sql-driver.js';
import type { PgliteThreadData, PgliteThreadReply, PgliteThreadRequest, SerializedSqlError } from './pglite-thread-protocol.js';

export interface PgliteThreadOptions {
  /** The PGlite data folder, or undefined for an in-memory database. */
  dataDir: string | undefined;
  startParams: string[];
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

// Distributive Omit keeps the union's members apart.
type RequestBody = PgliteThreadRequest extends infer R ? (R extends PgliteThreadRequest ? Omit<R, 'id'> : never) : never;

/** tsx's ES-module API (its CommonJS twin, which require.resolve would give, cannot register hooks when imported). */
function tsxEsmApiPath(): string {
  const packageJson = createRequire(import.meta.url).resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as { exports?: Record<string, { import?: { default?: string } }> };
  const relative = manifest.exports?.['./esm/api']?.import?.default;
  if (!relative) throw new Error(`tsx at ${path.dirname(packageJson)} has no ES-module API: cannot start the PGlite thread from TypeScript sources`);
  return path.join(path.dirname(packageJson), relative);
}

/**
 * The worker next to this file: the .js file in a build; under tsx or vitest, the .ts source behind a small
 * bootstrap that registers tsx in the worker first (Node 20 workers do not reliably inherit the parent's
 * `--import tsx` loader hooks, and vitest transpiles on its own without them).
 */
function startWorker(workerData: PgliteThreadData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./pglite-thread.js', import.meta.url), { workerData });
  const entry = new URL('./pglite-thread.ts', import.meta.url).href;
  const tsxApi = pathToFileURL(tsxEsmApiPath()).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

function toError(serialized: SerializedSqlError): Error {
  const error = new Error(serialized.message);
  if (serialized.name && serialized.name !== 'Error') error.name = serialized.name;
  // Structured clone would have dropped these: copy them so callers can read e.code, e.constraint, ...
  Object.assign(error, serialized.fields);
  return error;
}

/** Starts the worker, waits until PGlite is open in it, and returns the driver. */
export async function createPgliteThreadDriver(options: PgliteThreadOptions): Promise<SqlDriver> {
  if (!Array.isArray(options.startParams)) throw new Error('startParams must be an array of strings');
  if (options.dataDir !== undefined && (typeof options.dataDir !== 'string' || options.dataDir === '')) throw new Error('dataDir must be a non-empty string or undefined');
  const worker = startWorker({ dataDir: options.dataDir, startParams: options.startParams });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let nextTxId = 1;
  // Set once the worker is gone (closed, crashed or exited): every later call rejects with it.
  let gone: Error | undefined;
  let closing: Promise<void> | undefined;

  // The worker keeps the process alive only while a request waits on it, as in-process PGlite would.
  const updateRef = () => (pending.size > 0 ? worker.ref() : worker.unref());

  const fail = (error: Error) => {
    if (!gone) gone = error;
    for (const p of pending.values()) p.reject(gone);
    pending.clear();
  };

  const started = new Promise<void>((resolve, reject) => pending.set(0, { resolve: () => resolve(), reject }));
  worker.on('message', (reply: PgliteThreadReply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(toError(reply.error));
    updateRef();
  });
  worker.on('error', (error) => fail(new Error(`the PGlite database thread crashed: ${error.message}`)));
  worker.on('exit', (code) => fail(new Error(`the PGlite database thread has exited (code ${code})`)));
  worker.on('messageerror', (error) => fail(new Error(`the PGlite database thread sent an unreadable message: ${error.message}`)));

  try {
    await started;
  } catch (error) {
    await worker.terminate();
    throw new Error(`could not open the embedded database${options.dataDir ? ` at ${options.dataDir}` : ''}: ${(error as Error).message}`);
  }
  updateRef();

  const call = (body: RequestBody): Promise<unknown> => {
    if (gone) return Promise.reject(gone);
    const id = nextId++;
    return new Promise<unknown>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      updateRef();
      worker.postMessage({ ...body, id });
    });
  };

  const client = (txId?: number): SqlClient => ({
    query: async <T>(sql: string, params?: unknown[]) => (await call({ op: 'query', sql, params, txId })) as T[],
    queryArrays: async (sql, params) => (await call({ op: 'queryArrays', sql, params, txId })) as unknown[][],
    execute: async (sql, params) => (await call({ op: 'execute', sql, params, txId })) as number,
    executeScript: async (sql) => {
      await call({ op: 'executeScript', sql, txId });
    },
  });

  return {
    ...client(),
    async transaction(fn) {
      const txId = nextTxId++;
      await call({ op: 'begin', txId });
      let result;
      try {
        result = await fn(client(txId));
      } catch (error) {
        await call({ op: 'rollback', txId }).catch(() => undefined);
        throw error;
      }
      await call({ op: 'commit', txId });
      return result;
    },
    close() {
      closing ??= (async () => {
        if (!gone) {
          try {
            await call({ op: 'close' });
          } finally {
            gone = new Error('the database is closed');
            await worker.terminate();
            fail(gone);
          }
        }
      })();
      return closing;
    },
  };
}
