import type { SpdWorkspace } from './dotKernel.js';
import type { SpdInverseShare } from './spdInverse.js';

/**
 * L (lower, zeros above the diagonal) in place of A in `w.m` from 0:
 * L[i][j] = (A[i][j] - L[i][0..j) . L[j][0..j)) / L[j][j].
 * Four rows of L at a time against two earlier rows (the kernel's dot products); the
 * block on the diagonal is finished row by row. A block needs every row before it, so parts
 * take blocks in turn (block b to part b modulo parts) and wait, pair by pair, for the rows the
 * others are still finishing: they run in step, each a block apart. Returns -1, the row whose
 * pivot was not positive, or -2 when another part found one.
 */
export function choleskyBlocks(w: SpdWorkspace, share: SpdInverseShare, rowDone: (row: number) => void): number {
  const { m: l, n, sums } = w;
  let ready = 0;
  for (let i = 4 * share.part; i < n; i += 4 * share.parts) {
    const rows = Math.min(4, n - i);
    const r0 = i * n;
    const r1 = rows > 1 ? r0 + n : r0, r2 = rows > 2 ? r0 + 2 * n : r0, r3 = rows > 3 ? r0 + 3 * n : r0;
    let j = 0;
    for (; j + 1 < i; j += 2) {
      if (j + 2 > ready && (ready = share.awaitRows(j + 2)) < 0) return -2;
      const q0 = j * n;
      const q1 = q0 + n;
      w.dot42(r0, r1, r2, r3, q0, q1, j);
      const d0 = l[q0 + j]!, d1 = l[q1 + j + 1]!, lower = l[q1 + j]!;
      finishPair(l, r0, j, l[sums]!, l[sums + 1]!, d0, d1, lower);
      if (rows > 1) finishPair(l, r1, j, l[sums + 2]!, l[sums + 3]!, d0, d1, lower);
      if (rows > 2) finishPair(l, r2, j, l[sums + 4]!, l[sums + 5]!, d0, d1, lower);
      if (rows > 3) finishPair(l, r3, j, l[sums + 6]!, l[sums + 7]!, d0, d1, lower);
    }
    if (i > ready && (ready = share.awaitRows(i)) < 0) return -2;
    for (let t = 0; t < rows; t++) {
      const r = i + t;
      const rr = r * n;
      for (let c = j; c < r; c++) l[rr + c] = (l[rr + c]! - dot(l, rr, c * n, 0, c)) / l[c * n + c]!;
      const pivot = l[rr + r]! - dot(l, rr, rr, 0, r);
      if (!(pivot > 0)) {
        share.fail(r);
        return r;
      }
      l[rr + r] = Math.sqrt(pivot);
    }
    share.publishRows(i + rows);
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
