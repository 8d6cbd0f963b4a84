import type { Command } from 'commander';
import { countEntities } from '@cascade/db';
import { action, printSummary } from '../cli-kit.js';
import { withDatabase, withDatabaseOptions, type DatabaseOptions } from './database-options.js';

export function registerStatsCommand(program: Command): void {
  withDatabaseOptions(program.command('stats').description('count users, items, events and CTR examples in the database'))
    .option('--json', 'print only the JSON summary')
    .action(
      action(async (options: DatabaseOptions & { json?: boolean }) => {
        const counts = await withDatabase(options, async (db) => ({ database: db.kind, location: db.location, ...(await countEntities(db.sql)) }));
        printSummary(counts, options);
      }),
    );
}
