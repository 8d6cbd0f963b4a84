import type { Command } from 'commander';
import { DEFAULT_SYNTHETIC_CONFIG, seedDemoData } from '@cascade/db';
import { action, createProgress, parsePositiveInt, printSummary } from '../cli-kit.js';
import { withDatabase, withDatabaseOptions, type DatabaseOptions } from './database-options.js';

interface SeedOptions extends DatabaseOptions {
  users: number;
  items: number;
  impressionsPerUser: number;
  seed: number;
  json?: boolean;
}

export function registerSeedCommand(program: Command): void {
  const d = DEFAULT_SYNTHETIC_CONFIG;
  withDatabaseOptions(
    program
      .command('seed')
      .description('load seeded synthetic demo data: a catalogue, users with latent tastes, impressions and clicks from a known ground truth')
      .option('--users <n>', 'number of users', parsePositiveInt('--users'), d.users)
      .option('--items <n>', 'number of items', parsePositiveInt('--items'), d.items)
      .option('--impressions-per-user <n>', 'mean impressions per user', parsePositiveInt('--impressions-per-user'), d.impressionsPerUser)
      .option('--seed <n>', 'random seed', parsePositiveInt('--seed'), d.seed)
      .option('--json', 'print only the JSON summary'),
  )
    .addHelpText('after', '\nSeeding is idempotent: running it again with the same options changes nothing.')
    .action(
      action(async (options: SeedOptions) => {
        const progress = createProgress(options);
        let started = false;
        const result = await withDatabase(options, (db) =>
          seedDemoData(db, { users: options.users, items: options.items, impressionsPerUser: options.impressionsPerUser, seed: options.seed }, ({ done, total }) => {
            if (!started) {
              progress.start(total, 'seed demo data');
              started = true;
            }
            progress.update(done);
          }),
        );
        progress.stop();
        printSummary(
          {
            users_inserted: result.users.inserted,
            items_inserted: result.items.inserted,
            events_inserted: result.events.inserted,
            events_duplicates: result.events.duplicates,
            seed: result.world.seed,
          },
          options,
        );
      }),
    );
}
