// `npm start`: the whole platform on one machine with zero set-up. Migrates the database (embedded by
// default), seeds the demo data when it is empty, then serves the API until interrupted.
import type { Command } from 'commander';
import { countEntities, seedDemoData } from '@cascade/db';
import { startApiServer } from '@cascade/api';
import { action, createProgress, parsePositiveInt } from '../cli-kit.js';
import { openFromOptions, withDatabaseOptions, type DatabaseOptions } from './database-options.js';

interface StartOptions extends DatabaseOptions {
  host: string;
  port: number;
  seed: boolean;
}

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
      .option('--no-seed', 'do not seed demo data into an empty database'),
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
      const api = await startApiServer({ db, host: options.host, port: options.port });
      say(`cascade: API        ${api.url}/trpc  (health ${api.url}/healthz, readiness ${api.url}/readyz)`);
      say(`cascade: ready in ${((performance.now() - started) / 1000).toFixed(1)} s. Press Ctrl+C to stop.`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      say('cascade: stopping');
      await api.close();
      await db.close();
    }),
  );
}
