/**
 * Rows of numeric features under named columns: what the propensity models read. A missing
 * value is NaN (imputeMissing fills it); categories are one-hot columns (oneHot). Rows are
 * Float64Arrays so that a model over tens of thousands of customers stays compact.
 */
export interface FeatureMatrix {
  readonly columns: readonly string[];
  readonly rows: readonly Float64Array[];
}

/**
 * A matrix from plain rows, checked for shape (a ragged row is a programming error).
 *
 * @example featureMatrix(['recency', 'frequency'], [[3, 1], [40, 2]])
 */
export function featureMatrix(columns: readonly string[], rows: readonly ArrayLike<number>[]): FeatureMatrix {
  if (new Set(columns).size !== columns.length) throw new RangeError(`column names must be distinct: ${columns.join(', ')}`);
  return {
    columns: [...columns],
    rows: rows.map((row, index) => {
      if (row.length !== columns.length) throw new RangeError(`row ${index} has ${row.length} values for ${columns.length} columns`);
      return Float64Array.from(row);
    }),
  };
}

/**
 * The columns of two matrices side by side, row by row (the rows must correspond).
 *
 * @example joinColumns(numeric, oneHot(channels, encoder))
 */
export function joinColumns(left: FeatureMatrix, right: FeatureMatrix): FeatureMatrix {
  if (left.rows.length !== right.rows.length) throw new RangeError(`cannot join ${left.rows.length} rows to ${right.rows.length}`);
  const rows = left.rows.map((row, index) => {
    const joined = new Float64Array(row.length + right.columns.length);
    joined.set(row);
    joined.set(right.rows[index]!, row.length);
    return joined;
  });
  return featureMatrix([...left.columns, ...right.columns], rows);
}

/** The rows at the given indices, in that order (a train/test split of one matrix). */
export function selectRows(matrix: FeatureMatrix, indices: readonly number[]): FeatureMatrix {
  return { columns: matrix.columns, rows: indices.map((index) => matrix.rows[index]!) };
}
