import { AttuneError } from '../../errors/AttuneError.js';
import type { Matrix } from './Matrix.js';
import { scaleRow, type Scaling } from './standardize.js';

/** What real-time membership needs: the centres, and the scaling the training rows had (if any). */
export interface ClusterModel {
  readonly centroids: Matrix;
  /** Applied to a new row before it is compared with the centres. */
  readonly scaling?: Scaling;
}

export interface Membership {
  readonly cluster: number;
  /** Euclidean distance to that centre, on the centres' scale. */
  readonly distance: number;
}

/**
 * The cluster of a new profile: its nearest centre (the first of equals), after the scaling
 * the model was trained with. O(k x features), no allocation beyond the scaled row.
 *
 * @example nearestCentroid({ centroids, scaling }, [12, 3, 250.5]) // { cluster: 2, distance: 0.41 }
 */
export function nearestCentroid(model: ClusterModel, row: ArrayLike<number>): Membership {
  const { rows: k, cols: d, data } = model.centroids;
  if (row.length !== d) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `the row has ${row.length} values, the model ${d} features`, field: 'row' });
  const x = model.scaling === undefined ? row : scaleRow(model.scaling, row);
  let best = Infinity;
  let cluster = 0;
  for (let j = 0; j < k; j++) {
    let sum = 0;
    for (let c = 0; c < d; c++) {
      const diff = x[c]! - data[j * d + c]!;
      sum += diff * diff;
    }
    if (sum < best) {
      best = sum;
      cluster = j;
    }
  }
  return { cluster, distance: Math.sqrt(best) };
}
