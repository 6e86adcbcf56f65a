import type { Random } from '../../common/random.js';
import { AttuneError } from '../../errors/AttuneError.js';
import { lloyd, type LloydOptions, type LloydResult } from './lloyd.js';
import type { Matrix } from './Matrix.js';
import { seedCentroids } from './seedCentroids.js';

export interface KMeansOptions extends LloydOptions {
  readonly k: number;
  /** Independent k-means++ starts; the one of lowest inertia is kept (scikit-learn's n_init). Default 10. */
  readonly restarts?: number;
  /** Candidates per k-means++ centre; default 2 + floor(ln k), scikit-learn's greedy seeding. 1 is plain k-means++. */
  readonly localTrials?: number;
}

export interface KMeansResult extends LloydResult {
  /** The inertia each restart reached, in the order they ran. */
  readonly restartInertias: readonly number[];
}

/**
 * k-means: `restarts` runs of k-means++ seeding then Hamerly-accelerated Lloyd iterations,
 * keeping the run of lowest inertia. Deterministic for a seeded `random`.
 *
 * @example kmeans(standardize(matrix).matrix, { k: 4 }, seededRandom(7)).labels
 */
export function kmeans(matrix: Matrix, options: KMeansOptions, random: Random): KMeansResult {
  const { k } = options;
  const restarts = options.restarts ?? 10;
  if (!Number.isInteger(k) || k < 1 || k > matrix.rows) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `k must be an integer from 1 to the number of rows (${matrix.rows}), got ${k}`, field: 'k' });
  }
  if (!Number.isInteger(restarts) || restarts < 1) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `restarts must be a positive integer, got ${restarts}`, field: 'restarts' });
  }
  let best: LloydResult | undefined;
  const restartInertias: number[] = [];
  for (let run = 0; run < restarts; run++) {
    const result = lloyd(matrix, seedCentroids(matrix, k, random, options.localTrials), options);
    restartInertias.push(result.inertia);
    if (best === undefined || result.inertia < best.inertia) best = result;
  }
  return { ...best!, restartInertias };
}
