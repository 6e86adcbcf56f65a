import { squaredDistance } from './Matrix.js';

/**
 * The assignment step of Lloyd's k-means with triangle-inequality bounds. Distances here are
 * Euclidean (not squared) because the bounds add and subtract them. `shift` holds how far each
 * centre moved in the last update; each assign call first loosens the bounds by it.
 */
export interface Bounds {
  readonly x: Float64Array;
  readonly n: number;
  readonly d: number;
  readonly k: number;
  readonly centres: Float64Array;
  /** Per cluster, the sum of its rows (k x d) and their number: centres are sums / counts. */
  readonly sums: Float64Array;
  readonly counts: Float64Array;
  readonly labels: Int32Array;
  /** Per row, at least the distance to its centre. */
  readonly upper: Float64Array;
  /**
   * Elkan: per row and centre (n x k), at most the distance to it plus the centre's `drift` when
   * it was written (so loosening it costs nothing: subtract the drift when reading); Hamerly:
   * per row, at most the distance to any other centre.
   */
  readonly lower: Float64Array;
  readonly shift: Float64Array;
  /** Per centre, the total of its shifts so far (Elkan). */
  readonly drift: Float64Array;
}

/**
 * The index of the centre nearest row i (the first of equals). With `found`, the squared
 * distances to the nearest and the second nearest centre go to found[0] and found[1].
 */
export function nearest(x: Float64Array, i: number, centres: Float64Array, k: number, d: number, found?: Float64Array): number {
  let best = Infinity;
  let next = Infinity;
  let bestIndex = 0;
  for (let j = 0; j < k; j++) {
    const dist = squaredDistance(x, i * d, centres, j * d, d);
    if (dist < best) {
      next = best;
      best = dist;
      bestIndex = j;
    } else if (dist < next) next = dist;
  }
  if (found !== undefined) {
    found[0] = best;
    found[1] = next;
  }
  return bestIndex;
}

export function addRow(sums: Float64Array, counts: Float64Array, x: Float64Array, i: number, j: number, d: number, sign: number): void {
  const base = i * d;
  const cBase = j * d;
  for (let c = 0; c < d; c++) sums[cBase + c]! += sign * x[base + c]!;
  counts[j]! += sign;
}

/** Half the distance between every two centres (k x k) and, per centre, to its nearest other one. */
function halfDistances(centres: Float64Array, k: number, d: number, between: Float64Array, nearestHalf: Float64Array): void {
  nearestHalf.fill(Infinity);
  for (let a = 0; a < k; a++) {
    between[a * k + a] = 0;
    for (let b = a + 1; b < k; b++) {
      const h = Math.sqrt(squaredDistance(centres, a * d, centres, b * d, d)) / 2;
      between[a * k + b] = h;
      between[b * k + a] = h;
      if (h < nearestHalf[a]!) nearestHalf[a] = h;
      if (h < nearestHalf[b]!) nearestHalf[b] = h;
    }
  }
}

/** Elkan's first assignment (no drift yet): every distance, exact bounds, the sums of the clusters. */
export function elkanStart(s: Bounds): void {
  const { x, n, d, k, centres, labels, upper, lower } = s;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    let bestIndex = 0;
    for (let j = 0; j < k; j++) {
      const dist = Math.sqrt(squaredDistance(x, i * d, centres, j * d, d));
      lower[i * k + j] = dist;
      if (dist < best) {
        best = dist;
        bestIndex = j;
      }
    }
    labels[i] = bestIndex;
    upper[i] = best;
    addRow(s.sums, s.counts, x, i, bestIndex, d, 1);
  }
}

/**
 * Elkan's assignment: centre j is looked at for row i only when the upper bound exceeds both
 * the row's lower bound for j and half the distance between j and the row's centre. Returns
 * the number of rows that changed cluster.
 */
