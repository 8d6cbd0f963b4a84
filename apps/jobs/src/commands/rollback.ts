// `cascade rollback <kind>`: re-activates the version that was active before the current one.
import type { Command } from 'commander';
import { activeModelVersion, checkModelKind, rollbackModel } from '@cascade/pipeline';
import { action, printSummary } from '../cli-kit.js';
import { withDatabase, withDatabaseOptions, type DatabaseOptions } from './database-options.js';
import { versionLine } from './models.js';

export function registerRollbackCommand(program: Command): void {
  withDatabaseOptions(
    program
      .command('rollback')
      .description('re-activate the previously active version of a model kind (servers reload it by themselves)')
      .argument('<kind>', 'recall or ranker')
      .option('--json', 'print only the JSON summary'),
  ).action(
    action(async (kindArg: string, options: DatabaseOptions & { json?: boolean }) => {
      const kind = checkModelKind(kindArg, '<kind>');
      const { from, to } = await withDatabase(options, async (db) => {
        const current = await activeModelVersion(db.sql, kind);
        return { from: current, to: await rollbackModel(db.sql, kind) };
      });
      if (!options.json) process.stderr.write(versionLine(to));
      printSummary({ kind, active: to.id, version: to.version, name: to.name, replaced: from?.id ?? null }, options);
    }),
  );
}
