/**
 * The inverse of a symmetric positive definite matrix through its Cholesky factor, on dense
 * row-major Float64Arrays: A = L L^T, U = L^-T, A^-1 = U U^T. Each of the three phases is a
 * triangle of dot products between contiguous row segments (never a strided column walk),
 * computed two rows by two rows so that every value loaded feeds two multiply-adds: that is
 * what makes it fast in plain JavaScript (measured against ml-matrix in bench/recommend.ts).
 * About n^3 / 2 multiply-adds in all.
 */

/** The inverse, or the row where the matrix showed it is not positive definite (a pivot that is not positive). */
export type SpdInverseResult =
  | { readonly ok: true; readonly inverse: Float64Array }
  | { readonly ok: false; readonly reason: 'not-positive-definite'; readonly row: number };

/** Progress in [0, 1], reported about a hundred times. */
export type Progress = (fraction: number) => void;

/**
 * The inverse of the n x n symmetric positive definite matrix `a` (row-major; only its lower
 * triangle is read). `a` is left unchanged; the result is a new full symmetric matrix.
 *
 * @example spdInverse(Float64Array.of(4, 2, 2, 3), 2) // { ok: true, inverse: [0.375, -0.25, -0.25, 0.5] }
 */
export function spdInverse(a: Float64Array, n: number, onProgress?: Progress): SpdInverseResult {
  if (a.length !== n * n) throw new RangeError(`spdInverse: expected ${n * n} values, got ${a.length}`);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) l.set(a.subarray(i * n, i * n + i + 1), i * n);
  const report = progressSteps(onProgress);
  const failed = choleskyInPlace(l, n, (i) => report((i / n) ** 3, 0));
  if (failed >= 0) return { ok: false, reason: 'not-positive-definite', row: failed };
  const u = new Float64Array(n * n);
  invertLowerTransposed(l, u, n, (i) => report((i / n) ** 3, 1));
  // The factor is no longer needed: its storage takes the result.
  gramOfUpperRows(u, l, n, (i) => report(1 - ((n - i) / n) ** 3, 2));
  onProgress?.(1);
  return { ok: true, inverse: l };
}

function progressSteps(onProgress: Progress | undefined): (withinPhase: number, phase: number) => void {
  if (onProgress === undefined) return () => undefined;
  let reported = -1;
  // Each phase costs about the same (n^3 / 6 multiply-adds); within a phase the work done grows
  // with the cube of the rows done (the first two) or left (the last).
  return (withinPhase, phase) => {
    const percent = Math.floor(((phase + withinPhase) / 3) * 100);
    if (percent > reported) {
      reported = percent;
      onProgress(percent / 100);
    }
  };
}

/**
 * L (lower, zeros above the diagonal) in place: L[i][j] = (A[i][j] - L[i][0..j) . L[j][0..j)) / L[j][j].
 * Four rows of L at a time against two earlier rows (six loads feed eight multiply-adds); the
 * block on the diagonal is finished row by row. Returns -1, or the row whose pivot was not positive.
 */
function choleskyInPlace(l: Float64Array, n: number, rowDone: (row: number) => void): number {
  for (let i = 0; i < n; i += 4) {
    const rows = Math.min(4, n - i);
    const r0 = i * n;
    const r1 = rows > 1 ? r0 + n : r0, r2 = rows > 2 ? r0 + 2 * n : r0, r3 = rows > 3 ? r0 + 3 * n : r0;
    let j = 0;
    for (; j + 1 < i; j += 2) {
      const q0 = j * n;
      const q1 = q0 + n;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let k = 0; k < j; k++) {
        const a0 = l[r0 + k]!, a1 = l[r1 + k]!, a2 = l[r2 + k]!, a3 = l[r3 + k]!, b0 = l[q0 + k]!, b1 = l[q1 + k]!;
        s00 += a0 * b0; s01 += a0 * b1; s10 += a1 * b0; s11 += a1 * b1;
        s20 += a2 * b0; s21 += a2 * b1; s30 += a3 * b0; s31 += a3 * b1;
      }
      const d0 = l[q0 + j]!, d1 = l[q1 + j + 1]!, lower = l[q1 + j]!;
      finishPair(l, r0, j, s00, s01, d0, d1, lower);
      if (rows > 1) finishPair(l, r1, j, s10, s11, d0, d1, lower);
      if (rows > 2) finishPair(l, r2, j, s20, s21, d0, d1, lower);
      if (rows > 3) finishPair(l, r3, j, s30, s31, d0, d1, lower);
    }
    for (let t = 0; t < rows; t++) {
      const r = i + t;
      const rr = r * n;
      for (let c = j; c < r; c++) l[rr + c] = (l[rr + c]! - dot(l, rr, c * n, 0, c)) / l[c * n + c]!;
      const pivot = l[rr + r]! - dot(l, rr, rr, 0, r);
      if (!(pivot > 0)) return r;
      l[rr + r] = Math.sqrt(pivot);
    }
    rowDone(i);
  }
  return -1;
}

/** Row `rr`'s entries in columns j and j + 1, from its dot products with rows j and j + 1 over [0, j). */
function finishPair(l: Float64Array, rr: number, j: number, sj: number, sg: number, djj: number, dgg: number, lgj: number): void {
  const x = (l[rr + j]! - sj) / djj;
  l[rr + j] = x;
  l[rr + j + 1] = (l[rr + j + 1]! - sg - x * lgj) / dgg;
}

