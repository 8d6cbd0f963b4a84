// `cascade build-index`: builds the HNSW item index of a recall model version and saves it next to it.
import path from 'node:path';
import type { Command } from 'commander';
import { HnswItemIndex, INDEX_FILE_NAME, indexVectors, loadRecallModel } from '@cascade/recall';
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
      const artifact = loadRecallModel(options.model);
      const { vectors, dim } = indexVectors(artifact.model);
      const ids = artifact.meta.itemIds;
      const progress = createProgress(options);
      progress.start(ids.length, 'indexing items');
      const t0 = performance.now();
      const index = HnswItemIndex.build(
        vectors,
        ids,
        { dim, M: options.m, efConstruction: options.efConstruction, ef: options.ef },
        (done) => progress.update(done),
      );
      progress.stop();
      const buildSeconds = (performance.now() - t0) / 1000;
      let deleted = 0;
      if (options.skipInactive) {
        await withDatabase(options, async (db) => {
          const rows = await db.sql.query<{ id: number }>('SELECT id FROM items WHERE active = false');
          for (const r of rows) if (index.markDeleted(Number(r.id))) deleted++;
        });
      }
      const file = path.join(artifact.dir, INDEX_FILE_NAME);
      index.save(file);
      printSummary(
        {
          command: 'build-index',
          model: artifact.dir,
          version: artifact.meta.version,
          indexFile: file,
          items: ids.length,
          dim,
          M: options.m,
          efConstruction: options.efConstruction,
          ef: options.ef,
          markedDeleted: deleted,
          buildSeconds: Math.round(buildSeconds * 100) / 100,
        },
        options,
      );
    }),
  );
}
