import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killChildren, makeTempDir, removeTempDirs, runAttune } from './support.js';

interface Printed {
  k: number;
  inertia: number;
  silhouette: number | null;
  labels: number[];
  clusters: { cluster: number; size: number; share: number; distinguishing: { feature: string; direction: string }[] }[];
  candidates?: { k: number; inertia: number; silhouette: number }[];
}

// Three plain groups of customers: recent big spenders, lapsed one-timers, the middle.
const rfm = 'recency,frequency,monetary\n1,10,900\n2,12,1100\n300,1,20\n280,2,35\n250,1,15\n100,4,200\n120,5,260\n90,3,180\n';

describe('attune eval cluster', () => {
  afterEach(() => killChildren());
  afterAll(() => removeTempDirs());

  it('prints k-means labels, inertia, silhouette and described clusters; --k auto and --som', { timeout: 60_000 }, async () => {
    const file = join(makeTempDir(), 'rfm.csv');
    writeFileSync(file, rfm);
    const [fixed, auto, som, text] = await Promise.all([
      runAttune(['eval', 'cluster', '--matrix', file, '--k', '3', '--standardize', '--json']),
      runAttune(['eval', 'cluster', '--matrix', file, '--k', 'auto', '--standardize', '--json', '--restarts', '3']),
      runAttune(['eval', 'cluster', '--matrix', file, '--som', '2x3', '--topology', 'hexagonal', '--standardize', '--json', '--epochs', '15']),
      runAttune(['eval', 'cluster', '--matrix', file, '--k', '3', '--standardize']),
    ]);
    expect(fixed.code, fixed.stderr).toBe(0);
    const printed = JSON.parse(fixed.stdout) as Printed;
    expect(printed.k).toBe(3);
    expect(printed.labels).toHaveLength(8);
    // The groups are rows 0-1, 2-4 and 5-7, whatever their numbers.
    expect(new Set(printed.labels.slice(0, 2)).size).toBe(1);
    expect(new Set(printed.labels.slice(2, 5)).size).toBe(1);
    expect(new Set(printed.labels.slice(5)).size).toBe(1);
    expect(new Set(printed.labels).size).toBe(3);
    expect(printed.silhouette).toBeGreaterThan(0.5);
    const big = printed.clusters[printed.labels[0]!]!;
    expect(big).toMatchObject({ size: 2, share: 0.25 });
    expect(big.distinguishing.find((f) => f.feature === 'monetary')?.direction).toBe('higher');
    expect(auto.code, auto.stderr).toBe(0);
    const chosen = JSON.parse(auto.stdout) as Printed;
    expect(chosen.candidates!.map((c) => c.k)).toEqual([2, 3, 4, 5, 6, 7]);
    const best = chosen.candidates!.reduce((a, b) => (b.silhouette > a.silhouette ? b : a));
    expect(chosen.k).toBe(best.k);
    expect(som.code, som.stderr).toBe(0);
    const map = JSON.parse(som.stdout) as { quantizationError: number; topographicError: number; quantizationErrors: number[]; units: number[] };
    expect(map.units).toHaveLength(8);
    expect(map.quantizationErrors).toHaveLength(15);
    expect(map.quantizationError).toBeLessThan(map.quantizationErrors[0]!);
    expect(map.topographicError).toBeGreaterThanOrEqual(0);
    expect(text.stdout).toMatch(/k-means, k = 3/);
    expect(text.stdout).toMatch(/cluster \d: 2 rows, 25\.0% of rows; /);
  });

  it.each([
    [['--k', '2'], 'a,b\n1,2\n3,x\n', 'line 3, column 2 (b)'],
    [['--k', '0'], rfm, '--k'],
    [['--k', 'many'], rfm, '--k'],
    [[], rfm, '--k'],
    [['--som', '3by3'], rfm, '--som'],
    [['--som', '2x2', '--topology', 'round'], rfm, '--topology'],
    [['--k', '2', '--restarts', '0'], rfm, '--restarts'],
  ])('exits 2 on a usage error: %j', { timeout: 60_000 }, async (args, content, message) => {
    const file = join(makeTempDir(), 'm.csv');
    writeFileSync(file, content);
    const result = await runAttune(['eval', 'cluster', '--matrix', file, ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ATTUNE_INVALID_REQUEST');
    expect(result.stderr).toContain(message);
  });

  it('exits 2 when the matrix file is missing', { timeout: 60_000 }, async () => {
    const result = await runAttune(['eval', 'cluster', '--matrix', join(makeTempDir(), 'none.csv'), '--k', '2']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--matrix');
  });
});
