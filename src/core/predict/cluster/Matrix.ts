import { AttuneError } from '../../errors/AttuneError.js';

/**
 * A dense row-major matrix of numbers: row r, column c is `data[r * cols + c]`. One flat
 * Float64Array instead of arrays of rows, so the clustering loops read memory in order and
 * allocate nothing per row.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/**
 * A matrix from rows of equal length (the rows are copied).
 *
 * @example matrixFromRows([[1, 2], [3, 4]]) // { rows: 2, cols: 2, data: Float64Array [1, 2, 3, 4] }
 */
export function matrixFromRows(rows: readonly (readonly number[])[]): Matrix {
  const cols = rows[0]?.length ?? 0;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((row, r) => {
    if (row.length !== cols) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `row ${r} has ${row.length} values, the first row ${cols}`, field: 'rows' });
    data.set(row, r * cols);
  });
  return { rows: rows.length, cols, data };
}

/** A zero matrix. */
export function zeroMatrix(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** Row r as a view (no copy): writing to it writes to the matrix. */
export function rowOf(matrix: Matrix, r: number): Float64Array {
  return matrix.data.subarray(r * matrix.cols, (r + 1) * matrix.cols);
}

/** The rows as plain arrays (for JSON and tests). */
export function matrixToRows(matrix: Matrix): number[][] {
  return Array.from({ length: matrix.rows }, (_, r) => Array.from(rowOf(matrix, r)));
}

/**
 * Squared Euclidean distance between the `cols` numbers of `x` from offset `xBase` and those of
 * `y` from `yBase` (offsets, not row numbers). Unrolled by four with two sums: V8 does not
 * vectorize, and this is about a quarter faster than the plain loop in the k-means passes.
 */
export function squaredDistance(x: Float64Array, xBase: number, y: Float64Array, yBase: number, cols: number): number {
  let even = 0;
  let odd = 0;
  let c = 0;
  for (; c + 3 < cols; c += 4) {
    const d0 = x[xBase + c]! - y[yBase + c]!;
    const d1 = x[xBase + c + 1]! - y[yBase + c + 1]!;
    const d2 = x[xBase + c + 2]! - y[yBase + c + 2]!;
    const d3 = x[xBase + c + 3]! - y[yBase + c + 3]!;
    even += d0 * d0 + d2 * d2;
    odd += d1 * d1 + d3 * d3;
  }
  for (; c < cols; c++) {
    const diff = x[xBase + c]! - y[yBase + c]!;
    even += diff * diff;
  }
  return even + odd;
}
