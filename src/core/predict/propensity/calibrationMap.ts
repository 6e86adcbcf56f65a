import { featureMatrix } from './FeatureMatrix.js';
import { fitLogistic, sigmoid } from './fitLogistic.js';
import { poolAdjacentViolators } from './poolAdjacentViolators.js';

/**
 * A monotone map from the logistic model's probability to a calibrated one, fitted on
 * out-of-fold scores (chooseCalibration). Plain numbers, so it is stored as JSON with the model.
 * - `platt`: sigmoid(slope · logit(p) + intercept) (Platt 1999), a refit of the score's scale.
 * - `isotonic`: pool-adjacent-violators blocks with a minimum size; between the blocks' centres
 *   (mean score, observed rate) the map is linear, below the first it runs to (0, 0) and above
 *   the last to (1, 1). Block rates rise strictly, so the map is strictly increasing wherever the
 *   first rate is above 0 and the last below 1: it never reorders customers, it only relabels them.
 */
export type CalibrationMap =
  | { readonly method: 'platt'; readonly slope: number; readonly intercept: number }
  | { readonly method: 'isotonic'; readonly scores: readonly number[]; readonly rates: readonly number[] };

export type CalibrationMethod = 'none' | CalibrationMap['method'];

const logitClip = 1e-12;

function logit(p: number): number {
  const q = Math.min(1 - logitClip, Math.max(logitClip, p));
  return Math.log(q / (1 - q));
}

/**
 * A probability through a calibration map; without one (a model stored before calibration
 * existed) the probability is unchanged.
 *
 * @example applyCalibration({ method: 'isotonic', scores: [0.2, 0.6], rates: [0.1, 0.7] }, 0.4) // 0.4
 */
export function applyCalibration(map: CalibrationMap | undefined, p: number): number {
  if (map === undefined) return p;
  if (map.method === 'platt') return sigmoid(map.slope * logit(p) + map.intercept);
  const { scores, rates } = map;
  const last = scores.length - 1;
  const first = { x: scores[0]!, y: rates[0]! };
  const top = { x: scores[last]!, y: rates[last]! };
  if (p <= first.x) return first.x > 0 ? (first.y * p) / first.x : first.y;
  if (p >= top.x) return top.x < 1 ? top.y + ((1 - top.y) * (p - top.x)) / (1 - top.x) : top.y;
  // Binary search for the segment [scores[lo], scores[lo + 1]] holding p.
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (scores[mid]! <= p) lo = mid;
    else hi = mid;
  }
  const x0 = scores[lo]!;
  const x1 = scores[hi]!;
  const y0 = rates[lo]!;
  return y0 + ((rates[hi]! - y0) * (p - x0)) / (x1 - x0);
}

/**
 * Platt scaling: a one-column logistic regression of the labels on logit(p), unpenalised.
 *
 * @example fitPlatt([0.2, 0.4, 0.6, 0.8], [0, 1, 0, 1]).slope
 */
export function fitPlatt(probabilities: readonly number[], labels: readonly number[]): CalibrationMap {
  const fit = fitLogistic(featureMatrix(['logit'], probabilities.map((p) => [logit(p)])), labels, { l2: 0 });
  return { method: 'platt', slope: fit.coefficients[0]!, intercept: fit.intercept };
}

/**
 * Isotonic calibration: observed rates by pool-adjacent-violators over the scores, each block
 * holding at least `minBlock` customers (default: a twentieth of them, at least 20), so a map
 * fitted on a few thousand customers has at most twenty steps to interpolate between.
 *
 * @example fitIsotonic(outOfFoldScores, outOfFoldLabels, { minBlock: 100 })
 */
export function fitIsotonic(probabilities: readonly number[], labels: readonly number[], options: { readonly minBlock?: number } = {}): CalibrationMap {
  if (probabilities.length === 0) throw new RangeError('isotonic calibration needs at least one score');
  const minBlock = options.minBlock ?? defaultMinBlock(probabilities.length);
  const blocks = poolAdjacentViolators(probabilities, labels, { minWeight: minBlock });
  return { method: 'isotonic', scores: blocks.map((b) => b.x), rates: blocks.map((b) => b.y) };
}

/** A twentieth of the customers, at least 20. */
export function defaultMinBlock(count: number): number {
  return Math.max(20, Math.ceil(count / 20));
}
