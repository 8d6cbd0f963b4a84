// Child process of the pipeline benchmark's setup: loads the bench world described by argv[2] (a JSON
// BenchDatabaseSpec) into its database. Run by ensureBenchDatabase, not by hand.
import { loadBenchDatabase, type BenchDatabaseSpec } from './bench-database.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as BenchDatabaseSpec;
if (!spec.world || !spec.cacheRoot) {
  process.stderr.write('usage: setup-child.ts <BenchDatabaseSpec as JSON>\n');
  process.exit(2);
}
const started = performance.now();
const load = await loadBenchDatabase(spec, (line) => process.stderr.write(`pipeline-bench setup: ${line}\n`));
process.stderr.write(
  `pipeline-bench setup: ${load.events} events (${JSON.stringify(load.byType)}, CTR ${load.ctr.toFixed(4)}) in ${((performance.now() - started) / 1000).toFixed(0)} s ${JSON.stringify(load.seconds)}\n`,
);
process.exit(0);
