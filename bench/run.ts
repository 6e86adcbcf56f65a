/**
 * The benchmarks: `npm run bench` runs them all, `npm run bench -- ingest` one of them;
 * options after the name go to that benchmark (`npm run bench -- ingest --quick`).
 * Each prints its figures and writes bench/results/<name>.json; docs/BENCHMARKS.md quotes them.
 */
import { decideBenchmark } from './decide.js';
import { ingestBenchmark } from './ingest.js';
import { knowBenchmark } from './know.js';
import { measureBenchmark } from './measure.js';

const benchmarks: Readonly<Record<string, (args: readonly string[]) => Promise<void>>> = {
  ingest: ingestBenchmark,
  know: knowBenchmark,
  decide: decideBenchmark,
  measure: measureBenchmark,
};

const [name, ...args] = process.argv.slice(2);
if (name === undefined || name.startsWith('--')) {
  for (const [each, run] of Object.entries(benchmarks)) {
    console.log(`== ${each}`);
    await run(name === undefined ? [] : [name, ...args]);
  }
} else {
  const run = benchmarks[name];
  if (run === undefined) {
    console.error(`unknown benchmark "${name}"; one of: ${Object.keys(benchmarks).join(', ')}`);
    process.exit(2);
  }
  await run(args);
}
