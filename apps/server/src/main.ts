#!/usr/bin/env node
// The Cascade serving process: opens the database (applying migrations), loads the recommender from the
// models folder ($CASCADE_MODELS_DIR or .cascade/models) and serves the API.
import path from 'node:path';
import pino from 'pino';
import { openDatabase } from '@cascade/db';
import { startApiServer } from '@cascade/api';
import { findStartupModels, Recommender } from '@cascade/pipeline';

const log = pino({ name: 'cascade-server' });
const port = Number(process.env.CASCADE_PORT ?? 4000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  log.error({ CASCADE_PORT: process.env.CASCADE_PORT }, 'CASCADE_PORT must be a port number');
  process.exit(2);
}

const db = await openDatabase();
log.info({ database: db.kind, location: db.location, migrationsApplied: db.migrations?.applied }, 'database open');
const modelsDir = path.resolve(process.env.CASCADE_MODELS_DIR ?? path.join('.cascade', 'models'));
const found = findStartupModels(modelsDir);
if (!found.recallModelDir || !found.rankerDir) log.warn({ modelsDir }, 'models missing: recommend serves its fallbacks (train with npm start or cascade train-*)');
const recommender = await Recommender.load(db, { modelsDir });
log.info({ modelsDir, modelVersions: recommender.modelVersions }, 'recommender loaded');
const server = await startApiServer({
  db,
  recommender,
  reloadRecommender: (shared) => Recommender.load(db, { modelsDir, ...shared }),
  host: process.env.CASCADE_HOST ?? '127.0.0.1',
  port,
  // one line per failed request and per recommender reload (or reload failure); metrics at /metrics
  logger: log,
});
log.info({ url: server.url, metrics: `${server.url}/metrics` }, 'ready');

async function shutdown(signal: string): Promise<void> {
  log.info({ signal }, 'shutting down');
  await server.close();
  await db.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
