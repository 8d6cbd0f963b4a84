// The `cascade` command tree. Each command lives in ./commands/<name>.ts and registers itself here.
import { Command } from 'commander';
import { registerImportCommand } from './commands/import.js';
import { registerStartCommand } from './commands/start.js';
import { registerSeedCommand } from './commands/seed.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerStatsCommand } from './commands/stats.js';
import { registerTrainRankerCommand } from './commands/train-ranker.js';
import { registerTrainRecallCommand } from './commands/train-recall.js';
import { registerBuildIndexCommand } from './commands/build-index.js';
import { registerEvaluateRecallCommand } from './commands/evaluate-recall.js';
import { registerSimulateExploreCommand } from './commands/simulate-explore.js';
import { registerApiKeysCommand } from './commands/api-keys.js';
import { registerPipelineCommand } from './commands/pipeline.js';
import { registerModelsCommand } from './commands/models.js';
import { registerPromoteCommand } from './commands/promote.js';
import { registerRollbackCommand } from './commands/rollback.js';
import { registerJobsCommand } from './commands/jobs.js';
import { registerEvaluateCommand } from './commands/evaluate.js';
import { registerExportCommand } from './commands/export.js';

export function buildProgram(): Command {
  const program = new Command('cascade')
    .description('Cascade batch jobs: import data, train and index models, evaluate, promote')
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .exitOverride();
  registerStartCommand(program);
  registerMigrateCommand(program);
  registerImportCommand(program);
  registerSeedCommand(program);
  registerStatsCommand(program);
  registerTrainRankerCommand(program);
  registerTrainRecallCommand(program);
  registerBuildIndexCommand(program);
  registerEvaluateRecallCommand(program);
  registerSimulateExploreCommand(program);
  registerApiKeysCommand(program);
  registerPipelineCommand(program);
  registerModelsCommand(program);
  registerPromoteCommand(program);
  registerRollbackCommand(program);
  registerJobsCommand(program);
  registerEvaluateCommand(program);
  registerExportCommand(program);
  return program;
}
