import type { Random } from '../common/random.js';

/**
 * The sum of each column over `resamples` bootstrap resamples of the rows: each resample
 * draws n row indices with replacement, and every column is summed over the same draw, so
 * estimators built from the columns (means, ratios of sums) are resampled together.
 * One resample costs O(n · columns).
 *
 * @example bootstrapSums([Float64Array.of(1, 0, 1)], 1000, seededRandom(1))[0]![b] // Σ over resample b
 */
export function bootstrapSums(columns: readonly Float64Array[], resamples: number, random: Random): Float64Array[] {
  const n = columns[0]?.length ?? 0;
  const sums = columns.map(() => new Float64Array(resamples));
  // Each resample counts how often every row was drawn, then sums the columns in one
  // sequential pass: the random accesses touch only the counts, not the wider columns.
  const counts = new Int32Array(n);
  for (let b = 0; b < resamples; b += 1) {
    counts.fill(0);
    for (let draw = 0; draw < n; draw += 1) counts[Math.floor(random.next() * n)]! += 1;
    for (let c = 0; c < columns.length; c += 1) sums[c]![b] = weightedSum(counts, columns[c]!);
  }
  return sums;
}

function weightedSum(counts: Int32Array, column: Float64Array): number {
  let sum = 0;
  for (let row = 0; row < column.length; row += 1) sum += counts[row]! * column[row]!;
  return sum;
}

/**
 * The central `level` percentile interval of bootstrap replicates (NaN replicates left out),
 * with linear interpolation between order statistics (numpy's default percentile), or
 * [NaN, NaN] when no replicate is a number.
 *
 * @example percentileInterval(Float64Array.of(1, 2, 3, 4, 5), 0.5); // [2, 4]
 */
export function percentileInterval(replicates: Float64Array, level: number): [number, number] {
  const sorted = replicates.filter((value) => !Number.isNaN(value)).sort();
  if (sorted.length === 0) return [Number.NaN, Number.NaN];
  const tail = (1 - level) / 2;
  return [quantile(sorted, tail), quantile(sorted, 1 - tail)];
}

function quantile(sorted: Float64Array, q: number): number {
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (at - below) * (sorted[above]! - sorted[below]!);
}
