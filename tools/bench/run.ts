// `npm run bench -- <name> [args]`: runs tools/bench/<name>.ts; its result is printed as one JSON object on the last line.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();
const name = process.argv[2];
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name> [options]\navailable benchmarks: ${available.join(', ')}\n`);
  process.exit(2);
}
const mod = (await import(path.join(here, `${name}.bench.ts`))) as { run(args: string[]): Promise<Record<string, unknown>> };
const result = await mod.run(process.argv.slice(3));
process.stdout.write(`${JSON.stringify({ bench: name, ...result })}\n`);
process.exit(0);
