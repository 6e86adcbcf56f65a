import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { AttuneError } from '../../errors/AttuneError.js';
import cases from './cluster.cases.json' with { type: 'json' };
import { kmeans } from './kmeans.js';
import { matrixFromRows, type Matrix } from './Matrix.js';
import { silhouette } from './silhouette.js';
import { elbowOf, suggestK } from './suggestK.js';

/** The textbook definition, one row at a time over every other row: the reference for the pairwise sums. */
function directSilhouette(matrix: Matrix, labels: readonly number[]): number[] {
  const { cols: d, data } = matrix;
  const distance = (i: number, j: number): number => Math.sqrt(Array.from({ length: d }, (_, c) => (data[i * d + c]! - data[j * d + c]!) ** 2).reduce((a, b) => a + b, 0));
  const clusters = [...new Set(labels)];
  return labels.map((own, i) => {
    const mates = labels.flatMap((l, j) => (l === own && j !== i ? [j] : []));
    if (mates.length === 0) return 0;
    const a = mates.reduce((sum, j) => sum + distance(i, j), 0) / mates.length;
    const b = Math.min(...clusters.filter((l) => l !== own).map((l) => {
      const members = labels.flatMap((m, j) => (m === l ? [j] : []));
      return members.reduce((sum, j) => sum + distance(i, j), 0) / members.length;
    }));
    return (b - a) / Math.max(a, b);
  });
}

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const random = seededRandom(seed);
  return matrixFromRows(Array.from({ length: rows }, () => Array.from({ length: cols }, () => random.next() * 10)));
}

describe('silhouette', () => {
  it.each(cases.silhouette.map((c) => [c.name, c] as const))('%s (numpy)', (_name, c) => {
    const result = silhouette(matrixFromRows(c.rows), c.labels);
    Array.from(result.values).forEach((v, i) => expect(v).toBeCloseTo(c.values[i]!, 12));
    expect(result.mean).toBeCloseTo(c.mean, 12);
  });

  it.each([[1, 60, 3, 3], [2, 97, 5, 6], [3, 40, 2, 2]])('equals the direct O(n^2) definition (seed %d, %d rows, %d columns, k %d)', (seed, rows, cols, k) => {
    const matrix = randomMatrix(rows, cols, seed);
    const labels = Array.from(kmeans(matrix, { k, restarts: 2 }, seededRandom(seed)).labels);
    const expected = directSilhouette(matrix, labels);
    const result = silhouette(matrix, labels);
    expected.forEach((v, i) => expect(result.values[i]).toBeCloseTo(v, 12));
    expect(result.mean).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / rows, 12);
  });

  it('refuses one cluster and labels that do not fit the rows', () => {
    const matrix = matrixFromRows([[0], [1], [2]]);
    expect(() => silhouette(matrix, [0, 0, 0])).toThrow(AttuneError);
    expect(() => silhouette(matrix, [0, 1])).toThrow(AttuneError);
    expect(() => silhouette(matrix, [0, 1, -1])).toThrow(AttuneError);
  });
});

describe('suggestK', () => {
  it.each(cases.elbow.map((c) => [c.name, c] as const))('elbow: %s (numpy)', (_name, c) => {
    expect(elbowOf(c.ks, c.inertias)).toBe(c.elbow);
  });

  it('finds 4 well-separated blobs by silhouette and by the elbow', () => {
    const random = seededRandom(8);
    const centres = [[0, 0], [10, 0], [0, 10], [10, 10]];
    const matrix = matrixFromRows(centres.flatMap((c) => Array.from({ length: 30 }, () => c.map((v) => v + random.next() * 2))));
    const suggested = suggestK(matrix, { kMin: 2, kMax: 7, restarts: 3 }, seededRandom(1));
    expect(suggested.candidates.map((c) => c.k)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(suggested.bySilhouette).toBe(4);
    expect(suggested.byElbow).toBe(4);
    const inertias = suggested.candidates.map((c) => c.inertia);
    inertias.slice(1).forEach((inertia, i) => expect(inertia).toBeLessThanOrEqual(inertias[i]!));
  });

  it('refuses a range without two clusters', () => {
    expect(() => suggestK(matrixFromRows([[0], [1], [2]]), { kMin: 1, kMax: 2 }, seededRandom(1))).toThrow(AttuneError);
  });
});
