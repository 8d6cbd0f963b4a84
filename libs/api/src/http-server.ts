// The serving HTTP endpoint: tRPC under /trpc plus health and readiness probes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { CascadeDatabase } from '@cascade/db';
import { appRouter } from './app-router.js';
import type { ApiContext } from './trpc.js';

export interface ApiServerOptions {
  db: CascadeDatabase;
  host?: string;
  port?: number;
  version?: string;
  onError?: (error: Error, path: string | undefined) => void;
}

export interface ApiServer {
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const context: ApiContext = { db: options.db, startedAt: new Date(), version: options.version ?? '0.1.0' };
  const trpcHandler = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    createContext: () => context,
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') options.onError?.(error, path);
    },
  });
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
      return;
    }
    if (url === '/readyz') {
      options.db.sql
        .query('SELECT 1')
        .then(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ready', database: options.db.kind })))
        .catch((error: Error) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'unavailable', error: error.message })));
      return;
    }
    if (url.startsWith('/trpc/')) {
      trpcHandler(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no route ${url}` }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4000, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
