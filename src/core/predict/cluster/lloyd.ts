import { squaredDistance, type Matrix } from './Matrix.js';
import { addRow, elkanAssign, elkanStart, hamerlyAssign, hamerlyStart, nearest, type Bounds } from './boundedAssign.js';

export interface LloydOptions {
  /** Most assignment-and-update rounds (scikit-learn's max_iter); default 300. */
  readonly maxIterations?: number;
  /**
   * Stop when a round lowers the inertia by at most this share of it (default 1e-4): a relative
   * tolerance, as scikit-learn's `tol` (which is on the centres' shift, relative to the data's
   * variance). 0 runs to a fixed point (no row changes cluster).
   */
  readonly tolerance?: number;
  /**
   * Which bounds skip distance computations: Elkan's (a lower bound per row and centre: fewest
   * distances, n x k numbers of memory) or Hamerly's (one lower bound per row). Default Elkan
   * while n x k is at most 20 million, else Hamerly.
   */
  readonly bounds?: 'elkan' | 'hamerly';
}

export interface LloydResult {
  readonly centroids: Matrix;
  /** The nearest final centre of each row, in row order. */
  readonly labels: Int32Array;
  /** Sum of squared distances of the rows to their centres. */
  readonly inertia: number;
  readonly iterations: number;
  /** True when no row changed cluster in the last round (a fixed point). */
  readonly converged: boolean;
}

/**
 * Lloyd's k-means iterations from given centres, with the triangle-inequality bounds of Elkan
 * (2003) or Hamerly (2010) so that a row that cannot have changed cluster costs no distance
 * (boundedAssign.ts). The result is that of plain Lloyd's from the same start. Centres move by
 * running sums updated only for rows that change cluster. A cluster left empty takes the row
 * farthest from its centre (as scikit-learn does). Ends with the labels of the final centres.
 *
 * @example lloyd(matrix, seedCentroids(matrix, 3, seededRandom(1))).inertia
 */
export function lloyd(matrix: Matrix, initial: Matrix, options: LloydOptions = {}): LloydResult {
  const { rows: n, cols: d, data: x } = matrix;
  const k = initial.rows;
  const maxIterations = options.maxIterations ?? 300;
  const tolerance = options.tolerance ?? 1e-4;
  const squaredNorms = sumOfSquares(x);
  const kind = options.bounds ?? (n * k <= 20_000_000 ? 'elkan' : 'hamerly');
  const state: Bounds = {
    x, n, d, k,
    centres: Float64Array.from(initial.data),
    sums: new Float64Array(k * d),
    counts: new Float64Array(k),
    labels: new Int32Array(n),
    upper: new Float64Array(n),
    lower: new Float64Array(kind === 'elkan' ? n * k : n),
    shift: new Float64Array(k),
    drift: new Float64Array(k),
  };
  const { centres, sums, counts, labels, shift } = state;
  if (kind === 'elkan') elkanStart(state);
  else hamerlyStart(state);
  const old = new Float64Array(d);
  let iterations = 0;
  let converged = false;
  let previous = Infinity;
  while (iterations < maxIterations) {
    iterations++;
    fillEmpty(state);
    // The inertia of these labels around their means, from the running sums: no pass over the rows.
    let current = squaredNorms;
    for (let j = 0; j < k; j++) {
      const base = j * d;
      let moved = 0;
      for (let c = 0; c < d; c++) {
        old[c] = centres[base + c]!;
        // A cluster that stayed empty (fewer distinct rows than k) keeps its centre.
        const value = counts[j]! > 0 ? sums[base + c]! / counts[j]! : old[c]!;
        const diff = value - old[c]!;
        moved += diff * diff;
        centres[base + c] = value;
      }
      if (counts[j]! > 0) current -= squaredNormOf(sums, base, d) / counts[j]!;
      shift[j] = Math.sqrt(moved);
    }
    if (tolerance > 0 && previous - current <= tolerance * current) break;
    previous = current;
    const changed = kind === 'elkan' ? elkanAssign(state) : hamerlyAssign(state);
    if (changed === 0) {
      converged = true;
      break;
    }
  }
  // After a stop on the shift or the cap, the labels are those of the centres before the last move.
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    if (!converged) labels[i] = nearest(x, i, centres, k, d);
    inertia += squaredDistance(x, i * d, centres, labels[i]! * d, d);
  }
  return { centroids: { rows: k, cols: d, data: centres }, labels, inertia, iterations, converged };
}

function sumOfSquares(values: Float64Array): number {
  let sum = 0;
  for (const value of values) sum += value * value;
  return sum;
}

function squaredNormOf(values: Float64Array, base: number, d: number): number {
  let sum = 0;
  for (let c = 0; c < d; c++) sum += values[base + c]! * values[base + c]!;
  return sum;
}

/** Each empty cluster takes the row farthest from its centre among clusters of two rows or more. */
function fillEmpty(state: Bounds): void {
  const { x, n, d, k, centres, sums, counts, labels, upper, lower } = state;
  const perRow = lower.length / n;
  for (let j = 0; j < k; j++) {
    if (counts[j]! > 0) continue;
    let far = -1;
    let farDistance = -1;
    for (let i = 0; i < n; i++) {
      const a = labels[i]!;
      if (counts[a]! < 2) continue;
      const dist = squaredDistance(x, i * d, centres, a * d, d);
      if (dist > farDistance) {
        farDistance = dist;
        far = i;
      }
    }
    if (far < 0) continue;
    addRow(sums, counts, x, far, labels[far]!, d, -1);
    addRow(sums, counts, x, far, j, d, 1);
    labels[far] = j;
    // Bounds that force a fresh look at this row in the next round.
    upper[far] = Infinity;
    lower.fill(0, far * perRow, (far + 1) * perRow);
  }
}
