// `cascade evaluate`: registered model versions side by side on the current data's time-based holdout.
import type { Command } from 'commander';
import { evaluateModelVersions } from '@cascade/pipeline';
import { action, parseNumber, parsePositiveInt, printSummary } from '../cli-kit.js';
import { withDatabase, withDatabaseOptions, type DatabaseOptions } from './database-options.js';

function parseIds(value: string): number[] {
  const ids = value.split(',').map((s) => Number(s.trim()));
  if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--versions: expected comma-separated version ids, got "${value}"`);
  return ids;
}

export function registerEvaluateCommand(program: Command): void {
  withDatabaseOptions(
    program
      .command('evaluate')
      .description('measure registered model versions on the latest events (time-based holdout): recall nDCG/recall@k, ranker AUC/logloss')
      .option('--versions <ids>', 'comma-separated version ids (default: the active and the newest other version of each kind)', parseIds)
      .option('--holdout-share <share>', 'latest share of the events held out', parseNumber('--holdout-share'), 0.1)
      .option('--k <k>', 'cut-off of the recall metrics', parsePositiveInt('--k'), 10)
      .option('--evaluation-users <n>', 'holdout users sampled for the recall metrics', parsePositiveInt('--evaluation-users'), 2000)
      .option('--json', 'print only the JSON summary'),
  ).action(
    action(async (options: DatabaseOptions & { versions?: number[]; holdoutShare: number; k: number; evaluationUsers: number; json?: boolean }) => {
      const result = await withDatabase(options, (db) =>
        evaluateModelVersions(db, { ids: options.versions, holdoutShare: options.holdoutShare, k: options.k, evaluationUsers: options.evaluationUsers }),
      );
      if (!options.json) {
        for (const e of result.evaluations) {
          const m = e.metrics;
          const text = e.kind === 'recall' ? `nDCG@${m.k} ${m.ndcg.toFixed(4)}, recall@${m.k} ${m.recall.toFixed(4)} (${m.users} users)` : `AUC ${m.auc.toFixed(4)}, logloss ${m.logloss.toFixed(4)} (${m.rows} impressions)`;
          process.stderr.write(`  #${e.id} ${e.kind} v${e.version} ${e.status.padEnd(7)} ${text}\n`);
        }
      }
      printSummary({ maxEventId: result.maxEventId, holdoutShare: result.holdoutShare, evaluations: result.evaluations }, { json: true });
    }),
  );
}
