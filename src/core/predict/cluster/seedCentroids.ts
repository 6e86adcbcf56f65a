import type { Random } from '../../common/random.js';
import { squaredDistance, type Matrix } from './Matrix.js';

/**
 * k-means++ seeding (Arthur and Vassilvitskii 2007): the first centre is a uniformly drawn row,
 * each next one a row drawn with probability proportional to its squared distance to the
 * nearest centre so far. With `localTrials` > 1 it is scikit-learn's greedy variant: draw that
 * many candidates and keep the one that lowers the total squared distance most (scikit-learn
 * uses 2 + floor(ln k), the default here). The seeds are copies of rows. A row whose nearest
 * centre is at least twice as far from a candidate as from the row cannot move closer to the
 * candidate (triangle inequality), so its distance is not computed.
 *
 * @example seedCentroids(matrix, 3, seededRandom(1)) // a 3 x cols Matrix of rows of `matrix`
 */
export function seedCentroids(matrix: Matrix, k: number, random: Random, localTrials = 2 + Math.floor(Math.log(k))): Matrix {
  const { rows: n, cols: d, data } = matrix;
  const centroids = new Float64Array(k * d);
  const closest = new Float64Array(n);
  const trials = Math.max(1, Math.floor(localTrials));
  const candidates = Array.from({ length: trials }, () => new Float64Array(n));
  const owner = new Int32Array(n);
  const centreToCandidate = new Float64Array(k * trials);
  const rows = new Int32Array(trials);
  const first = Math.min(n - 1, Math.floor(random.next() * n));
  centroids.set(data.subarray(first * d, (first + 1) * d), 0);
  for (let i = 0; i < n; i++) closest[i] = squaredDistance(data, i * d, data, first * d, d);
  let potential = closest.reduce((sum, value) => sum + value, 0);
  for (let c = 1; c < k; c++) {
    for (let t = 0; t < trials; t++) {
      const row = potential > 0 ? drawProportional(closest, potential, random) : Math.min(n - 1, Math.floor(random.next() * n));
      rows[t] = row;
      for (let j = 0; j < c; j++) centreToCandidate[j * trials + t] = squaredDistance(centroids, j * d, data, row * d, d);
    }
    const potentials = distancesTo(data, d, rows, candidates, { closest, owner, centreToCandidate });
    let bestTrial = 0;
    for (let t = 1; t < trials; t++) if (potentials[t]! < potentials[bestTrial]!) bestTrial = t;
    const bestRow = rows[bestTrial]!;
    const bestPotential = potentials[bestTrial]!;
    centroids.set(data.subarray(bestRow * d, (bestRow + 1) * d), c * d);
    const chosen = candidates[bestTrial]!;
    for (let i = 0; i < n; i++) {
      if (chosen[i]! < closest[i]!) {
        closest[i] = chosen[i]!;
        owner[i] = c;
      }
    }
    potential = bestPotential;
  }
  return { rows: k, cols: d, data: centroids };
}

interface Nearest {
  /** Squared distance of each row to its nearest centre so far, and that centre. */
  readonly closest: Float64Array;
  readonly owner: Int32Array;
  /** Squared distance of each centre so far to each candidate (centre-major: j * trials + t). */
  readonly centreToCandidate: Float64Array;
}

/**
 * Squared distance of every row to each candidate row, or to its nearest centre so far when
 * that is nearer, into `out[t]`; returns their sums. One pass over the rows for all candidates:
 * the data is read once, not once per candidate.
 */
function distancesTo(data: Float64Array, d: number, rows: Int32Array, out: readonly Float64Array[], nearest: Nearest): Float64Array {
  const trials = rows.length;
  const totals = new Float64Array(trials);
  const { closest, owner, centreToCandidate } = nearest;
  for (let i = 0; i < closest.length; i++) {
    const now = closest[i]!;
    const centre = owner[i]! * trials;
    for (let t = 0; t < trials; t++) {
      // d(centre, candidate) >= 2 d(row, centre) implies d(row, candidate) >= d(row, centre).
      let sum = now;
      if (centreToCandidate[centre + t]! < 4 * now) {
        const candidate = squaredDistance(data, i * d, data, rows[t]! * d, d);
        if (candidate < now) sum = candidate;
      }
      out[t]![i] = sum;
      totals[t]! += sum;
    }
  }
  return totals;
}

/** A row index drawn with probability weights[i] / total. */
function drawProportional(weights: Float64Array, total: number, random: Random): number {
  let target = random.next() * total;
  let last = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (w <= 0) continue;
    last = i;
    target -= w;
    if (target < 0) return i;
  }
  // Rounding can leave a sliver of `target`: the last row with weight takes it.
  return last;
}
