/**
 * The inverse of a symmetric positive definite matrix through its Cholesky factor, on dense
 * row-major Float64Arrays: A = L L^T, U = L^-T, A^-1 = U U^T. Each of the three phases is a
 * triangle of dot products between contiguous row segments (never a strided column walk),
 * computed four rows by two at a time so that every value loaded feeds more than one
 * multiply-add: that is what makes it fast in plain JavaScript (measured against ml-matrix in
 * bench/recommend.ts). About n^3 / 2 multiply-adds in all.
 *
 * The work can be shared between parts (threads the shell runs over shared memory, see
 * README.md): each entry is computed by the same arithmetic in the same order whichever part
 * computes it, so the result does not depend on how many parts there are.
 */
import { choleskyBlocks } from './choleskyBlocks.js';
import { spdWorkspace, spdWorkspaceMemory, type SpdWorkspace } from './dotKernel.js';

/** The inverse, or the row where the matrix showed it is not positive definite (a pivot that is not positive). */
export type SpdInverseResult =
  | { readonly ok: true; readonly inverse: Float64Array }
  | { readonly ok: false; readonly reason: 'not-positive-definite'; readonly row: number };

/** Progress in [0, 1], reported about a hundred times. */
export type Progress = (fraction: number) => void;

/** What computes the inverse: `spdInverse` on this thread, or a shell's parallel one (the same result). */
export type SpdInverter = (a: Float64Array, n: number, onProgress?: Progress) => SpdInverseResult;

/**
 * How parts of one inverse wait for each other (the shell implements it with Atomics over a
 * SharedArrayBuffer). `part` is in [0, parts).
 */
export interface SpdInverseShare {
  readonly part: number;
  readonly parts: number;
  /** Blocks until rows [0, rows) of L are final; returns how many are (at least `rows`), or -1 once a part has failed. */
  readonly awaitRows: (rows: number) => number;
  /** Rows [0, rows) of L are final (called in increasing order, as each block of four rows is done). */
  readonly publishRows: (rows: number) => void;
  /** The pivot of `row` is not positive: releases every part waiting for rows. */
  readonly fail: (row: number) => void;
  /** Blocks until every part has called it for this `phase` (1: L is done being read, 2: U is). */
  readonly barrier: (phase: number) => void;
}

const alone: SpdInverseShare = { part: 0, parts: 1, awaitRows: () => Number.MAX_SAFE_INTEGER, publishRows: () => undefined, fail: () => undefined, barrier: () => undefined };

/**
 * The inverse of the n x n symmetric positive definite matrix `a` (row-major; only its lower
 * triangle is read). `a` is left unchanged; the result is a new full symmetric matrix (a view
 * of the start of the workspace, so the workspace lives as long as it).
 *
 * @example spdInverse(Float64Array.of(4, 2, 2, 3), 2) // { ok: true, inverse: [0.375, -0.25, -0.25, 0.5] }
 */
export const spdInverse: SpdInverter = (a, n, onProgress) => {
  if (a.length !== n * n) throw new RangeError(`spdInverse: expected ${n * n} values, got ${a.length}`);
  const w = spdWorkspace(n, spdWorkspaceMemory(n));
  copyLowerTriangle(a, w.m, n);
  const failed = spdInversePart(w, alone, onProgress);
  return failed >= 0 ? { ok: false, reason: 'not-positive-definite', row: failed } : { ok: true, inverse: w.m.subarray(0, n * n) };
};

/** Copies the lower triangle (diagonal included) of `a` into `l` from 0, whose upper triangle must be zero. */
export function copyLowerTriangle(a: Float64Array, l: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) l.set(a.subarray(i * n, i * n + i + 1), i * n);
}

/**
 * One part's share of the inverse. `w.m` holds A's lower triangle from 0 (zeros above) and
 * zeros after it, shared by every part; when every part has returned, its first n x n values
 * are A^-1. Part p factors the blocks of four rows whose index is p modulo `parts` (waiting
 * for the rows before them), then computes a contiguous range of U's rows and of the result's
 * rows, cut so that each part does as many multiply-adds. Returns -1, the row whose pivot was not positive, or -2 when another
 * part found one (only the part that found it names the row).
 */
export function spdInversePart(w: SpdWorkspace, share: SpdInverseShare, onProgress?: Progress): number {
  const n = w.n;
  const report = share.part === 0 ? progressSteps(onProgress) : () => undefined;
  const failed = choleskyBlocks(w, share, (i) => report((i / n) ** 3, 0));
  if (failed !== -1) return failed;
  if (share.awaitRows(n) < 0) return -2;
  const [from, to] = partRows(n, share.part, share.parts);
  invertLowerTransposed(w, from, to, (i) => report((i / n) ** 3, 1));
  // The factor is no longer needed once every part has read it: its storage takes the result.
  share.barrier(1);
  gramOfUpperRows(w, from, to, (i) => report(1 - ((n - i) / n) ** 3, 2));
  share.barrier(2);
  onProgress?.(1);
  return -1;
}

