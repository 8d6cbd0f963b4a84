// The serving HTTP endpoint: tRPC under /trpc plus health and readiness probes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { CascadeDatabase } from '@cascade/db';
import { appRouter } from './app-router.js';
import { ApiKeyVerifier } from './auth/api-keys.js';
import { TokenBucketRateLimiter, type RateLimitOptions } from './auth/rate-limiter.js';
import { ServingServices, type ServingServicesOptions } from './serving-services.js';
import type { ApiContext } from './trpc.js';

export interface ApiServerOptions extends ServingServicesOptions {
  db: CascadeDatabase;
  host?: string;
  port?: number;
  version?: string;
  /** Per-API-key token bucket (default 1000 requests/s, burst 2000). */
  rateLimit?: RateLimitOptions;
  /** Request bodies above this many bytes are refused with 413 before parsing (default 1 MiB). */
  maxBodyBytes?: number;
  /** How long a verified (or refused) key is cached: revocations take effect within it (default 2000 ms). */
  keyCacheMs?: number;
  onError?: (error: Error, path: string | undefined) => void;
}

export interface ApiServer {
  url: string;
  server: http.Server;
  services: ServingServices;
  close(): Promise<void>;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) throw new Error(`maxBodyBytes must be a positive integer, got ${maxBodyBytes}`);
  const services = new ServingServices(options.db, options);
  const shared: ApiContext = {
    db: options.db,
    startedAt: new Date(),
    version: options.version ?? '0.1.0',
    keys: new ApiKeyVerifier(options.db.sql, { cacheMs: options.keyCacheMs }),
    rateLimiter: new TokenBucketRateLimiter(options.rateLimit ?? { ratePerSecond: 1000, burst: 2000 }),
    services,
  };
  const trpcHandler = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: maxBodyBytes,
    createContext: ({ req }) => ({ ...shared, authorization: req.headers.authorization }),
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
      // Refuse a declared oversized body before reading it; tRPC's maxBodySize stops undeclared (chunked) ones.
      if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes) {
        res.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end(
          JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: `request body exceeds the limit of ${maxBodyBytes} bytes` } }),
        );
        req.resume();
        return;
      }
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
    services,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await services.close();
    },
  };
}
