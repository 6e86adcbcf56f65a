/**
 * The answer of a solve: the solution, or the pivot where the matrix stopped being positive
 * definite (a value, not an exception: a singular Hessian is an outcome the caller handles).
 */
export type CholeskySolution =
  | { readonly ok: true; readonly x: Float64Array }
  | { readonly ok: false; readonly reason: 'not_positive_definite'; readonly pivot: number };

/**
 * The lower-triangular L with A = L·Lᵀ of a symmetric positive-definite matrix (only the lower
 * triangle of A is read), row-major n×n; or the first pivot that is not positive. Relative to
 * the diagonal, pivots below n·ε·max|Aᵢᵢ| count as zero, so a rank-deficient matrix that
 * rounding made barely positive is reported rather than solved into huge numbers.
 *
 * @example choleskyFactor([[4, 2], [2, 3]]) // { ok: true, lower: Float64Array [2, 0, 1, 1.414…] }
 */
export function choleskyFactor(matrix: readonly ArrayLike<number>[]):
  | { readonly ok: true; readonly lower: Float64Array }
  | { readonly ok: false; readonly reason: 'not_positive_definite'; readonly pivot: number } {
  const n = matrix.length;
  const lower = new Float64Array(n * n);
  let largestDiagonal = 0;
  for (let i = 0; i < n; i++) largestDiagonal = Math.max(largestDiagonal, Math.abs(matrix[i]![i]!));
  const floor = n * Number.EPSILON * largestDiagonal;
  for (let j = 0; j < n; j++) {
    let pivot = matrix[j]![j]!;
    for (let k = 0; k < j; k++) pivot -= lower[j * n + k]! ** 2;
    if (!(pivot > floor)) return { ok: false, reason: 'not_positive_definite', pivot: j };
    const diagonal = Math.sqrt(pivot);
    lower[j * n + j] = diagonal;
    for (let i = j + 1; i < n; i++) {
      let sum = matrix[i]![j]!;
      for (let k = 0; k < j; k++) sum -= lower[i * n + k]! * lower[j * n + k]!;
      lower[i * n + j] = sum / diagonal;
    }
  }
  return { ok: true, lower };
}

/**
 * Solves A·x = b for a symmetric positive-definite A (row-major rows; only the lower triangle is
 * read) by Cholesky: L·y = b forward, Lᵀ·x = y backward. Half the work of LU and no pivoting,
 * which is why Newton steps on a regularised Hessian use it.
 *
 * @example choleskySolve([[4, 2], [2, 3]], [2, 1]) // { ok: true, x: Float64Array [0.5, 0] }
 */
export function choleskySolve(matrix: readonly ArrayLike<number>[], rhs: ArrayLike<number>): CholeskySolution {
  const n = matrix.length;
  if (rhs.length !== n || matrix.some((row) => row.length !== n)) {
    throw new RangeError(`choleskySolve needs an n×n matrix and n values, got ${n} rows and ${rhs.length} values`);
  }
  const factor = choleskyFactor(matrix);
  if (!factor.ok) return factor;
  const { lower } = factor;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = rhs[i]!;
    for (let k = 0; k < i; k++) sum -= lower[i * n + k]! * x[k]!;
    x[i] = sum / lower[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = x[i]!;
    for (let k = i + 1; k < n; k++) sum -= lower[k * n + i]! * x[k]!;
    x[i] = sum / lower[i * n + i]!;
  }
  return { ok: true, x };
}
