// `cascade promote <id>`: makes a registered version the active one of its kind (servers reload it by themselves).
import type { Command } from 'commander';
import { getModelVersion, promoteModelVersion } from '@cascade/pipeline';
import { action, parsePositiveInt, printSummary } from '../cli-kit.js';
import { withDatabase, withDatabaseOptions, type DatabaseOptions } from './database-options.js';
import { versionLine } from './models.js';

export function registerPromoteCommand(program: Command): void {
  withDatabaseOptions(
    program
      .command('promote')
      .description('make a registered model version the active one of its kind (the previous one is retired)')
      .argument('<id>', 'model version id (see cascade models)', parsePositiveInt('<id>'))
      .option('--json', 'print only the JSON summary'),
  ).action(
    action(async (id: number, options: DatabaseOptions & { json?: boolean }) => {
      const { before, after } = await withDatabase(options, async (db) => {
        const found = await getModelVersion(db.sql, id);
        if (!found) throw new Error(`<id>: no model version ${id} (see cascade models)`);
        return { before: found, after: await promoteModelVersion(db.sql, id) };
      });
      if (!options.json) process.stderr.write(versionLine(after));
      printSummary({ promoted: after.id, kind: after.kind, version: after.version, name: after.name, previousStatus: before.status }, options);
    }),
  );
}
