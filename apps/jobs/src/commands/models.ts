// `cascade models`: the registry's versions with their status, metrics and the gate's decision.
import type { Command } from 'commander';
import { checkModelKind, listModelVersions, type ModelVersionRecord } from '@cascade/pipeline';
import { action, parsePositiveInt, printSummary } from '../cli-kit.js';
import { withDatabase, withDatabaseOptions, type DatabaseOptions } from './database-options.js';

/** The headline metrics of a version in one short string. */
export function metricLine(v: ModelVersionRecord): string {
  const m = v.metrics;
  const f = (x: unknown) => (typeof x === 'number' ? x.toFixed(4) : '–');
  return v.kind === 'recall' ? `nDCG@${String(m.k ?? 10)} ${f(m.ndcg)}, recall ${f(m.recall)}` : `AUC ${f(m.auc)}, logloss ${f(m.logloss)}`;
}

export function versionLine(v: ModelVersionRecord): string {
  return `  #${v.id} ${v.kind} v${v.version} ${v.status.padEnd(7)} ${v.name}  ${metricLine(v)}${v.decision ? `  (${v.decision})` : ''}\n`;
}

export function registerModelsCommand(program: Command): void {
  withDatabaseOptions(
    program
      .command('models')
      .description('list the registered model versions (newest first)')
      .option('--kind <kind>', 'recall or ranker')
      .option('--limit <n>', 'how many', parsePositiveInt('--limit'), 20)
      .option('--json', 'print only the JSON summary'),
  ).action(
    action(async (options: DatabaseOptions & { kind?: string; limit: number; json?: boolean }) => {
      const kind = options.kind === undefined ? undefined : checkModelKind(options.kind, '--kind');
      const { rows, total } = await withDatabase(options, (db) => listModelVersions(db.sql, { kind, limit: Math.min(options.limit, 1000) }));
      if (!options.json) for (const v of rows) process.stderr.write(versionLine(v));
      printSummary({ total, versions: rows }, { json: true });
    }),
  );
}
