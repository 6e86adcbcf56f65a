import { classificationMetrics } from './classificationMetrics.js';
import { applyCalibration, fitIsotonic, fitPlatt, type CalibrationMap, type CalibrationMethod } from './calibrationMap.js';

/** Scores of training rows, each from a model fitted without the row's fold (chooseL2's folds). */
export interface OutOfFoldScores {
  readonly probabilities: readonly number[];
  readonly labels: readonly number[];
  /** The fold each row was held out in, 0..folds − 1. */
  readonly folds: readonly number[];
}

/** How one candidate map did on out-of-fold scores it was not fitted on. */
export interface CalibrationCandidate {
  readonly method: CalibrationMethod;
  readonly logLoss: number;
  readonly ece: number;
}

/** What chooseCalibration tried and kept, stored with the model's held-out metrics. */
export interface CalibrationChoice {
  readonly method: CalibrationMethod;
  /** Out-of-fold training rows the maps were judged and fitted on. */
  readonly rows: number;
  readonly chosenBy: 'cross-fitted out-of-fold log loss';
  readonly candidates: readonly CalibrationCandidate[];
}

/**
 * Fewer buyers or non-buyers than this among the out-of-fold rows and no map is tried: a map
 * fitted on a handful of rows learns their noise (an isotonic block of buyers only maps its
 * scores to a certain 1), so the model's own probabilities are kept.
 */
export const minimumRowsPerClass = 50;

const fitters: Readonly<Record<CalibrationMap['method'], (p: readonly number[], y: readonly number[]) => CalibrationMap>> = {
  platt: fitPlatt,
  isotonic: (p, y) => fitIsotonic(p, y),
};

/**
 * Picks the calibration map for a model from its out-of-fold training scores: no map, Platt
 * scaling or isotonic regression, whichever has the lowest log loss on scores it did not see —
 * each fold's scores are mapped by a map fitted on the other folds' (cross-fitting), since a map
 * judged on its own fitting data would always beat no map. A more flexible map must do strictly
 * better than a simpler one. The winner is then refitted on all the out-of-fold scores. The
 * held-out half never enters: it judges the result. With fewer than `minimumRowsPerClass` rows of
 * either label only `none` is a candidate.
 *
 * @example chooseCalibration(crossValidateL2(input, labels, random).outOfFold!).map?.method // 'isotonic'
 */
export function chooseCalibration(scores: OutOfFoldScores): { readonly map?: CalibrationMap; readonly choice: CalibrationChoice } {
  const { probabilities, labels, folds } = scores;
  const foldIds = [...new Set(folds)].sort((a, b) => a - b);
  const judge = (method: CalibrationMethod, predicted: readonly number[]): CalibrationCandidate => {
    const metrics = classificationMetrics(predicted, labels);
    return { method, logLoss: metrics.logLoss, ece: metrics.ece };
  };
  const candidates: CalibrationCandidate[] = [judge('none', probabilities)];
  const canFit = (rows: readonly number[]): boolean => rows.some((i) => labels[i] === 1) && rows.some((i) => labels[i] === 0);
  const buyers = labels.filter((y) => y === 1).length;
  const enough = Math.min(buyers, labels.length - buyers) >= minimumRowsPerClass;
  for (const method of enough ? (['platt', 'isotonic'] as const) : []) {
    const mapped = [...probabilities];
    let fitted = foldIds.length >= 2;
    for (const fold of foldIds) {
      const inside = folds.flatMap((f, i) => (f === fold ? [] : [i]));
      if (!canFit(inside)) { fitted = false; break; }
      const map = fitters[method](inside.map((i) => probabilities[i]!), inside.map((i) => labels[i]!));
      folds.forEach((f, i) => { if (f === fold) mapped[i] = applyCalibration(map, probabilities[i]!); });
    }
    if (fitted) candidates.push(judge(method, mapped));
  }
  const best = candidates.reduce((kept, candidate) => (candidate.logLoss < kept.logLoss ? candidate : kept));
  const choice: CalibrationChoice = { method: best.method, rows: labels.length, chosenBy: 'cross-fitted out-of-fold log loss', candidates };
  return best.method === 'none' ? { choice } : { map: fitters[best.method](probabilities, labels), choice };
}
