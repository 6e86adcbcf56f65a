import { AttuneError } from '../../errors/AttuneError.js';
import type { Matrix } from './Matrix.js';

/** A feature that sets a cluster apart from the whole. */
export interface DistinguishingFeature {
  readonly feature: string;
  readonly clusterMean: number;
  readonly overallMean: number;
  /** (cluster mean - overall mean) / overall standard deviation: the standardized mean difference. */
  readonly difference: number;
  readonly direction: 'higher' | 'lower';
}

export interface ClusterDescription {
  readonly cluster: number;
  readonly size: number;
  /** size / rows. */
  readonly share: number;
  /** The cluster's mean of every feature, on the scale of the input. */
  readonly means: readonly number[];
  /** The `top` features of largest |difference|, largest first. */
  readonly distinguishing: readonly DistinguishingFeature[];
  /** One line for a marketer, e.g. "12.5% of customers; frequency higher (+1.8 sd), recency lower (-0.9 sd)". */
  readonly summary: string;
}

/**
 * Each cluster in business terms: how many rows and what share, and the features that set it
 * apart as standardized mean differences from the whole (scale-free, so spend in dollars and
 * visits in counts compare). Pass the matrix on its own scale (not standardized) so the means
 * read as the user's units. Constant features differ by 0.
 *
 * @example describeClusters(matrix, labels, 4, ['recency', 'frequency', 'monetary'])[0].summary
 */
export function describeClusters(matrix: Matrix, labels: ArrayLike<number>, k: number, featureNames: readonly string[], top = 3): ClusterDescription[] {
  const { rows: n, cols: d, data } = matrix;
  if (labels.length !== n) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${labels.length} labels for ${n} rows`, field: 'labels' });
  if (featureNames.length !== d) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${featureNames.length} feature names for ${d} columns`, field: 'featureNames' });
  const overall = new Float64Array(d);
  const spread = new Float64Array(d);
  const sums = new Float64Array(k * d);
  const sizes = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= k) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `label ${label} of row ${i} is not a cluster from 0 to ${k - 1}`, field: 'labels' });
    sizes[label]!++;
    for (let c = 0; c < d; c++) {
      overall[c]! += data[i * d + c]!;
      sums[label * d + c]! += data[i * d + c]!;
    }
  }
  for (let c = 0; c < d; c++) overall[c] = overall[c]! / n;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) spread[c]! += (data[i * d + c]! - overall[c]!) ** 2;
  }
  for (let c = 0; c < d; c++) spread[c] = Math.sqrt(spread[c]! / n);
  return Array.from({ length: k }, (_, cluster) => {
    const size = sizes[cluster]!;
    const means = Array.from({ length: d }, (_, c) => (size === 0 ? Number.NaN : sums[cluster * d + c]! / size));
    const features = means.map((mean, c): DistinguishingFeature => {
      const sd = spread[c]!;
      const difference = size === 0 || sd <= 1e-12 * Math.max(1, Math.abs(overall[c]!)) ? 0 : (mean - overall[c]!) / sd;
      return { feature: featureNames[c]!, clusterMean: mean, overallMean: overall[c]!, difference, direction: difference < 0 ? 'lower' : 'higher' };
    });
    const distinguishing = features
      .map((f, c) => [f, c] as const)
      .sort((a, b) => Math.abs(b[0].difference) - Math.abs(a[0].difference) || a[1] - b[1])
      .slice(0, top)
      .map(([f]) => f);
    const share = n === 0 ? 0 : size / n;
    const traits = distinguishing.map((f) => `${f.feature} ${f.direction} (${f.difference >= 0 ? '+' : ''}${f.difference.toFixed(1)} sd)`);
    return { cluster, size, share, means, distinguishing, summary: `${(share * 100).toFixed(1)}% of rows; ${traits.join(', ')}` };
  });
}
