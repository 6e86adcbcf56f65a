import { AttuneError } from '../../errors/AttuneError.js';
import { assignMinimumCost } from './assignMinimumCost.js';
import type { Matrix } from './Matrix.js';

/** One clustering to compare: its centres and, when the same rows were clustered, their labels. */
export interface Clustering {
  readonly centroids: Matrix;
  readonly labels?: ArrayLike<number>;
}

export interface ClusterPair {
  readonly previous: number;
  readonly current: number;
  /** Rows in both (when both clusterings have labels for the same rows). */
  readonly overlap?: number;
  /** Euclidean distance between the two centres (NaN when they are over other columns). */
  readonly centroidDistance: number;
}

export interface ClusterMatch {
  /** How the pairing was chosen: most rows kept (labels of the same rows) or least total centre distance. */
  readonly by: 'labels' | 'centroids';
  readonly pairs: readonly ClusterPair[];
  /** Clusters of either side left without a partner (when the two k differ). */
  readonly unmatchedPrevious: readonly number[];
  readonly unmatchedCurrent: readonly number[];
  /** Share of rows whose current cluster is the partner of their previous one (labels only). */
  readonly shareKept?: number;
  readonly meanCentroidDistance: number;
}

/**
 * Stability on re-clustering: the optimal one-to-one pairing of the previous clusters with the
 * current ones (Hungarian algorithm), so a segment keeps its name when the data is clustered
 * again. With labels for the same rows on both sides it maximizes the rows kept; otherwise it
 * minimizes the total distance between paired centres.
 *
 * @example matchClusters({ centroids: before.centroids, labels: before.labels }, { centroids: after.centroids, labels: after.labels }).shareKept
 */
export function matchClusters(previous: Clustering, current: Clustering): ClusterMatch {
  const p = previous.centroids;
  const c = current.centroids;
  const byLabels = previous.labels !== undefined && current.labels !== undefined;
  // Centres over other columns cannot be compared, but labels of the same rows still pair them.
  const sameColumns = p.cols === c.cols;
  if (!sameColumns && !byLabels) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `the centres have ${p.cols} and ${c.cols} features`, field: 'centroids' });
  const distance = (a: number, b: number): number => {
    if (!sameColumns) return Number.NaN;
    let sum = 0;
    for (let f = 0; f < p.cols; f++) sum += (p.data[a * p.cols + f]! - c.data[b * c.cols + f]!) ** 2;
    return Math.sqrt(sum);
  };
  const overlap = byLabels ? contingency(previous.labels!, current.labels!, p.rows, c.rows) : undefined;
  const cost = Array.from({ length: p.rows }, (_, a) => Array.from({ length: c.rows }, (_, b) => (overlap === undefined ? distance(a, b) : -overlap[a]![b]!)));
  const partner = assignMinimumCost(cost);
  const pairs: ClusterPair[] = [];
  partner.forEach((b, a) => {
    if (b >= 0) pairs.push({ previous: a, current: b, ...(overlap === undefined ? {} : { overlap: overlap[a]![b]! }), centroidDistance: distance(a, b) });
  });
  const matched = new Set(partner);
  const kept = pairs.reduce((sum, pair) => sum + (pair.overlap ?? 0), 0);
  return {
    by: byLabels ? 'labels' : 'centroids',
    pairs,
    unmatchedPrevious: partner.flatMap((b, a) => (b < 0 ? [a] : [])),
    unmatchedCurrent: Array.from({ length: c.rows }, (_, b) => b).filter((b) => !matched.has(b)),
    ...(byLabels ? { shareKept: previous.labels!.length === 0 ? 0 : kept / previous.labels!.length } : {}),
    meanCentroidDistance: pairs.length === 0 ? 0 : pairs.reduce((sum, pair) => sum + pair.centroidDistance, 0) / pairs.length,
  };
}

/** Rows per (previous cluster, current cluster). */
function contingency(previous: ArrayLike<number>, current: ArrayLike<number>, kPrevious: number, kCurrent: number): number[][] {
  if (previous.length !== current.length) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${previous.length} previous labels and ${current.length} current ones: not the same rows`, field: 'labels' });
  const table = Array.from({ length: kPrevious }, () => new Array<number>(kCurrent).fill(0));
  for (let i = 0; i < previous.length; i++) {
    const row = table[previous[i]!];
    if (row === undefined || current[i]! < 0 || current[i]! >= kCurrent) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `row ${i} has a label outside the centres`, field: 'labels' });
    row[current[i]!]!++;
  }
  return table;
}
