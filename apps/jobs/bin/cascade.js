#!/usr/bin/env node
// Runs the cascade CLI from its TypeScript sources (tsx), resolving workspace packages to their sources.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const result = spawnSync(
  process.execPath,
  ['--conditions=@cascade/source', '--import', 'tsx', main, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
