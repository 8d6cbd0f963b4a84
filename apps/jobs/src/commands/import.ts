import type { Command } from 'commander';
import { IMPORT_FORMATS, importDataset } from '@cascade/db';
import { action, createProgress, parsePositiveInt, printSummary } from '../cli-kit.js';
import { withDatabase, withDatabaseOptions, type DatabaseOptions } from './database-options.js';

interface ImportCommandOptions extends DatabaseOptions {
  batchSize: number;
  idPrefix: string;
  dataset?: string;
  createItems?: boolean;
  json?: boolean;
}

export function registerImportCommand(program: Command): void {
  const formats = IMPORT_FORMATS.map((f) => `  ${f.name.padEnd(18)} ${f.summary}`).join('\n');
  withDatabaseOptions(
    program
      .command('import')
      .description('import a data set into the database (streamed, batched, idempotent)')
      .argument('<format>', `one of: ${IMPORT_FORMATS.map((f) => f.name).join(', ')}`)
      .argument('<path>', 'the data set folder (MovieLens) or file')
      .option('--batch-size <n>', 'rows per database batch', parsePositiveInt('--batch-size'), 5000)
      .option('--id-prefix <prefix>', 'prefix for every user and item id, to keep data sets apart', '')
      .option('--dataset <name>', 'name of the CTR data set (criteo; default: the format name)')
      .option('--create-items', 'create items that events refer to but the catalogue lacks (default for the "events" format)')
      .option('--no-create-items', 'refuse events for items not in the catalogue')
      .option('--json', 'print only the JSON summary'),
  )
    .addHelpText(
      'after',
      `\nFormats:\n${formats}\n\nAtomicity: an import runs in one database transaction. A malformed row stops it with a message naming\nthe file, line and field, and the database is left exactly as it was; fix the row and run the import again.\nRe-importing the same data changes nothing (rows are keyed by their ids and events by idempotency keys).\nThe generic formats are documented in docs/import-formats.md.`,
    )
    .action(
      action(async (format: string, source: string, options: ImportCommandOptions) => {
        const progress = createProgress(options);
        let started = false;
        const summary = await withDatabase(options, (db) =>
          importDataset(db, format, source, {
            batchSize: options.batchSize,
            idPrefix: options.idPrefix,
            dataset: options.dataset,
            createMissingItems: options.createItems,
            onProgress: ({ bytesDone, bytesTotal }) => {
              if (!started) {
                progress.start(bytesTotal, `import ${format}`);
                started = true;
              }
              progress.update(bytesDone);
            },
          }),
        );
        progress.stop();
        printSummary(
          {
            format: summary.format,
            source: summary.source,
            users_inserted: summary.users.inserted,
            users_updated: summary.users.updated,
            items_inserted: summary.items.inserted,
            items_updated: summary.items.updated,
            events_inserted: summary.events.inserted,
            events_duplicates: summary.events.duplicates,
            ctr_examples_inserted: summary.ctrExamples.inserted,
            ctr_examples_duplicates: summary.ctrExamples.duplicates,
            seconds: Number(summary.seconds.toFixed(2)),
          },
          options,
        );
      }),
    );
}