export function elkanAssign(s: Bounds): number {
  const { x, n, d, k, centres, labels, upper, lower, shift, drift } = s;
  const between = new Float64Array(k * k);
  const nearestHalf = new Float64Array(k);
  halfDistances(centres, k, d, between, nearestHalf);
  for (let j = 0; j < k; j++) drift[j]! += shift[j]!;
  let changed = 0;
  for (let i = 0; i < n; i++) {
    const lBase = i * k;
    const start = labels[i]!;
    let a = start;
    let u = upper[i]! + shift[a]!;
    if (u <= nearestHalf[a]!) {
      upper[i] = u;
      continue;
    }
    let tight = false;
    for (let j = 0; j < k; j++) {
      if (j === a || u <= lower[lBase + j]! - drift[j]! || u <= between[a * k + j]!) continue;
      if (!tight) {
        u = Math.sqrt(squaredDistance(x, i * d, centres, a * d, d));
        lower[lBase + a] = u + drift[a]!;
        tight = true;
        if (u <= lower[lBase + j]! - drift[j]! || u <= between[a * k + j]!) continue;
      }
      const dist = Math.sqrt(squaredDistance(x, i * d, centres, j * d, d));
      lower[lBase + j] = dist + drift[j]!;
      if (dist < u) {
        u = dist;
        a = j;
      }
    }
    upper[i] = u;
    if (a !== start) {
      labels[i] = a;
      changed++;
      addRow(s.sums, s.counts, x, i, start, d, -1);
      addRow(s.sums, s.counts, x, i, a, d, 1);
    }
  }
  return changed;
}

/** Row i's nearest centre into labels, the distance to it into upper, to the second nearest into lower. */
function nearestTwo(s: Bounds, i: number, found: Float64Array): void {
  s.labels[i] = nearest(s.x, i, s.centres, s.k, s.d, found);
  s.upper[i] = Math.sqrt(found[0]!);
  s.lower[i] = Math.sqrt(found[1]!);
}

/** Hamerly's first assignment: every distance, the two nearest, the sums of the clusters. */
export function hamerlyStart(s: Bounds): void {
  const found = new Float64Array(2);
  for (let i = 0; i < s.n; i++) {
    nearestTwo(s, i, found);
    addRow(s.sums, s.counts, s.x, i, s.labels[i]!, s.d, 1);
  }
}

/**
 * Hamerly's assignment: a row is looked at only when its upper bound exceeds both its one
 * lower bound and half the distance from its centre to the nearest other centre; then first
 * the upper bound is made exact, and only if that does not settle it are all k distances
 * computed. Returns the number of rows that changed cluster.
 */
export function hamerlyAssign(s: Bounds): number {
  const { x, n, d, k, centres, labels, upper, lower, shift } = s;
  let most = 0;
  let second = 0;
  let mostIndex = -1;
  for (let j = 0; j < k; j++) {
    if (shift[j]! > most) {
      second = most;
      most = shift[j]!;
      mostIndex = j;
    } else if (shift[j]! > second) second = shift[j]!;
  }
  const between = new Float64Array(k * k);
  const nearestHalf = new Float64Array(k);
  halfDistances(centres, k, d, between, nearestHalf);
  const found = new Float64Array(2);
  let changed = 0;
  for (let i = 0; i < n; i++) {
    const a = labels[i]!;
    upper[i]! += shift[a]!;
    lower[i]! -= a === mostIndex ? second : most;
    const bound = nearestHalf[a]! > lower[i]! ? nearestHalf[a]! : lower[i]!;
    if (upper[i]! <= bound) continue;
    upper[i] = Math.sqrt(squaredDistance(x, i * d, centres, a * d, d));
    if (upper[i]! <= bound) continue;
    nearestTwo(s, i, found);
    const b = labels[i]!;
    if (b !== a) {
      changed++;
      addRow(s.sums, s.counts, x, i, a, d, -1);
      addRow(s.sums, s.counts, x, i, b, d, 1);
    }
  }
  return changed;
}
