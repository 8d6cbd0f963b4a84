#!/usr/bin/env node
// `npm test`: every vitest project in one run (JSON reporter), then the e2e suites when present,
// ending with the line "N passed, N failed" that CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const outDir = path.join(root, '.cascade', 'test-results');
mkdirSync(outDir, { recursive: true });
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NEXT_TELEMETRY_DISABLED: '1' };

// A private PostgreSQL server for the integration tests, when the machine has the server binaries and
// no server was given (CASCADE_TEST_DATABASE_URL). Without one, those tests are skipped, and say so.
let pgDir;
if (!env.CASCADE_TEST_DATABASE_URL) {
  const started = spawnSync('bash', [path.join(root, 'tools/scripts/test-postgres.sh'), 'start'], { encoding: 'utf8' });
  if (started.status === 0) {
    const vars = Object.fromEntries(started.stdout.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
    env.CASCADE_TEST_DATABASE_URL = vars.DATABASE_URL;
    pgDir = vars.PGTEST_DIR;
    console.log(`test: PostgreSQL test server at ${vars.DATABASE_URL}`);
  } else {
    console.log(`test: no PostgreSQL test server (${started.stderr.trim()}); the PostgreSQL integration tests are skipped`);
  }
}
// Tests never touch the developer's own database.
delete env.DATABASE_URL;

let passed = 0;
let failed = 0;
let skipped = 0;

function runVitest(label, configFile, extraArgs = []) {
  const outputFile = path.join(outDir, `${label}.json`);
  const args = ['vitest', 'run', '--config', configFile, '--reporter=default', '--reporter=json', `--outputFile.json=${outputFile}`, ...extraArgs, ...process.argv.slice(2)];
  const result = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env });
  if (!existsSync(outputFile)) {
    console.error(`${label}: vitest wrote no results (exit ${result.status})`);
    failed += 1;
    return;
  }
  const report = JSON.parse(readFileSync(outputFile, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  // A suite that failed to load counts as a failure even though it ran no test.
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1;
  }
  if (result.status !== 0 && report.numFailedTests === 0 && report.numFailedTestSuites === 0) failed += 1;
}

runVitest('unit', 'vitest.config.ts');
if (existsSync(path.join(root, 'e2e', 'vitest.config.ts')) && readdirSync(path.join(root, 'e2e')).some((f) => f.endsWith('.test.ts'))) {
  runVitest('e2e', 'e2e/vitest.config.ts');
}

if (pgDir) spawnSync('bash', [path.join(root, 'tools/scripts/test-postgres.sh'), 'stop', pgDir]);

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
