/**
 * The benchmarks: `npm run bench` runs them all, `npm run bench -- ingest` one of them;
 * options after the name go to that benchmark (`npm run bench -- ingest --quick`).
 * Each prints its figures, checks its own run, and writes bench/results/<name>.json only when
 * every check passed (writeVerifiedResults in bench/support/report.ts); a failed check exits
 * non-zero. docs/BENCHMARKS.md quotes the files.
 */
import { decideBenchmark } from './decide.js';
import { governBenchmark } from './govern.js';
import { ingestBenchmark } from './ingest.js';
import { knowBenchmark } from './know.js';
import { learnBenchmark } from './learn.js';
import { predictBenchmark } from './predict.js';
import { measureBenchmark } from './measure.js';
import { memoryBenchmark } from './memory.js';
import { recommendBenchmark } from './recommend.js';
import { studioBenchmark } from './studio.js';

const benchmarks: Readonly<Record<string, (args: readonly string[]) => Promise<void>>> = {
  ingest: ingestBenchmark,
  know: knowBenchmark,
  decide: decideBenchmark,
  measure: measureBenchmark,
  memory: memoryBenchmark,
  recommend: recommendBenchmark,
  learn: learnBenchmark,
  predict: predictBenchmark,
  studio: studioBenchmark,
  govern: governBenchmark,
};

const help = `usage: npm run bench [-- NAME [options]]
  NAME: ${Object.keys(benchmarks).join(', ')} (all of them, one after the other, when omitted)
  ingest  --seconds=N --warmup=N --connections=N --quick --sync=full|normal --profile[=dir] --pragma=name=value
  know    --seconds=N --warmup=N --connections=N --sync=full|normal --profiles=N --evaluations=N --only=http,rules,memory --profile[=dir]
  decide  --quick --profiles=N --calls=N --seconds=N --warmup=N --connections=N --profile[=file] --profile-server[=dir]
  measure --quick --units=N --events=N --runs=N
  memory  --quick --profiles=N --base-events=N --tail-events=N --connections=N --profile[=dir]
  recommend --quick   (MovieLens 100K from ATTUNE_SHARED_DIR or ../shared)
  learn   --quick
  predict --quick --demo-customers=N --only=demo   (CDNOW from ATTUNE_SHARED_DIR or ../shared; the demo shop, 20,000 customers)
  studio  --profiles=N --repetitions=N --bundle-only   (the studio's JavaScript, gzipped; page loads in Chromium with 100,000 profiles)
  govern  --quick   (export and erasure of a person with 10,000 events; access and consent checks per decide)
Quick, partial and profiled runs are checked but write no results file. See docs/BENCHMARKS.md.`;

const [name, ...args] = process.argv.slice(2);
if (name === '--help' || name === '-h') {
  console.log(help);
} else if (name === undefined || name.startsWith('--')) {
  const failed: string[] = [];
  for (const [each, run] of Object.entries(benchmarks)) {
    console.log(`== ${each}`);
    process.exitCode = 0;
    await run(name === undefined ? [] : [name, ...args]);
    if (process.exitCode !== 0) failed.push(each);
  }
  if (failed.length > 0) console.error(`not verified (no results written): ${failed.join(', ')}`);
  process.exitCode = failed.length > 0 ? 1 : 0;
} else {
  const run = benchmarks[name];
  if (run === undefined) {
    console.error(`unknown benchmark "${name}"; one of: ${Object.keys(benchmarks).join(', ')}\n${help}`);
    process.exit(2);
  }
  await run(args);
}
