import type { FeatureMatrix } from './FeatureMatrix.js';

/** Each column's training mean and standard deviation (population, n in the denominator). */
export interface Standardiser {
  readonly columns: readonly string[];
  readonly mean: Float64Array;
  /** 1 for a column that was constant in training: it standardises to 0 and its coefficient to 0. */
  readonly sd: Float64Array;
}

/**
 * Learns each column's mean and sd on the training rows (Welford, so large means do not cost
 * precision). Fit on training only and apply the same numbers to validation and scoring rows,
 * or the evaluation peeks at the data it is judged on.
 *
 * @example const s = fitStandardiser(train); standardise(test, s)
 */
export function fitStandardiser(matrix: FeatureMatrix): Standardiser {
  const width = matrix.columns.length;
  const mean = new Float64Array(width);
  const m2 = new Float64Array(width);
  let count = 0;
  for (const row of matrix.rows) {
    count += 1;
    for (let j = 0; j < width; j++) {
      const value = row[j]!;
      if (Number.isNaN(value)) throw new RangeError(`column ${matrix.columns[j]} has a missing value: impute before standardising`);
      const delta = value - mean[j]!;
      mean[j] = mean[j]! + delta / count;
      m2[j] = m2[j]! + delta * (value - mean[j]!);
    }
  }
  const sd = new Float64Array(width);
  for (let j = 0; j < width; j++) {
    const spread = count > 0 ? Math.sqrt(m2[j]! / count) : 0;
    // A constant column (relative to its size) carries no information; dividing by a rounding residue would blow it up.
    sd[j] = spread > 1e-12 * Math.max(1, Math.abs(mean[j]!)) ? spread : 1;
  }
  return { columns: matrix.columns, mean, sd };
}

/**
 * (value − training mean) / training sd, column by column.
 *
 * @example standardise(featureMatrix(['x'], [[1], [3]]), fitStandardiser(featureMatrix(['x'], [[1], [3]]))).rows // [[-1], [1]]
 */
export function standardise(matrix: FeatureMatrix, standardiser: Standardiser): FeatureMatrix {
  assertSameColumns(matrix.columns, standardiser.columns);
  return {
    columns: matrix.columns,
    rows: matrix.rows.map((row) => row.map((value, j) => (value - standardiser.mean[j]!) / standardiser.sd[j]!)),
  };
}

/** The fitted transform must meet the columns it was fitted on, in the same order. */
export function assertSameColumns(actual: readonly string[], expected: readonly string[]): void {
  if (actual.length !== expected.length || actual.some((name, j) => name !== expected[j])) {
    throw new RangeError(`expected columns [${expected.join(', ')}], got [${actual.join(', ')}]`);
  }
}
