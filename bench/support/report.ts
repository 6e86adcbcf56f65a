import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly platform: string;
  readonly kernel: string;
  readonly node: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    platform: `${process.platform}-${process.arch}`,
    kernel: release(),
    node: process.version,
  };
}

/**
 * Busy and total CPU time of the whole machine so far (all processes and the kernel), in ms.
 * From /proc/stat where there is one, so that time waiting for the disk counts as idle.
 */
export function machineCpuTimes(): { busyMs: number; totalMs: number } {
  if (existsSync('/proc/stat')) {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const tick = 1000 / 100; // USER_HZ is 100 on Linux
    const busy = user + nice + system + irq + softirq + steal;
    return { busyMs: busy * tick, totalMs: (busy + idle + iowait) * tick };
  }
  let busyMs = 0;
  let totalMs = 0;
  for (const { times } of cpus()) {
    const total = times.user + times.nice + times.sys + times.irq + times.idle;
    totalMs += total;
    busyMs += total - times.idle;
  }
  return { busyMs, totalMs };
}

/** os.loadavg() (1, 5 and 15 minutes), rounded: recorded in every results file, since the machine is shared. */
export function loadAverage(): number[] {
  return loadavg().map((l) => round(l, 2));
}

/** Cores' worth of CPU the whole machine is using, sampled over `millis`: to notice other work running. */
export async function machineBusyCores(millis: number): Promise<number> {
  const before = machineCpuTimes();
  await new Promise((resolve) => setTimeout(resolve, millis));
  const after = machineCpuTimes();
  return ((after.busyMs - before.busyMs) / (after.totalMs - before.totalMs)) * cpus().length;
}

/** Cores in use on the machine before a run (sampled over a second), with a warning when it is busy: the figures would be low and noisy. */
export async function busyCoresBeforeRun(): Promise<number> {
  const busy = await machineBusyCores(1000);
  if (busy > 0.2) console.warn(`  warning: the machine is busy before the run (${fixed(busy)} cores in use); figures will be low and noisy`);
  return busy;
}

/** The commit measured, and whether the working tree had changes (figures from a dirty tree are provisional). */
export function gitState(): { commit: string; changedFiles: number } | null {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { commit, changedFiles: status.split('\n').filter(Boolean).length };
  } catch {
    return null;
  }
}

export const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));

/** One check a benchmark makes of its own run (events stored equal those acknowledged, figures recomputed another way...). */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** What was compared, with the numbers: printed when the check fails, and kept in the file. */
  readonly detail: string;
}

/** The headline figures of a results file, named as in the issues: flat, finite numbers. */
export type Summary = Readonly<Record<string, number>>;

/** What a benchmark hands to `writeVerifiedResults`: its summary and whatever detail it keeps. */
export interface BenchmarkResult {
  readonly benchmark: string;
  readonly summary: Summary;
  readonly [detail: string]: unknown;
}

/** Summary entries that are not finite numbers (a missing figure, a NaN ratio): a file with one is refused. */
export function summaryProblems(summary: unknown): string[] {
  if (typeof summary !== 'object' || summary === null || Array.isArray(summary)) return ['summary is not an object'];
  const entries = Object.entries(summary);
  if (entries.length === 0) return ['summary is empty'];
  return entries.filter(([, value]) => typeof value !== 'number' || !Number.isFinite(value)).map(([key, value]) => `summary.${key} is ${JSON.stringify(value) ?? String(value)}, not a finite number`);
}

export interface WriteOptions {
  /** False for a run that is not the benchmark's figure (quick, partial, profiled): checked, never written. */
  readonly write: boolean;
  /** Why a run is not written, for the closing line. */
  readonly notWrittenBecause?: string;
  /** The folder of the results files (bench/results by default). */
  readonly dir?: string;
}

/**
 * The one way a benchmark ends: its checks are printed when they fail, and the results file
 * (`<dir>/<name>.json`, with `verified: true` and the checks) is written only when every
 * check passed and the summary is flat finite numbers. A failed check writes nothing and
 * sets a non-zero exit code, so a run that does not verify can never be quoted.
 * Returns the path written, or null.
 */
export function writeVerifiedResults(result: BenchmarkResult, checks: readonly Check[], options: WriteOptions): string | null {
  const failed = checks.filter((c) => !c.ok);
  const problems = summaryProblems(result.summary);
  console.log(`summary: ${JSON.stringify(result.summary)}`);
  if (checks.length === 0) failed.push({ name: 'checks', ok: false, detail: 'the benchmark made no check of its own run' });
  for (const c of failed) console.error(`check failed: ${c.name}: ${c.detail}`);
  for (const p of problems) console.error(`results refused: ${p}`);
  if (failed.length > 0 || problems.length > 0) {
    console.error(`${result.benchmark}: not verified; bench/results/${result.benchmark}.json not written`);
    process.exitCode = 1;
    return null;
  }
  if (!options.write) {
    console.log(`${result.benchmark}: verified (${checks.length.toString()} checks); results not written (${options.notWrittenBecause ?? 'not a full run'})`);
    return null;
  }
  const dir = options.dir ?? resultsDir;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${result.benchmark}.json`);
  // The load average when the file is written, beside the one the benchmark took at its start.
  const atStart = (result['loadAverage'] as { atStart?: unknown } | undefined)?.atStart;
  const file = { ...result, loadAverage: { ...(atStart === undefined ? {} : { atStart }), atEnd: loadAverage() }, verified: true, checks: checks.map(({ name, detail }) => ({ name, detail })) };
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}

/** Plain text table; numbers (and anything starting with a digit) are right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const numeric = (text: string) => /^[\d.,x%-]+$/.test(text) && /\d/.test(text);
  const line = (row: readonly string[]) => row.map((cell, c) => (numeric(cell) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** 12345.6 -> "12,346". */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fixed(n: number, digits = 2): string {
  return n.toFixed(digits);
}

/** Rounds for the JSON file: figures, not noise. */
export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
