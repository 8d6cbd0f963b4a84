// `cascade export events|recommendations|model`: data, batch recommendations and model versions out of the platform.
import type { Command } from 'commander';
import { exportEventsCsv, exportModelVersion, exportRecommendations } from '@cascade/pipeline';
import { action, createProgress, parsePositiveInt, printSummary } from '../cli-kit.js';
import { withDatabase, withDatabaseOptions, type DatabaseOptions } from './database-options.js';

interface OutputOptions extends DatabaseOptions {
  json?: boolean;
}

export function registerExportCommand(program: Command): void {
  const exporter = program.command('export').description('export events (CSV), batch recommendations (JSON lines) or a model version (folder)');
  withDatabaseOptions(
    exporter
      .command('events')
      .description('every event as the generic events CSV (cascade import events reads it back; re-importing stores nothing twice)')
      .argument('<file>', 'output CSV file')
      .option('--since <time>', 'only events at or after this ISO time')
      .option('--json', 'print only the JSON summary'),
  ).action(
    action(async (file: string, options: OutputOptions & { since?: string }) => {
      const since = options.since === undefined ? undefined : new Date(options.since);
      if (since && Number.isNaN(since.getTime())) throw new Error(`--since: not a date: "${options.since}"`);
      const progress = createProgress(options);
      const rows = await withDatabase(options, async (db) => {
        progress.start(Number((await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0].n), 'export events');
        const n = await exportEventsCsv(db, file, { since, onProgress: (r) => progress.update(r) });
        progress.stop();
        return n;
      });
      printSummary({ file, events: rows }, options);
    }),
  );
  withDatabaseOptions(
    exporter
      .command('recommendations')
      .description('top-k recommendations of the active models for every user (or --users), as JSON lines; nothing is logged')
      .argument('<file>', 'output JSON-lines file')
      .option('--k <k>', 'items per user', parsePositiveInt('--k'), 20)
      .option('--placement <name>', 'placement whose exploration policy applies', 'export')
      .option('--users <ids>', 'comma-separated external user ids (default: every user)')
      .option('--limit <n>', 'at most this many users', parsePositiveInt('--limit'))
      .option('--json', 'print only the JSON summary'),
  ).action(
    action(async (file: string, options: OutputOptions & { k: number; placement: string; users?: string; limit?: number }) => {
      const users = options.users?.split(',').map((u) => u.trim()).filter(Boolean);
      if (options.users !== undefined && (!users || users.length === 0)) throw new Error('--users: expected comma-separated user ids');
      const count = await withDatabase(options, (db) => exportRecommendations(db, file, { k: options.k, placement: options.placement, users, limit: options.limit }));
      printSummary({ file, users: count, k: options.k }, options);
    }),
  );
  withDatabaseOptions(
    exporter
      .command('model')
      .description("copy a model version's artefact folder, with its registry record (registry.json)")
      .argument('<id>', 'model version id (see cascade models)', parsePositiveInt('<id>'))
      .argument('<dir>', 'output folder (new or empty)')
      .option('--json', 'print only the JSON summary'),
  ).action(
    action(async (id: number, dir: string, options: OutputOptions) => {
      const { version, files } = await withDatabase(options, (db) => exportModelVersion(db, id, dir));
      printSummary({ id: version.id, kind: version.kind, version: version.version, name: version.name, dir, files: files.length }, options);
    }),
  );
}
