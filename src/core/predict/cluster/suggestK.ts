import type { Random } from '../../common/random.js';
import { AttuneError } from '../../errors/AttuneError.js';
import { kmeans, type KMeansOptions } from './kmeans.js';
import type { Matrix } from './Matrix.js';
import { silhouette } from './silhouette.js';

export interface KCandidate {
  readonly k: number;
  readonly inertia: number;
  /** Mean silhouette of the k-means labels. */
  readonly silhouette: number;
}

export interface SuggestedK {
  readonly candidates: readonly KCandidate[];
  /** The k of highest mean silhouette (the smaller k on a tie). */
  readonly bySilhouette: number;
  /** The elbow of the inertia curve (see `elbowOf`). */
  readonly byElbow: number;
}

/**
 * k-means for every k from `kMin` to `kMax` (at least 2: the silhouette needs two clusters),
 * scored by the exact mean silhouette and by the elbow of the inertia curve. The silhouette
 * costs n^2/2 distances per k: on large data, cluster a sample.
 *
 * @example suggestK(matrix, { kMin: 2, kMax: 8 }, seededRandom(1)).bySilhouette
 */
export function suggestK(matrix: Matrix, options: { kMin: number; kMax: number } & Omit<KMeansOptions, 'k'>, random: Random): SuggestedK {
  const { kMin, kMax } = options;
  if (!Number.isInteger(kMin) || !Number.isInteger(kMax) || kMin < 2 || kMax < kMin || kMax >= matrix.rows) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `need integers 2 <= kMin <= kMax < rows (${matrix.rows}), got ${kMin} and ${kMax}`, field: 'k' });
  }
  const candidates: KCandidate[] = [];
  for (let k = kMin; k <= kMax; k++) {
    const result = kmeans(matrix, { ...options, k }, random);
    candidates.push({ k, inertia: result.inertia, silhouette: silhouette(matrix, result.labels).mean });
  }
  const best = candidates.reduce((a, b) => (b.silhouette > a.silhouette ? b : a));
  return { candidates, bySilhouette: best.k, byElbow: elbowOf(candidates.map((c) => c.k), candidates.map((c) => c.inertia)) };
}

/**
 * The elbow of a falling curve: with both axes scaled to [0, 1], the point farthest from the
 * straight line between the first and the last point (the "kneedle" idea of Satopää et al.
 * 2011, without its smoothing). With fewer than three points, the first k.
 *
 * @example elbowOf([1, 2, 3, 4], [100, 30, 20, 15]) // 2
 */
export function elbowOf(ks: readonly number[], inertias: readonly number[]): number {
  if (ks.length < 3) return ks[0]!;
  const x0 = ks[0]!;
  const x1 = ks[ks.length - 1]!;
  const yHigh = Math.max(...inertias);
  const yLow = Math.min(...inertias);
  const ySpan = yHigh - yLow || 1;
  const scaled = ks.map((k, i) => [(k - x0) / (x1 - x0), (inertias[i]! - yLow) / ySpan] as const);
  const [ax, ay] = scaled[0]!;
  const [bx, by] = scaled[scaled.length - 1]!;
  const length = Math.hypot(bx - ax, by - ay) || 1;
  let bestIndex = 0;
  let bestDistance = -1;
  scaled.forEach(([px, py], i) => {
    const distance = Math.abs((by - ay) * px - (bx - ax) * py + bx * ay - by * ax) / length;
    if (distance > bestDistance + 1e-12) {
      bestDistance = distance;
      bestIndex = i;
    }
  });
  return ks[bestIndex]!;
}
