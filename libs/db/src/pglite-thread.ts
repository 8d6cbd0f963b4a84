// The worker side of a PGlite database on its own thread: opens PGlite with the start parameters the main
// side computed (so both paths share pgliteStartParams) and answers SQL requests from its parent port. Each
// transaction runs inside one pglite.transaction(...) that stays open until the main side commits or rolls
// back; PGlite's transaction mutex makes every other query wait for it.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { PgliteThreadData, PgliteThreadReply, PgliteThreadRequest, SerializedSqlError } from './pglite-thread-protocol.js';
import { POSTGRES_ERROR_FIELDS } from './pglite-thread-protocol.js';

interface OpenTransaction {
  tx: Transaction;
  finish: (commit: boolean) => void;
  done: Promise<void>;
}

/** Thrown inside pglite.transaction to make it roll back; never leaves this file. */
class RollbackRequested extends Error {}

function serializeError(error: unknown): SerializedSqlError {
  if (!(error instanceof Error)) return { message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  const source = error as unknown as Record<string, unknown>;
  for (const key of POSTGRES_ERROR_FIELDS) {
    const value = source[key];
    if (value !== undefined && (typeof value === 'string' || typeof value === 'number')) fields[key] = value;
  }
  return { message: error.message, name: error.name, stack: error.stack, fields };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('pglite-thread must run as a worker thread');
  const data = workerData as PgliteThreadData;
  const post = (reply: PgliteThreadReply) => port.postMessage(reply);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({ dataDir: data.dataDir, startParams: data.startParams });
  } catch (error) {
    post({ id: 0, ok: false, error: serializeError(error) });
    return;
  }
  const transactions = new Map<number, OpenTransaction>();

  const begin = (txId: number): Promise<void> =>
    new Promise<void>((started, failed) => {
      let finish: (commit: boolean) => void = () => undefined;
      const decided = new Promise<boolean>((resolve) => (finish = resolve));
      const done = pglite
        .transaction(async (tx) => {
          transactions.set(txId, { tx, finish, done });
          started();
          if (!(await decided)) throw new RollbackRequested();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RollbackRequested)) throw error;
        })
        .finally(() => transactions.delete(txId));
      // A BEGIN that failed before the callback ran fails the begin request itself.
      done.catch(failed);
    });

  const target = (txId: number | undefined): PGlite | Transaction => {
    if (txId === undefined) return pglite;
    const open = transactions.get(txId);
    if (!open) throw new Error(`transaction ${txId} is not open`);
    return open.tx;
  };

  const handle = async (request: PgliteThreadRequest): Promise<unknown> => {
    switch (request.op) {
      case 'query':
        return (await target(request.txId).query(request.sql, request.params)).rows;
      case 'queryArrays':
        return (await target(request.txId).query(request.sql, request.params, { rowMode: 'array' })).rows;
      case 'execute':
        return (await target(request.txId).query(request.sql, request.params)).affectedRows ?? 0;
      case 'executeScript':
        await target(request.txId).exec(request.sql);
        return undefined;
      case 'begin':
        await begin(request.txId);
        return undefined;
      case 'commit':
      case 'rollback': {
        const open = transactions.get(request.txId);
        if (!open) throw new Error(`transaction ${request.txId} is not open`);
        open.finish(request.op === 'commit');
        await open.done;
        return undefined;
      }
      case 'close':
        if (!pglite.closed) await pglite.close();
        return undefined;
    }
  };

  port.on('message', (request: PgliteThreadRequest) => {
    handle(request).then(
      (result) => post({ id: request.id, ok: true, result }),
      (error: unknown) => post({ id: request.id, ok: false, error: serializeError(error) }),
    );
  });
  post({ id: 0, ok: true, result: undefined });
}

await main();
