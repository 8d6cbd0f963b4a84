// `cascade build-index`: builds the HNSW item index of a recall model version and saves it next to it.
import type { Command } from 'commander';
import { buildModelIndex } from '@cascade/recall';
import { action, createProgress, parsePositiveInt, printSummary } from '../cli-kit.js';
import { withDatabase, withDatabaseOptions, type DatabaseOptions } from './database-options.js';

interface BuildIndexOptions extends DatabaseOptions {
  model: string;
  m: number;
  efConstruction: number;
  ef: number;
  skipInactive?: boolean;
  json?: boolean;
}

export function registerBuildIndexCommand(program: Command): void {
  withDatabaseOptions(
    program
      .command('build-index')
      .description('build the HNSW inner-product index of a recall model version (saved as <model>/items.hnsw)')
      .requiredOption('--model <dir>', 'recall model version folder (written by train-recall)')
      .option('--m <n>', 'HNSW graph degree M', parsePositiveInt('--m'), 16)
      .option('--ef-construction <n>', 'HNSW efConstruction', parsePositiveInt('--ef-construction'), 200)
      .option('--ef <n>', 'default search breadth ef stored with the index', parsePositiveInt('--ef'), 50)
      .option('--skip-inactive', 'mark the items that are inactive in the database as deleted')
      .option('--json', 'print only the JSON summary'),
  ).action(
    action(async (options: BuildIndexOptions) => {
      let deletedItemIds: number[] = [];
      if (options.skipInactive) {
        deletedItemIds = await withDatabase(options, async (db) => {
          const rows = await db.sql.query<{ id: number }>('SELECT id FROM items WHERE active = false');
          return rows.map((r) => Number(r.id));
        });
      }
      const progress = createProgress(options);
      let begun = false;
      const result = buildModelIndex(options.model, {
        M: options.m,
        efConstruction: options.efConstruction,
        ef: options.ef,
        deletedItemIds,
        onProgress: (done, total) => {
          if (!begun) {
            progress.start(total, 'indexing items');
            begun = true;
          }
          progress.update(done);
        },
      });
      progress.stop();
      printSummary(
        {
          command: 'build-index',
          model: result.modelDir,
          version: result.version,
          indexFile: result.indexFile,
          items: result.items,
          dim: result.dim,
          M: result.M,
          efConstruction: result.efConstruction,
          ef: result.ef,
          markedDeleted: result.markedDeleted,
          buildSeconds: Math.round(result.buildSeconds * 100) / 100,
        },
        options,
      );
    }),
  );
}
