#!/usr/bin/env node
// The Cascade serving process: opens the database (applying migrations), loads the recommender with the active
// registry versions (artefacts under $CASCADE_MODELS_DIR or .cascade/models), follows promotions (hot reload),
// runs background jobs (pipeline, training, import) on demand and on $CASCADE_PIPELINE_CRON, and serves the API.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { openDatabase } from '@cascade/db';
import { ensureFirstAdmin, startApiServer } from '@cascade/api';
import { activeModelVersionIds, JobRunner, loadServingRecommender, PipelineScheduler, resolveServingModels } from '@cascade/pipeline';

const log = pino({ name: 'cascade-server' });
const port = Number(process.env.CASCADE_PORT ?? 4000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  log.error({ CASCADE_PORT: process.env.CASCADE_PORT }, 'CASCADE_PORT must be a port number');
  process.exit(2);
}

// Embedded PGlite runs on its own thread, in parallel with the event loop that serves (CASCADE_PGLITE_THREAD=0 keeps
// it in process): the impression log, event ingest and long console or pipeline queries then do not stall requests.
const db = await openDatabase({ pgliteThread: true });
log.info({ database: db.kind, location: db.location, migrationsApplied: db.migrations?.applied }, 'database open');
// The console's first admin (CASCADE_ADMIN_EMAIL / CASCADE_ADMIN_PASSWORD, else a generated password shown once).
const firstAdmin = await ensureFirstAdmin(db.sql);
if (firstAdmin.password) log.warn({ email: firstAdmin.email }, `console admin ${firstAdmin.email}, password (shown once): ${firstAdmin.password}`);
const modelsDir = path.resolve(process.env.CASCADE_MODELS_DIR ?? path.join('.cascade', 'models'));
const served = await resolveServingModels(db);
if (!served.recallModelDir || !served.rankerDir) log.warn({ modelsDir }, 'no active model of some kind: recommend serves its fallbacks (train with npm start or cascade pipeline)');
const recommender = await loadServingRecommender(db);
log.info({ modelsDir, modelVersions: recommender.modelVersions, engines: recommender.engines }, 'recommender loaded');
// With PostgreSQL, pipeline jobs run as their own `cascade pipeline` processes (training never stalls serving);
// the embedded database has one process, so there they run in this one, cooperatively.
const cli = fileURLToPath(new URL('../../jobs/src/main.ts', import.meta.url));
const jobs = new JobRunner(db, {
  modelsDir,
  pipelineProcess: { command: process.execPath, args: [...process.execArgv, cli] },
  onLog: (jobId, line) => log.info({ jobId }, line),
});
const abandoned = await jobs.recoverAbandoned();
if (abandoned.length > 0) log.warn({ jobs: abandoned }, 'jobs left running by a process that died were marked failed');
const server = await startApiServer({
  db,
  recommender,
  reloadRecommender: (shared) => loadServingRecommender(db, shared),
  // promotions and rollbacks (by any process) reach this server within a couple of seconds
  activeModelVersions: () => activeModelVersionIds(db.sql),
  jobs,
  host: process.env.CASCADE_HOST ?? '127.0.0.1',
  port,
  // one line per failed request and per recommender reload (or reload failure); metrics at /metrics
  logger: log,
});
const cron = process.env.CASCADE_PIPELINE_CRON?.trim();
const scheduler = cron
  ? new PipelineScheduler(jobs, {
      cron,
      onStarted: (jobId) => log.info({ jobId }, 'scheduled pipeline started'),
      onSkipped: (reason) => log.warn({ reason }, 'scheduled pipeline skipped'),
    }).start()
  : null;
if (scheduler) log.info({ cron, nextRun: scheduler.nextRun() }, 'pipeline schedule');
log.info({ url: server.url, metrics: `${server.url}/metrics` }, 'ready');

async function shutdown(signal: string): Promise<void> {
  log.info({ signal }, 'shutting down');
  scheduler?.stop();
  await jobs.close();
  await server.close();
  await db.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
