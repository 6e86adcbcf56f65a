import type { Random } from '../../common/random.js';
import type { Order } from '../orders/Order.js';
import { classificationMetrics, rocAuc, type ClassificationMetrics } from './classificationMetrics.js';
import { joinColumns } from './FeatureMatrix.js';
import { fitPropensity, scorePropensity, selectInput, type PropensityInput, type PropensityModel } from './propensityModel.js';
import { chooseCalibration, type CalibrationChoice } from './chooseCalibration.js';
import { crossValidateL2 } from './chooseL2.js';
import { chooseModel, crossFitTrees, type ModelChoice } from './chooseModel.js';
import { fitRfm, scoreRfm } from './rfmBaseline.js';
import { timeSplitLabels, type TimeSplit, type TimeSplitOptions } from './timeSplitLabels.js';

export interface PropensityEvaluationOptions extends TimeSplitOptions {
  /** Shuffles customers into training and test. */
  readonly random: Random;
  /** Share of customers the models are fitted on; the rest judge them. Default 0.5. */
  readonly trainShare?: number;
  /**
   * λ of the logistic regression, or 'cv' to choose it by cross-validation on the training rows
   * (chooseL2), to choose between it and boosted trees on the same folds' out-of-fold scores
   * (chooseModel) and to calibrate the chosen model on them (chooseCalibration). Default 1,
   * logistic, uncalibrated.
   */
  readonly l2?: number | 'cv';
}

/** The model's calibration step, judged on the test customers before and after. */
export interface CalibrationReport {
  readonly choice: CalibrationChoice;
  /** The logistic model's test metrics without its calibration map (`logistic` is with it). */
  readonly uncalibrated: ClassificationMetrics;
}

export interface PropensityEvaluation {
  readonly trainCustomers: number;
  readonly testCustomers: number;
  /** Share of test customers who bought in the horizon. */
  readonly testBaseRate: number;
  readonly model: PropensityModel;
  /** The fitted model's metrics on the test customers (the chosen model, calibrated; the name predates the trees). */
  readonly logistic: ClassificationMetrics;
  /** The RFM baseline's: probabilities from training rates per RFM sum, AUC of the sum itself. */
  readonly rfm: ClassificationMetrics;
  /** With `l2: 'cv'` and folds that could be fitted. */
  readonly calibration?: CalibrationReport;
  /** With `l2: 'cv'` and folds that could be fitted: logistic regression or boosted trees, and why. */
  readonly modelChoice?: ModelChoice;
}

/**
 * The whole check: features as of the cut-off, label in the horizon, customers split at random
 * (seeded), the logistic model and the RFM baseline fitted on the training share, both judged
 * by the same metrics on the rest.
 *
 * @example evaluatePropensity(orders, { cutoffDay, horizonDays: 273, random: seededRandom(15) }).logistic.auc
 */
export function evaluatePropensity(orders: readonly Order[], options: PropensityEvaluationOptions): PropensityEvaluation {
  return evaluateSplit(timeSplitLabels(orders, options), options);
}

/**
 * The same check on a time split already built (a training job that fits on it afterwards
 * builds it once). `extra`: more columns for the model, one row per split customer in the
 * split's order (the profile inputs a workspace chose); the RFM baseline reads only its own.
 */
export function evaluateSplit(split: TimeSplit, options: Omit<PropensityEvaluationOptions, keyof TimeSplitOptions>, extra?: PropensityInput): PropensityEvaluation {
  const { train, test } = shuffleSplit(split.customers.length, options.trainShare ?? 0.5, options.random);
  const full = splitInput(split, extra);
  const inputOf = (indices: readonly number[]): PropensityInput => selectInput(full, indices);
  const labelsOf = (indices: readonly number[]): number[] => indices.map((i) => split.labels[i]!);
  const testLabels = labelsOf(test);
  const cv = options.l2 === 'cv' ? crossValidateL2(inputOf(train), labelsOf(train), options.random) : undefined;
  const l2 = cv?.l2 ?? (options.l2 === 'cv' ? 1 : options.l2 ?? 1);
  const learner = cv?.outOfFold === undefined ? undefined : chooseModel(cv.outOfFold, crossFitTrees(inputOf(train), labelsOf(train), cv.outOfFold, options.random));
  const fitted = fitPropensity(inputOf(train), labelsOf(train), { l2, ...(learner?.model === 'trees' ? { trees: { random: options.random } } : {}) });
  const calibrated = learner === undefined ? undefined : chooseCalibration(learner.outOfFold);
  const model: PropensityModel = calibrated?.map === undefined ? fitted : { ...fitted, calibration: calibrated.map };
  const scores = scorePropensity(model, inputOf(test), { top: 0 });
  const rfm = fitRfm(inputOf(train).numeric, labelsOf(train));
  const rfmScores = scoreRfm(inputOf(test).numeric, rfm);
  const rfmMetrics = classificationMetrics(rfmScores.map((score) => score.probability), testLabels);
  return {
    trainCustomers: train.length,
    testCustomers: test.length,
    testBaseRate: testLabels.reduce((sum, y) => sum + y, 0) / Math.max(1, test.length),
    model,
    logistic: classificationMetrics(scores.map((score) => score.propensity), testLabels),
    rfm: { ...rfmMetrics, auc: rocAuc(rfmScores.map((score) => score.sum), testLabels) },
    ...(calibrated === undefined ? {} : {
      calibration: { choice: calibrated.choice, uncalibrated: classificationMetrics(scorePropensity(fitted, inputOf(test), { top: 0 }).map((score) => score.propensity), testLabels) },
    }),
    ...(learner === undefined ? {} : { modelChoice: learner.choice }),
  };
}

/** A split's model input: its purchase features and acquisition month, then the extra columns. */
export function splitInput(split: TimeSplit, extra?: PropensityInput): PropensityInput {
  return {
    numeric: extra === undefined ? split.features : joinColumns(split.features, extra.numeric),
    categorical: { firstPurchaseMonth: split.firstPurchaseMonth, ...extra?.categorical },
  };
}

/** Fisher–Yates shuffle of 0..n−1, the first round(share·n) for training, both halves sorted. */
export function shuffleSplit(n: number, share: number, random: Random): { train: number[]; test: number[] } {
  if (!(share > 0 && share < 1)) throw new RangeError(`trainShare must be in (0, 1), got ${share}`);
  const indices = Array.from({ length: n }, (_value, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [indices[i], indices[j]] = [indices[j]!, indices[i]!];
  }
  const cut = Math.round(share * n);
  const ascending = (a: number, b: number): number => a - b;
  return { train: indices.slice(0, cut).sort(ascending), test: indices.slice(cut).sort(ascending) };
}
