import { sendResult } from './knowChild.js';

/**
 * The child processes of the `decide` benchmark (decidePrepare.ts, decideInProcess.ts) are
 * started with runInChild (bench/support/knowChild.ts) and send one result; their work is
 * asynchronous (the store, the Collector, the DecisionService). A failure exits non-zero.
 */
export function decideChildMain(main: () => Promise<unknown>): void {
  main().then(sendResult, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

/** Percentiles of a list of samples (sorted in place). */
export interface Percentiles {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export function percentiles(samples: Float64Array): Percentiles {
  samples.sort();
  const n = samples.length;
  const at = (q: number) => (n === 0 ? 0 : samples[Math.min(n - 1, Math.floor(q * n))]!);
  let sum = 0;
  for (const s of samples) sum += s;
  return { count: n, mean: n === 0 ? 0 : sum / n, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: n === 0 ? 0 : samples[n - 1]! };
}