/** Sum over k in [from, to) of m[ra + k] * m[rb + k]. */
function dot(m: Float64Array, ra: number, rb: number, from: number, to: number): number {
  let s = 0;
  for (let k = from; k < to; k++) s += m[ra + k]! * m[rb + k]!;
  return s;
}

/**
 * U = L^-T (upper, zeros below the diagonal), row by row of W = L^-1 = U^T:
 * U[j][i] = W[i][j] = -(L[i][j..i) . U[j][j..i)) / L[i][i] for j < i, U[i][i] = 1 / L[i][i].
 * Row j of U is contiguous, so each entry is a dot product of two contiguous segments. Four
 * rows of L at a time over their common columns; each row then adds the terms of the rows
 * before it in the group (which it needs), in order.
 */
function invertLowerTransposed(l: Float64Array, u: Float64Array, n: number, rowDone: (row: number) => void): void {
  const sums = new Float64Array(8);
  for (let i = 0; i < n; i += 4) {
    const rows = Math.min(4, n - i);
    const r0 = i * n;
    const r1 = rows > 1 ? r0 + n : r0, r2 = rows > 2 ? r0 + 2 * n : r0, r3 = rows > 3 ? r0 + 3 * n : r0;
    let j = 0;
    for (; j + 1 < i; j += 2) {
      const q0 = j * n;
      const q1 = q0 + n;
      // U[j + 1][j] is zero, so both rows of U can run from j.
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let k = j; k < i; k++) {
        const a0 = l[r0 + k]!, a1 = l[r1 + k]!, a2 = l[r2 + k]!, a3 = l[r3 + k]!, b0 = u[q0 + k]!, b1 = u[q1 + k]!;
        s00 += a0 * b0; s01 += a0 * b1; s10 += a1 * b0; s11 += a1 * b1;
        s20 += a2 * b0; s21 += a2 * b1; s30 += a3 * b0; s31 += a3 * b1;
      }
      sums[0] = s00; sums[1] = s01; sums[2] = s10; sums[3] = s11; sums[4] = s20; sums[5] = s21; sums[6] = s30; sums[7] = s31;
      for (let t = 0; t < rows; t++) {
        const r = i + t;
        const rr = r * n;
        const d = l[rr + r]!;
        u[q0 + r] = -(sums[2 * t]! + dot2(l, rr, u, q0, i, r)) / d;
        u[q1 + r] = -(sums[2 * t + 1]! + dot2(l, rr, u, q1, i, r)) / d;
      }
    }
    for (; j < i + rows; j++) {
      const q = j * n;
      for (let r = Math.max(i, j); r < i + rows; r++) {
        const rr = r * n;
        u[q + r] = r === j ? 1 / l[rr + r]! : -dot2(l, rr, u, q, j, r) / l[rr + r]!;
      }
    }
    rowDone(i);
  }
}

/** Sum over k in [from, to) of a[ra + k] * b[rb + k]. */
function dot2(a: Float64Array, ra: number, b: Float64Array, rb: number, from: number, to: number): number {
  let s = 0;
  for (let k = from; k < to; k++) s += a[ra + k]! * b[rb + k]!;
  return s;
}

/**
 * out = U U^T (full, symmetric): out[r][c] = U[r][c..n) . U[c][c..n) for r <= c. The zeros
 * below U's diagonal let a block of four rows by two columns run every dot product from its
 * first column; a block that straddles the diagonal computes entries below it correctly too.
 */
function gramOfUpperRows(u: Float64Array, out: Float64Array, n: number, rowDone: (row: number) => void): void {
  for (let i = 0; i < n; i += 4) {
    const rows = Math.min(4, n - i);
    const r0 = i * n;
    const r1 = rows > 1 ? r0 + n : r0, r2 = rows > 2 ? r0 + 2 * n : r0, r3 = rows > 3 ? r0 + 3 * n : r0;
    for (let j = i; j < n; j += 2) {
      const q0 = j * n;
      const pair = j + 1 < n;
      const q1 = pair ? q0 + n : q0;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let k = j; k < n; k++) {
        const a0 = u[r0 + k]!, a1 = u[r1 + k]!, a2 = u[r2 + k]!, a3 = u[r3 + k]!, b0 = u[q0 + k]!, b1 = u[q1 + k]!;
        s00 += a0 * b0; s01 += a0 * b1; s10 += a1 * b0; s11 += a1 * b1;
        s20 += a2 * b0; s21 += a2 * b1; s30 += a3 * b0; s31 += a3 * b1;
      }
      setSymmetric(out, n, i, j, s00, s01, pair);
      if (rows > 1) setSymmetric(out, n, i + 1, j, s10, s11, pair);
      if (rows > 2) setSymmetric(out, n, i + 2, j, s20, s21, pair);
      if (rows > 3) setSymmetric(out, n, i + 3, j, s30, s31, pair);
    }
    rowDone(i);
  }
}

function setSymmetric(out: Float64Array, n: number, r: number, c: number, first: number, second: number, pair: boolean): void {
  out[r * n + c] = first;
  out[c * n + r] = first;
  if (pair) {
    out[r * n + c + 1] = second;
    out[(c + 1) * n + r] = second;
  }
}
