// The serving HTTP endpoint: tRPC under /trpc plus health and readiness probes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { CascadeDatabase } from '@cascade/db';
import type { JobRunner } from '@cascade/pipeline';
import { silentLogger, type ApiLogger } from './api-logger.js';
import { appRouter } from './app-router.js';
import { ApiKeyVerifier } from './auth/api-keys.js';
import { TokenBucketRateLimiter, type RateLimitOptions } from './auth/rate-limiter.js';
import { ServingMetrics } from './serving-metrics.js';
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
  /** Structured log (pino-compatible): one line per failed request and per recommender reload. Default: silent. */
  logger?: ApiLogger;
  /** The Prometheus metrics served at /metrics (default: a fresh ServingMetrics with its own registry). */
  metrics?: ServingMetrics;
  /** The server's background jobs (pipeline runs, training, imports), reachable from the admin procedures. */
  jobs?: JobRunner;
}

export interface ApiServer {
  url: string;
  server: http.Server;
  services: ServingServices;
  metrics: ServingMetrics;
  close(): Promise<void>;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) throw new Error(`maxBodyBytes must be a positive integer, got ${maxBodyBytes}`);
  const baseLogger = options.logger ?? silentLogger;
  const logger = baseLogger.child?.({ component: 'api' }) ?? baseLogger;
  const metrics = options.metrics ?? new ServingMetrics();
  const services = new ServingServices(options.db, { ...options, metrics, logger });
  const shared: ApiContext = {
    db: options.db,
    startedAt: new Date(),
    version: options.version ?? '0.1.0',
    keys: new ApiKeyVerifier(options.db.sql, { cacheMs: options.keyCacheMs }),
    rateLimiter: new TokenBucketRateLimiter(options.rateLimit ?? { ratePerSecond: 1000, burst: 2000 }),
    services,
    metrics,
    jobs: options.jobs,
  };
  const trpcHandler = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: maxBodyBytes,
    createContext: ({ req, res }) => ({
      ...shared,
      authorization: req.headers.authorization,
      cookie: req.headers.cookie,
      csrfToken: typeof req.headers['x-cascade-csrf'] === 'string' ? req.headers['x-cascade-csrf'] : undefined,
      setCookie: (cookie: string) => res.appendHeader('set-cookie', cookie),
    }),
    onError: ({ error, path }) => {
      // One line per failed request: the caller's mistakes at info, the server's at error.
      const fields = { procedure: path ?? null, code: error.code, message: error.message, ...(process.env.CASCADE_DEBUG ? { stack: error.stack } : {}) };
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        logger.error(fields, 'request failed');
        options.onError?.(error, path);
      } else {
        logger.info(fields, 'request refused');
      }
    },
  });
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
      return;
    }
    if (url === '/metrics') {
      metrics
        .render()
        .then((text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text))
        .catch((error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${error.message}`));
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
  logger.info({ url: `http://${address.address}:${address.port}`, modelVersions: services.modelVersions }, 'api listening');
  return {
    url: `http://${address.address}:${address.port}`,
    server,
    services,
    metrics,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await services.close();
    },
  };
}