/**
 * Part p's rows [from, to), multiples of four: row r of U and of U U^T costs about (n - r)^2,
 * so the cuts are where the cost left, ((n - r) / n)^3, falls by 1 / parts.
 */
function partRows(n: number, part: number, parts: number): [number, number] {
  const cut = (p: number) => (p <= 0 ? 0 : p >= parts ? n : Math.min(n, 4 * Math.round((n * (1 - (1 - p / parts) ** (1 / 3))) / 4)));
  return [cut(part), cut(part + 1)];
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
 * Rows [from, to) of U = L^-T (upper, zeros below the diagonal; in `w.m` from `w.u`), row by
 * row of W = L^-1 = U^T: U[j][i] = W[i][j] = -(L[i][j..i) . U[j][j..i)) / L[i][i] for j < i,
 * U[i][i] = 1 / L[i][i]. Rows of U do not depend on each other. Row j is contiguous, so each
 * entry is a dot product of two contiguous segments. Four rows of L at a time over their
 * common columns; each row then adds the terms of the rows before it in the group (which it
 * needs), in order. `from` is even, so rows pair up as they would over [0, n).
 */
function invertLowerTransposed(w: SpdWorkspace, from: number, to: number, rowDone: (row: number) => void): void {
  const { m, n, u, sums } = w;
  for (let i = from - (from % 4); i < n; i += 4) {
    const rows = Math.min(4, n - i);
    const r0 = i * n;
    const r1 = rows > 1 ? r0 + n : r0, r2 = rows > 2 ? r0 + 2 * n : r0, r3 = rows > 3 ? r0 + 3 * n : r0;
    let j = from;
    for (; j + 1 < i && j < to; j += 2) {
      const q0 = u + j * n;
      const q1 = q0 + n;
      // U[j + 1][j] is zero, so both rows of U can run from j.
      w.dot42(r0 + j, r1 + j, r2 + j, r3 + j, q0 + j, q1 + j, i - j);
      for (let t = 0; t < rows; t++) {
        const r = i + t;
        const rr = r * n;
        const d = m[rr + r]!;
        const first = m[sums + 2 * t]!, second = m[sums + 2 * t + 1]!;
        m[q0 + r] = -(first + dot(m, rr, q0, i, r)) / d;
        m[q1 + r] = -(second + dot(m, rr, q1, i, r)) / d;
      }
    }
    for (; j < i + rows && j < to; j++) {
      const q = u + j * n;
      for (let r = Math.max(i, j); r < i + rows; r++) {
        const rr = r * n;
        m[q + r] = r === j ? 1 / m[rr + r]! : -dot(m, rr, q, j, r) / m[rr + r]!;
      }
    }
    rowDone(i);
  }
}

/** Sum over k in [from, to) of m[ra + k] * m[rb + k]. */
function dot(m: Float64Array, ra: number, rb: number, from: number, to: number): number {
  let s = 0;
  for (let k = from; k < to; k++) s += m[ra + k]! * m[rb + k]!;
  return s;
}

/**
 * Rows [from, to) of U U^T, into `w.m` from 0 (and their mirror: the result is full and
 * symmetric): out[r][c] = U[r][c..n) . U[c][c..n) for r <= c. The zeros below U's diagonal let
 * a block of four rows by two columns run every dot product from its first column; a block
 * that straddles the diagonal computes entries below it correctly too.
 */
function gramOfUpperRows(w: SpdWorkspace, from: number, to: number, rowDone: (row: number) => void): void {
  const { m, n, u, sums } = w;
  for (let i = from; i < to; i += 4) {
    const rows = Math.min(4, n - i);
    const r0 = u + i * n;
    const r1 = rows > 1 ? r0 + n : r0, r2 = rows > 2 ? r0 + 2 * n : r0, r3 = rows > 3 ? r0 + 3 * n : r0;
    for (let j = i; j < n; j += 2) {
      const q0 = u + j * n;
      const pair = j + 1 < n;
      const q1 = pair ? q0 + n : q0;
      w.dot42(r0 + j, r1 + j, r2 + j, r3 + j, q0 + j, q1 + j, n - j);
      for (let t = 0; t < rows; t++) setSymmetric(m, n, i + t, j, m[sums + 2 * t]!, m[sums + 2 * t + 1]!, pair);
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
