import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { AttuneError } from '../../errors/AttuneError.js';
import { dayOf } from '../orders/Order.js';
import { parseCdnow } from '../orders/parseCdnow.js';
import cases from './cluster.cases.json' with { type: 'json' };
import { kmeans } from './kmeans.js';
import { lloyd } from './lloyd.js';
import { matrixFromRows, matrixToRows, type Matrix } from './Matrix.js';
import { rfmMatrix } from './rfmMatrix.js';
import { seedCentroids } from './seedCentroids.js';
import { scaleRow, standardize } from './standardize.js';

const cdnow = new URL('../../../../../shared/data/cdnow/CDNOW_master.txt', import.meta.url);
const haveCdnow = existsSync(cdnow);

type LloydCase = (typeof cases.lloyd)[number];

function closeRows(actual: number[][], expected: number[][], digits: number): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((row, r) => row.forEach((value, c) => expect(value).toBeCloseTo(expected[r]![c]!, digits)));
}

/** Rows of Gaussian blobs around `centres`, from a seeded generator. */
function blobs(centres: number[][], perCentre: number, spread: number, seed: number): Matrix {
  const random = seededRandom(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  return matrixFromRows(centres.flatMap((centre) => Array.from({ length: perCentre }, () => centre.map((v) => v + spread * gauss()))));
}

describe('standardize', () => {
  it.each(cases.standardize.map((c) => [c.name, c] as const))('%s (numpy)', (_name, c) => {
    const { matrix, scaling } = standardize(matrixFromRows(c.rows));
    Array.from(scaling.means).forEach((m, i) => expect(m).toBeCloseTo(c.means[i]!, 9));
    Array.from(scaling.sds).forEach((s, i) => expect(s).toBeCloseTo(c.sds[i]!, 9));
    closeRows(matrixToRows(matrix), c.z, 12);
    expect(Array.from(scaleRow(scaling, c.rows[0]!))).toEqual(matrixToRows(matrix)[0]);
  });
});

describe('lloyd', () => {
  it.each(cases.lloyd.map((c) => [c.name, c] as const))('%s: Elkan and Hamerly bounds give plain Lloyd\'s result (numpy)', (_name, c: LloydCase) => {
    for (const bounds of ['elkan', 'hamerly'] as const) {
      const result = lloyd(matrixFromRows(c.rows), matrixFromRows(c.initial), { tolerance: 0, bounds });
      expect(Array.from(result.labels)).toEqual(c.labels);
      closeRows(matrixToRows(result.centroids), c.centroids, 10);
      expect(result.inertia).toBeCloseTo(c.inertia, 9);
      expect(result.iterations).toBe(c.iterations);
      expect(result.converged).toBe(true);
    }
  });

  it('bounds skip distances but not results: Elkan, Hamerly and labels recomputed by brute force agree on 5-d blobs', () => {
    const matrix = blobs([[0, 0, 0, 0, 0], [3, 3, 0, 0, 1], [0, 3, 3, 1, 0], [3, 0, 3, 0, 2], [1, 1, 1, 3, 3]], 300, 1.2, 5);
    const start = seedCentroids(matrix, 5, seededRandom(11));
    const elkan = lloyd(matrix, start, { tolerance: 0, bounds: 'elkan' });
    const hamerly = lloyd(matrix, start, { tolerance: 0, bounds: 'hamerly' });
    expect(Array.from(elkan.labels)).toEqual(Array.from(hamerly.labels));
    expect(elkan.inertia).toBeCloseTo(hamerly.inertia, 8);
    let inertia = 0;
    for (let i = 0; i < matrix.rows; i++) {
      const distances = Array.from({ length: 5 }, (_, j) => matrix.data.subarray(i * 5, i * 5 + 5).reduce((sum, v, c) => sum + (v - elkan.centroids.data[j * 5 + c]!) ** 2, 0));
      const nearest = distances.indexOf(Math.min(...distances));
      expect(elkan.labels[i]).toBe(nearest);
      inertia += distances[nearest]!;
    }
    expect(elkan.inertia).toBeCloseTo(inertia, 8);
  });

  it('stops early on the relative inertia tolerance, with labels of the final centres', () => {
    const matrix = blobs([[0, 0], [1, 1], [2, 0]], 200, 1, 3);
    const start = seedCentroids(matrix, 3, seededRandom(2), 1);
    const loose = lloyd(matrix, start, { tolerance: 0.05 });
    const exact = lloyd(matrix, start, { tolerance: 0 });
    expect(loose.iterations).toBeLessThan(exact.iterations);
    expect(loose.inertia).toBeGreaterThanOrEqual(exact.inertia - 1e-9);
    const capped = lloyd(matrix, start, { tolerance: 0, maxIterations: 1 });
    expect(capped.iterations).toBe(1);
    expect(capped.converged).toBe(false);
  });

  it('fills an empty cluster with the row farthest from its centre', () => {
    const matrix = matrixFromRows([[0], [1], [2], [10], [11], [30]]);
    // The third centre is far from every row: it starts empty.
    const result = lloyd(matrix, matrixFromRows([[0], [11], [1000]]), { tolerance: 0 });
    expect(new Set(result.labels).size).toBe(3);
    expect(result.labels[5]).not.toBe(result.labels[3]);
  });
});

describe('kmeans', () => {
  it('k-means++ seeds are distinct rows, reproducible from the seed', () => {
    const matrix = blobs([[0, 0], [5, 5], [0, 5]], 50, 0.5, 1);
    const seeds = matrixToRows(seedCentroids(matrix, 3, seededRandom(4)));
    const rows = matrixToRows(matrix).map((row) => row.join());
    for (const seed of seeds) expect(rows).toContain(seed.join());
    expect(new Set(seeds.map((s) => s.join())).size).toBe(3);
    expect(matrixToRows(seedCentroids(matrix, 3, seededRandom(4)))).toEqual(seeds);
  });

  it('keeps the restart of lowest inertia and finds well-separated blobs', () => {
    const matrix = blobs([[0, 0], [8, 8], [0, 8], [8, 0]], 40, 0.7, 9);
    const result = kmeans(matrix, { k: 4, restarts: 5 }, seededRandom(1));
    expect(result.restartInertias).toHaveLength(5);
    expect(result.inertia).toBe(Math.min(...result.restartInertias));
    for (let blob = 0; blob < 4; blob++) expect(new Set(result.labels.subarray(blob * 40, blob * 40 + 40)).size).toBe(1);
    expect(new Set(result.labels).size).toBe(4);
  });

  it.each([[0, 5], [7, 5], [2.5, 5], [2, 0]])('refuses k %d or restarts %d', (k, restarts) => {
    const matrix = matrixFromRows([[1], [2], [3], [4], [5], [6]]);
    expect(() => kmeans(matrix, { k, restarts }, seededRandom(1))).toThrow(AttuneError);
  });

  it.skipIf(!haveCdnow)('CDNOW RFM (log1p, standardized): 10 restarts within 1% of the best of 50 (skips without ../shared/data)', { timeout: 120_000 }, () => {
    const orders = parseCdnow(readFileSync(cdnow, 'utf8')).orders;
    const rfm = rfmMatrix(orders, dayOf('1998-06-30')!, true);
    expect(rfm.matrix.rows).toBe(23_570);
    const { matrix } = standardize(rfm.matrix);
    for (const k of [4, 5]) {
      const ten = kmeans(matrix, { k, restarts: 10 }, seededRandom(1));
      const fifty = kmeans(matrix, { k, restarts: 50, tolerance: 0 }, seededRandom(99));
      expect(ten.inertia).toBeLessThanOrEqual(fifty.inertia * 1.01);
      expect(ten.inertia).toBeGreaterThanOrEqual(fifty.inertia * (1 - 1e-4));
    }
  });
});
