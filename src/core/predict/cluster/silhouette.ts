import { AttuneError } from '../../errors/AttuneError.js';
import { squaredDistance, type Matrix } from './Matrix.js';

export interface Silhouette {
  /** s(i) = (b - a) / max(a, b) per row, in row order; 0 for a row alone in its cluster. */
  readonly values: Float64Array;
  /** The mean of `values` (scikit-learn's silhouette_score). */
  readonly mean: number;
}

/**
 * The exact silhouette (Rousseeuw 1987) with Euclidean distances: a(i) is the mean distance
 * from row i to the other rows of its cluster, b(i) the least mean distance to the rows of
 * another cluster. Every pair is measured once and added to both rows' per-cluster sums
 * (n x k numbers), so the cost is n(n-1)/2 distances and nothing is sampled.
 *
 * @example silhouette(matrix, kmeans(matrix, { k: 3 }, seededRandom(1)).labels).mean
 */
export function silhouette(matrix: Matrix, labels: ArrayLike<number>): Silhouette {
  const { rows: n, cols: d, data } = matrix;
  if (labels.length !== n) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${labels.length} labels for ${n} rows`, field: 'labels' });
  let k = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `label ${label} of row ${i} is not a cluster index`, field: 'labels' });
    if (label + 1 > k) k = label + 1;
  }
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) counts[labels[i]!]!++;
  if (counts.filter((c) => c > 0).length < 2) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: 'the silhouette needs at least two non-empty clusters', field: 'labels' });
  const sums = new Float64Array(n * k);
  const own = Int32Array.from(labels);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    const li = own[i]!;
    for (let j = i + 1; j < n; j++) {
      const dist = Math.sqrt(squaredDistance(data, base, data, j * d, d));
      sums[i * k + own[j]!]! += dist;
      sums[j * k + li]! += dist;
    }
  }
  const values = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const li = own[i]!;
    if (counts[li]! < 2) continue;
    const a = sums[i * k + li]! / (counts[li]! - 1);
    let b = Infinity;
    for (let l = 0; l < k; l++) {
      if (l === li || counts[l] === 0) continue;
      const mean = sums[i * k + l]! / counts[l]!;
      if (mean < b) b = mean;
    }
    const scale = Math.max(a, b);
    values[i] = scale === 0 ? 0 : (b - a) / scale;
    total += values[i]!;
  }
  return { values, mean: total / n };
}
