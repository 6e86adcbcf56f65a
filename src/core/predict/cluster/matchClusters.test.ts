import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { AttuneError } from '../../errors/AttuneError.js';
import { assignMinimumCost } from './assignMinimumCost.js';
import cases from './cluster.cases.json' with { type: 'json' };
import { describeClusters } from './describeClusters.js';
import { kmeans } from './kmeans.js';
import { matrixFromRows } from './Matrix.js';
import { matchClusters } from './matchClusters.js';
import { nearestCentroid } from './nearestCentroid.js';
import { parseMatrixCsv } from './parseMatrixCsv.js';
import { standardize } from './standardize.js';

describe('assignMinimumCost (Hungarian)', () => {
  it.each(cases.assign.map((c) => [c.name, c] as const))('%s equals brute force (numpy)', (_name, c) => {
    const assignment = assignMinimumCost(c.cost);
    expect(assignment).toEqual(c.assignment);
    const total = assignment.reduce((sum, column, row) => sum + (column < 0 ? 0 : c.cost[row]![column]!), 0);
    expect(total).toBeCloseTo(c.total, 9);
  });
});

describe('matchClusters', () => {
  it.each(cases.match.map((c) => [c.name, c] as const))('%s (brute force)', (_name, c) => {
    const centroids = (k: number) => matrixFromRows(Array.from({ length: k }, (_, j) => [j]));
    const match = matchClusters({ centroids: centroids(Math.max(...c.previous) + 1), labels: c.previous }, { centroids: centroids(Math.max(...c.current) + 1), labels: c.current });
    expect(match.by).toBe('labels');
    expect(match.pairs.map((p) => p.current)).toEqual(c.assignment);
    expect(match.shareKept).toBeCloseTo(c.shareKept, 12);
  });

  it('re-clustering the same data with another seed keeps the segments, renamed', () => {
    const random = seededRandom(6);
    const centres = [[0, 0], [6, 0], [0, 6], [6, 6], [3, 12]];
    const matrix = matrixFromRows(centres.flatMap((c) => Array.from({ length: 40 }, () => c.map((v) => v + random.next() * 2))));
    const before = kmeans(matrix, { k: 5, restarts: 4 }, seededRandom(1));
    const after = kmeans(matrix, { k: 5, restarts: 4 }, seededRandom(2));
    const match = matchClusters(before, after);
    expect(match.shareKept).toBe(1);
    expect(match.meanCentroidDistance).toBeCloseTo(0, 9);
    const byCentres = matchClusters({ centroids: before.centroids }, { centroids: after.centroids });
    expect(byCentres.by).toBe('centroids');
    expect(byCentres.pairs.map((p) => p.current)).toEqual(match.pairs.map((p) => p.current));
    expect(byCentres.shareKept).toBeUndefined();
  });

  it('leaves clusters unmatched when k differs', () => {
    const match = matchClusters({ centroids: matrixFromRows([[0], [10], [20]]) }, { centroids: matrixFromRows([[19], [1]]) });
    expect(match.pairs).toEqual([{ previous: 0, current: 1, centroidDistance: 1 }, { previous: 2, current: 0, centroidDistance: 1 }]);
    expect(match.unmatchedPrevious).toEqual([1]);
    expect(match.unmatchedCurrent).toEqual([]);
  });

  it('refuses centres of different widths and labels of different rows', () => {
    expect(() => matchClusters({ centroids: matrixFromRows([[0]]) }, { centroids: matrixFromRows([[0, 1]]) })).toThrow(AttuneError);
    expect(() => matchClusters({ centroids: matrixFromRows([[0]]), labels: [0, 0] }, { centroids: matrixFromRows([[0]]), labels: [0] })).toThrow(AttuneError);
  });
});

describe('describeClusters', () => {
  it.each(cases.describe.map((c) => [c.name, c] as const))('%s (numpy)', (_name, c) => {
    const described = describeClusters(matrixFromRows(c.rows), c.labels, c.clusters.length, c.features);
    described.forEach((cluster, j) => {
      const expected = c.clusters[j]!;
      expect(cluster.size).toBe(expected.size);
      expect(cluster.share).toBeCloseTo(expected.share, 12);
      cluster.means.forEach((m, f) => expect(m).toBeCloseTo(expected.means[f]!, 9));
      expect(cluster.distinguishing.map((f) => f.feature)).toEqual(expected.top.map(([name]) => name));
      cluster.distinguishing.forEach((f, i) => {
        expect(f.difference).toBeCloseTo(expected.top[i]![1] as number, 9);
        expect(f.direction).toBe(f.difference < 0 ? 'lower' : 'higher');
      });
    });
    expect(described[0]!.summary).toMatch(/^\d+\.\d% of rows; /);
  });

  it('refuses labels outside the clusters and names that do not fit the columns', () => {
    const matrix = matrixFromRows([[1, 2], [3, 4]]);
    expect(() => describeClusters(matrix, [0, 2], 2, ['a', 'b'])).toThrow(AttuneError);
    expect(() => describeClusters(matrix, [0, 1], 2, ['a'])).toThrow(AttuneError);
  });
});

describe('nearestCentroid', () => {
  it('scales a new row as the training rows were, then takes the nearest centre', () => {
    const raw = matrixFromRows([[1, 100], [2, 110], [9, 900], [10, 950]]);
    const { matrix, scaling } = standardize(raw);
    const model = kmeans(matrix, { k: 2, restarts: 2 }, seededRandom(1));
    const high = nearestCentroid({ centroids: model.centroids, scaling }, [9.5, 920]);
    expect(high.cluster).toBe(model.labels[2]);
    expect(nearestCentroid({ centroids: model.centroids, scaling }, [1.5, 105]).cluster).toBe(model.labels[0]);
    expect(high.distance).toBeGreaterThan(0);
    expect(nearestCentroid({ centroids: matrixFromRows([[0, 0], [3, 4]]) }, [3, 4])).toEqual({ cluster: 1, distance: 0 });
    expect(() => nearestCentroid({ centroids: model.centroids }, [1])).toThrow(AttuneError);
  });
});

describe('parseMatrixCsv', () => {
  it('reads a header and numeric rows, skipping blank lines', () => {
    const parsed = parseMatrixCsv('recency,"frequency",monetary\r\n1, 2,3.5\n\n-4,5e2,6\n');
    expect(parsed.header).toEqual(['recency', 'frequency', 'monetary']);
    expect(parsed.matrix.rows).toBe(2);
    expect(Array.from(parsed.matrix.data)).toEqual([1, 2, 3.5, -4, 500, 6]);
  });

  it.each([
    ['a,b\n1,2\n3,x\n', 'line 3, column 2 (b): "x" is not a number'],
    ['a,b\n1,\n', 'line 2, column 2 (b): "" is not a number'],
    ['a,b\n1,2,3\n', 'line 2: 3 cells, the header has 2'],
    ['', 'the file is empty'],
    ['a,b\n', 'no rows after the header'],
  ])('rejects %j naming where', (text, detail) => {
    expect(() => parseMatrixCsv(text)).toThrow(AttuneError);
    try {
      parseMatrixCsv(text);
    } catch (error) {
      expect((error as AttuneError).detail).toContain(detail);
    }
  });
});
