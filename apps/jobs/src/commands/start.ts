// `npm start`: the whole platform on one machine with zero set-up. Migrates the database (embedded by
// default), seeds the demo data when it is empty, trains the recall and ranking models from the events when
// the models folder has none yet (reusing them on later starts), then serves the API until interrupted.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { countEntities, defaultDataDir, seedDemoData } from '@cascade/db';
import { activeModelVersionIds, ensureStartupModels, JobRunner, loadServingRecommender, PipelineScheduler, type StartupStageReport } from '@cascade/pipeline';
import { countActiveApiKeys, createApiKey, ensureFirstAdmin, startApiServer, type ApiLogger } from '@cascade/api';
import { action, createProgress, parsePositiveInt } from '../cli-kit.js';
import { startConsole, type ConsoleProcess } from '../console-process.js';
import { openFromOptions, withDatabaseOptions, type DatabaseOptions } from './database-options.js';

interface StartOptions extends DatabaseOptions {
  host: string;
  port: number;
  seed: boolean;
  train: boolean;
  modelsDir?: string;
  pipelineCron?: string;
  console: boolean;
  consolePort: number;
}

/** `.cascade/models` next to the embedded database's folder, unless given. */
function modelsDirFor(options: StartOptions): string {
  if (options.modelsDir) return path.resolve(options.modelsDir);
  if (process.env.CASCADE_MODELS_DIR) return path.resolve(process.env.CASCADE_MODELS_DIR);
  return path.join(path.dirname(path.resolve(options.dataDir ?? defaultDataDir())), 'models');
}

const STAGE_TITLES = { recall: 'recall ALS', index: 'recall HNSW index', ranker: 'ranker DeepFM' } as const;

/** A path relative to the working folder when it lies inside it. */
function shortPath(p: string): string {
  const relative = path.relative(process.cwd(), p);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : p;
}

/** One line per stage: what happened, how long it took, and its key metric. */
function stageLine(r: StartupStageReport): string {
  const title = STAGE_TITLES[r.stage];
  if (r.status === 'skipped') return `cascade: ${title} skipped (${r.reason ?? 'nothing to train on'})`;
  if (r.status === 'reused') return `cascade: ${title} reusing ${shortPath(r.path ?? '')}`;
  const seconds = `${r.seconds < 0.1 ? r.seconds.toFixed(2) : r.seconds.toFixed(1)} s`;
  const m = r.metrics;
  if (r.stage === 'recall') {
    const metric = m.ndcg !== undefined ? `nDCG@${m.k} ${m.ndcg.toFixed(3)}, recall@${m.k} ${m.recall.toFixed(3)} on leave-last-out holdout` : 'no holdout';
    return `cascade: ${title} trained in ${seconds} (${m.users} users × ${m.items} items, ${metric})`;
  }
  if (r.stage === 'index') return `cascade: ${title} built in ${seconds} (${m.items} items, ${m.dim} dims)`;
  return `cascade: ${title} trained in ${seconds} (AUC ${m.auc.toFixed(3)}, logloss ${m.logloss.toFixed(3)} on the latest 20% of impressions)`;
}

/** One `cascade:` line on stderr: `recommender reload failed: <error>` or `request failed: procedure=… code=… message=…`. */
function apiLogLine(fields: Record<string, unknown>, message: string): void {
  const detail =
    typeof fields.error === 'string'
      ? fields.error
      : Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
  process.stderr.write(`cascade: ${message}: ${detail}\n`);
}

/** The API's log at warn level and above only (server errors, reload failures), so the console stays as it
 *  is; `cascade-server` (apps/server) logs every line as JSON with pino. */
