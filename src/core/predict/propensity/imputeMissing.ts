import { featureMatrix, type FeatureMatrix } from './FeatureMatrix.js';
import { assertSameColumns } from './standardise.js';

/** Training means of each column, and which columns get a missing-indicator column. */
export interface Imputer {
  readonly columns: readonly string[];
  /** Mean of the present training values; 0 when a column was missing in every training row. */
  readonly mean: Float64Array;
  /** Columns that had a missing value in training get `<name>:missing` (1 when missing, else 0). */
  readonly indicator: readonly boolean[];
}

/** The suffix of a missing-indicator column's name. */
export const missingSuffix = ':missing';

/**
 * Learns, on training rows, the mean that replaces a missing (NaN) value and which columns need
 * an indicator. The indicator lets the model learn that "missing" itself means something (days
 * between purchases is missing exactly for one-time buyers); mean imputation alone would hide
 * that. As in scikit-learn's SimpleImputer(add_indicator=True), only columns with a missing value
 * in training get one: the model has no coefficient for an indicator it never saw.
 *
 * @example const imputer = fitImputer(train); imputeMissing(test, imputer)
 */
export function fitImputer(matrix: FeatureMatrix): Imputer {
  const width = matrix.columns.length;
  const sum = new Float64Array(width);
  const present = new Float64Array(width);
  const indicator = new Array<boolean>(width).fill(false);
  for (const row of matrix.rows) {
    for (let j = 0; j < width; j++) {
      const value = row[j]!;
      if (Number.isNaN(value)) indicator[j] = true;
      else {
        sum[j] = sum[j]! + value;
        present[j] = present[j]! + 1;
      }
    }
  }
  const mean = sum.map((total, j) => (present[j]! > 0 ? total / present[j]! : 0));
  return { columns: matrix.columns, mean, indicator };
}

/**
 * Missing values replaced by the training mean, and the indicator columns appended after the
 * original columns (in column order).
 *
 * @example imputeMissing(featureMatrix(['gap'], [[NaN], [4]]), imputer) // columns ['gap', 'gap:missing']
 */
export function imputeMissing(matrix: FeatureMatrix, imputer: Imputer): FeatureMatrix {
  assertSameColumns(matrix.columns, imputer.columns);
  const flagged = imputer.columns.flatMap((_name, j) => (imputer.indicator[j] === true ? [j] : []));
  const columns = [...matrix.columns, ...flagged.map((j) => `${imputer.columns[j]!}${missingSuffix}`)];
  const rows = matrix.rows.map((row) => {
    const filled = new Float64Array(columns.length);
    row.forEach((value, j) => { filled[j] = Number.isNaN(value) ? imputer.mean[j]! : value; });
    flagged.forEach((j, k) => { filled[row.length + k] = Number.isNaN(row[j]!) ? 1 : 0; });
    return filled;
  });
  return featureMatrix(columns, rows);
}
