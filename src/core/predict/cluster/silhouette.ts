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
  // Rows sorted by cluster, so the distances from row i to one cluster are a contiguous run
  // summed in a register; the symmetric half goes to `sums` laid out cluster-major (k x n), so
  // those writes are sequential too.
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => labels[a]! - labels[b]! || a - b);
  const sorted = new Float64Array(n * d);
  order.forEach((row, position) => sorted.set(data.subarray(row * d, (row + 1) * d), position * d));
  const starts = new Int32Array(k + 1);
  for (let l = 0; l < k; l++) starts[l + 1] = starts[l]! + counts[l]!;
  const sums = new Float64Array(k * n);
  for (let l = 0; l < k; l++) {
    for (let i = starts[l]!; i < starts[l + 1]!; i++) {
      const base = i * d;
      const mine = l * n;
      for (let m = l; m < k; m++) {
        let total = 0;
        for (let j = m === l ? i + 1 : starts[m]!; j < starts[m + 1]!; j++) {
          const dist = Math.sqrt(squaredDistance(sorted, base, sorted, j * d, d));
          total += dist;
          sums[mine + j]! += dist;
        }
        sums[m * n + i]! += total;
      }
    }
  }
  const values = new Float64Array(n);
  for (let position = 0; position < n; position++) {
    const i = order[position]!;
    const li = labels[i]!;
    if (counts[li]! < 2) continue;
    const a = sums[li * n + position]! / (counts[li]! - 1);
    let b = Infinity;
    for (let l = 0; l < k; l++) {
      if (l === li || counts[l] === 0) continue;
      const mean = sums[l * n + position]! / counts[l]!;
      if (mean < b) b = mean;
    }
    const scale = Math.max(a, b);
    values[i] = scale === 0 ? 0 : (b - a) / scale;
  }
  let total = 0;
  for (const value of values) total += value;
  return { values, mean: total / n };
}
