// Where the model artefacts live: --models-dir, $CASCADE_MODELS_DIR, or models/ next to the embedded data folder.
import path from 'node:path';
import type { Command } from 'commander';
import { defaultDataDir } from '@cascade/db';
import type { DatabaseOptions } from './database-options.js';

export interface ModelsDirOptions extends DatabaseOptions {
  modelsDir?: string;
}

export function withModelsDirOption(command: Command): Command {
  return command.option('--models-dir <dir>', 'models folder (default: $CASCADE_MODELS_DIR or models/ next to the data folder)');
}

export function resolveModelsDir(options: ModelsDirOptions): string {
  if (options.modelsDir) return path.resolve(options.modelsDir);
  if (process.env.CASCADE_MODELS_DIR) return path.resolve(process.env.CASCADE_MODELS_DIR);
  return path.join(path.dirname(path.resolve(options.dataDir ?? defaultDataDir())), 'models');
}
