import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildStudio } from '../scripts/buildStudio.js';
import { count, formatTable, gitState, loadAverage, machineInfo, round, writeVerifiedResults, type Check } from './support/report.js';

/**
 * studio: what the studio costs a browser to load. `bundleKilobytesGzipped` is the studio's
 * JavaScript as the server sends it (the gzipped twins scripts/buildStudio.ts writes, level 9),
 * in KB of 1,024 bytes; the goal is at most 300 (issue 17). The page-load time with 100,000
 * profiles (`largestPageLoadMillis`) is not measured yet. See docs/BENCHMARKS.md.
 */

const goals = { bundleKilobytesGzipped: 300 } as const;

export async function studioBenchmark(args: readonly string[]): Promise<void> {
  if (args.length > 0) {
    console.error(`studio takes no options (got ${args.join(' ')})`);
    process.exitCode = 2;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'attune-bench-studio-'));
  const loadAtStart = loadAverage();
  try {
    const started = performance.now();
    const built = await buildStudio(dir);
    const buildSeconds = (performance.now() - started) / 1000;
    console.log(formatTable(['file', 'bytes', 'gzipped'], built.files.map((f) => [f.path, count(f.bytes), count(f.gzipBytes)])));
    const scripts = built.files.filter((f) => f.path.endsWith('.js'));
    const index = readFileSync(join(dir, 'index.html'), 'utf8');
    const checks: Check[] = [
      { name: 'one script', ok: scripts.length === 1, detail: `${scripts.length} .js files: ${scripts.map((f) => f.path).join(', ')}` },
      ...scripts.map((f): Check => {
        const same = gunzipSync(readFileSync(join(dir, `${f.path}.gz`))).equals(readFileSync(join(dir, f.path)));
        return { name: `${f.path}.gz is the script`, ok: same, detail: 'the gzipped twin the server sends decompresses to the built script' };
      }),
      ...scripts.map((f): Check => ({ name: `index.html loads ${f.path}`, ok: index.includes(`src="/studio/${f.path}"`), detail: 'the page loads the script measured' })),
      { name: 'sum', ok: built.javascriptGzipBytes === scripts.reduce((s, f) => s + f.gzipBytes, 0), detail: `${built.javascriptGzipBytes} bytes` },
    ];
    const summary = { bundleKilobytesGzipped: round(built.javascriptGzipBytes / 1024, 1) };
    console.log(`studio JavaScript: ${summary.bundleKilobytesGzipped} KB gzipped (goal at most ${goals.bundleKilobytesGzipped})`);
    writeVerifiedResults({
      benchmark: 'studio',
      summary,
      goals: { ...goals, bundleMet: summary.bundleKilobytesGzipped <= goals.bundleKilobytesGzipped },
      files: built.files,
      buildSeconds: round(buildSeconds, 2),
      notMeasured: ['largestPageLoadMillis (page loads with 100,000 profiles): not built yet'],
      machine: machineInfo(),
      // The bundle's size does not depend on the load; the build time does.
      loadAverage: { atStart: loadAtStart, atEnd: loadAverage() },
      git: gitState(),
      date: new Date().toISOString(),
    }, checks, { write: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
