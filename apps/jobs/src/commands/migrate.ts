import type { Command } from 'commander';
import { openDatabase } from '@cascade/db';
import { action, printSummary } from '../cli-kit.js';
import { withDatabaseOptions, type DatabaseOptions } from './database-options.js';

export function registerMigrateCommand(program: Command): void {
  withDatabaseOptions(program.command('migrate').description('apply pending database migrations (prisma/migrations)'))
    .option('--json', 'print only the JSON summary')
    .action(
      action(async (options: DatabaseOptions & { json?: boolean }) => {
        const db = await openDatabase({ ...options });
        try {
          printSummary({ database: db.kind, location: db.location, applied: db.migrations?.applied ?? [], already_applied: db.migrations?.alreadyApplied ?? 0 }, options);
        } finally {
          await db.close();
        }
      }),
    );
}