const quietApiLogger: ApiLogger = { info: () => undefined, warn: apiLogLine, error: apiLogLine };

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function registerStartCommand(program: Command): void {
  withDatabaseOptions(
    program
      .command('start')
      .description('migrate the database, seed demo data if it is empty, and serve the platform on localhost')
      .option('--host <host>', 'interface to listen on', process.env.CASCADE_HOST ?? '127.0.0.1')
      .option('--port <port>', 'API port', parsePositiveInt('--port'), Number(process.env.CASCADE_PORT ?? 4000))
      .option('--no-seed', 'do not seed demo data into an empty database')
      .option('--no-train', 'do not train the recall and ranking models before serving')
      .option('--models-dir <dir>', 'models folder (default: $CASCADE_MODELS_DIR or models/ next to the data folder)')
      .option('--pipeline-cron <expression>', 'retrain on this cron schedule, e.g. "0 3 * * *" (default: $CASCADE_PIPELINE_CRON; none)', process.env.CASCADE_PIPELINE_CRON)
      .option('--console-port <port>', 'admin console port', parsePositiveInt('--console-port'), Number(process.env.CASCADE_CONSOLE_PORT ?? 3000))
      .option('--no-console', 'do not serve the admin console'),
  ).action(
    action(async (options: StartOptions) => {
      const started = performance.now();
      const db = await openFromOptions(options);
      say(`cascade: database ${db.kind} at ${db.location} (${db.migrations?.applied.length ?? 0} migrations applied now)`);
      let counts = await countEntities(db.sql);
      if (options.seed && counts.users === 0 && counts.items === 0 && counts.events === 0) {
        say('cascade: the database is empty: seeding the synthetic demo data (cascade seed --help)');
        const progress = createProgress();
        let begun = false;
        await seedDemoData(db, {}, ({ done, total }) => {
          if (!begun) {
            progress.start(total, 'seed demo data');
            begun = true;
          }
          progress.update(done);
        });
        progress.stop();
        counts = await countEntities(db.sql);
      }
      say(`cascade: ${counts.users} users, ${counts.items} items, ${counts.events} events`);
      const modelsDir = modelsDirFor(options);
      if (options.train) {
        say(`cascade: models in ${modelsDir}`);
        await ensureStartupModels(db, { modelsDir, onProgress: (r) => say(stageLine(r)) });
      }
      // The active registry versions; without models the recommender serves its fallbacks (popularity and new
      // items, recall order).
      const recommender = await loadServingRecommender(db);
      // With PostgreSQL, pipeline jobs run as their own `cascade pipeline` processes; embedded, in this one.
      const jobs = new JobRunner(db, {
        modelsDir,
        pipelineProcess: { command: process.execPath, args: [...process.execArgv, fileURLToPath(new URL('../main.ts', import.meta.url))] },
        onLog: (jobId, line) => say(`cascade: job ${jobId}: ${line}`),
      });
      await jobs.recoverAbandoned();
      if ((await countActiveApiKeys(db.sql)) === 0) {
        const created = await createApiKey(db.sql, { name: 'first admin key (npm start)', scopes: ['admin', 'recommend', 'ingest'] });
        say(`cascade: API key (shown once): ${created.key}  (scopes admin, recommend, ingest; more with cascade api-keys --help)`);
      }
      const api = await startApiServer({
        db,
        host: options.host,
        port: options.port,
        recommender,
        reloadRecommender: (shared) => loadServingRecommender(db, shared),
        // promotions and rollbacks reach serving within a couple of seconds (hot reload)
        activeModelVersions: () => activeModelVersionIds(db.sql),
        jobs,
        // reload failures come through the logger as `cascade: recommender reload failed: <error>`
        logger: quietApiLogger,
      });
      say(`cascade: API        ${api.url}/trpc  (health ${api.url}/healthz, readiness ${api.url}/readyz)`);
      // The first console user (CASCADE_ADMIN_EMAIL / CASCADE_ADMIN_PASSWORD, or a generated password shown once),
      // then the admin console (apps/console) next to the API; the API keeps serving if the console cannot start.
      const admin = await ensureFirstAdmin(db.sql);
      if (admin.password) say(`cascade: console admin ${admin.email}, password (shown once): ${admin.password}`);
      // It starts in the background (a first start builds it, which takes a minute or two); its URL follows.
      const consoleAbort = new AbortController();
      const adminConsole: Promise<ConsoleProcess | undefined> = options.console
        ? startConsole({ apiUrl: api.url, port: options.consolePort, host: options.host, onProgress: say, signal: consoleAbort.signal }).then(
            (served) => {
              say(`cascade: console    ${served.url}`);
              return served;
            },
            (error: Error) => {
              if (!consoleAbort.signal.aborted && error.name !== 'AbortError') process.stderr.write(`cascade: console failed to start: ${error.message}\n`);
              return undefined;
            },
          )
        : Promise.resolve(undefined);
      const scheduler = options.pipelineCron
        ? new PipelineScheduler(jobs, {
            cron: options.pipelineCron,
            onStarted: (jobId) => say(`cascade: scheduled pipeline started as job ${jobId}`),
            onSkipped: (reason) => say(`cascade: scheduled pipeline skipped: ${reason}`),
          }).start()
        : null;
      if (scheduler) say(`cascade: pipeline schedule "${options.pipelineCron}", next run ${scheduler.nextRun()?.toISOString() ?? 'never'}`);
      say(`cascade: ready in ${((performance.now() - started) / 1000).toFixed(1)} s. Press Ctrl+C to stop.`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      say('cascade: stopping');
      scheduler?.stop();
      consoleAbort.abort();
      await (await adminConsole)?.close();
      await jobs.close();
      await api.close();
      await db.close();
    }),
  );
}
