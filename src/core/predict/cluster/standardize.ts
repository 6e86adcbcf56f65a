import type { Matrix } from './Matrix.js';

/** The per-column means and standard deviations a standardization used, to apply to new rows. */
export interface Scaling {
  readonly means: Float64Array;
  /** Population standard deviations (divided by n, as numpy's default and scikit-learn's StandardScaler); 0 for a constant column. */
  readonly sds: Float64Array;
}

/** A standardized matrix and the scaling that made it. */
export interface Standardized {
  readonly matrix: Matrix;
  readonly scaling: Scaling;
}

/**
 * Z-scores per column: (x - mean) / sd. A constant column becomes 0 rather than NaN: it says
 * nothing about which cluster a row is in. Two passes (mean, then squared deviations) for
 * accuracy on columns with a large mean.
 *
 * @example standardize(matrixFromRows([[1, 5], [3, 5]])).matrix.data // [-1, 0, 1, 0]
 */
export function standardize(matrix: Matrix): Standardized {
  const { rows, cols, data } = matrix;
  const means = new Float64Array(cols);
  const sds = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) means[c]! += data[r * cols + c]!;
  for (let c = 0; c < cols; c++) means[c] = rows === 0 ? 0 : means[c]! / rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const diff = data[r * cols + c]! - means[c]!;
      sds[c]! += diff * diff;
    }
  }
  for (let c = 0; c < cols; c++) sds[c] = rows === 0 ? 0 : Math.sqrt(sds[c]! / rows);
  // A column whose spread is rounding noise around its mean is constant.
  for (let c = 0; c < cols; c++) if (sds[c]! <= 1e-12 * Math.max(1, Math.abs(means[c]!))) sds[c] = 0;
  const scaling: Scaling = { means, sds };
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) out.set(scaleRow(scaling, data.subarray(r * cols, (r + 1) * cols)), r * cols);
  return { matrix: { rows, cols, data: out }, scaling };
}

/**
 * One new row on the scale of the standardized matrix (constant columns give 0).
 *
 * @example scaleRow({ means: Float64Array.of(2), sds: Float64Array.of(1) }, [3]) // Float64Array [1]
 */
export function scaleRow(scaling: Scaling, row: ArrayLike<number>): Float64Array {
  const out = new Float64Array(scaling.means.length);
  for (let c = 0; c < out.length; c++) {
    const sd = scaling.sds[c]!;
    out[c] = sd === 0 ? 0 : (row[c]! - scaling.means[c]!) / sd;
  }
  return out;
}
