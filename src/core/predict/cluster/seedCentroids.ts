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
  const centreToCandidate = new Float64Array(k);
  const first = Math.min(n - 1, Math.floor(random.next() * n));
  centroids.set(data.subarray(first * d, (first + 1) * d), 0);
  let potential = distancesTo(data, d, first, closest, undefined);
  for (let c = 1; c < k; c++) {
    let bestRow = -1;
    let bestPotential = Infinity;
    let bestTrial = 0;
    for (let t = 0; t < trials; t++) {
      const row = potential > 0 ? drawProportional(closest, potential, random) : Math.min(n - 1, Math.floor(random.next() * n));
      for (let j = 0; j < c; j++) centreToCandidate[j] = squaredDistance(centroids, j * d, data, row * d, d);
      const trialPotential = distancesTo(data, d, row, candidates[t]!, { closest, owner, centreToCandidate });
      if (trialPotential < bestPotential) {
        bestPotential = trialPotential;
        bestRow = row;
        bestTrial = t;
      }
    }
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
  /** Squared distance of each centre so far to the candidate. */
  readonly centreToCandidate: Float64Array;
}

/**
 * Squared distance of every row to row `from`, or to its nearest centre so far when that is
 * nearer, into `out`; returns their sum.
 */
function distancesTo(data: Float64Array, d: number, from: number, out: Float64Array, nearest: Nearest | undefined): number {
  const offset = from * d;
  let total = 0;
  for (let i = 0; i < out.length; i++) {
    // d(centre, candidate) >= 2 d(row, centre) implies d(row, candidate) >= d(row, centre).
    if (nearest !== undefined && nearest.centreToCandidate[nearest.owner[i]!]! >= 4 * nearest.closest[i]!) {
      out[i] = nearest.closest[i]!;
      total += out[i]!;
      continue;
    }
    let sum = squaredDistance(data, i * d, data, offset, d);
    if (nearest !== undefined && nearest.closest[i]! < sum) sum = nearest.closest[i]!;
    out[i] = sum;
    total += sum;
  }
  return total;
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
