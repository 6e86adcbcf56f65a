import { joinColumns, type FeatureMatrix } from './FeatureMatrix.js';
import { applyCalibration, type CalibrationMap } from './calibrationMap.js';
import { fitImputer, imputeMissing, type Imputer } from './imputeMissing.js';
import { fitLogistic, sigmoid, type LogisticModel, type LogisticOptions } from './fitLogistic.js';
import { fitOneHot, oneHot, type OneHotEncoder } from './oneHot.js';
import { scoreLogistic, type Contribution } from './scoreLogistic.js';
import { fitStandardiser, standardise, type Standardiser } from './standardise.js';

/** Customers' numeric features (NaN = missing) and categorical columns, row by row. */
export interface PropensityInput {
  readonly numeric: FeatureMatrix;
  /** Column name → one value a row (null/undefined = missing). */
  readonly categorical?: Readonly<Record<string, readonly (string | null | undefined)[]>>;
}

/** Everything learned on training rows, applied unchanged to the rows it scores. */
export interface PropensityModel {
  readonly imputer: Imputer;
  readonly encoders: readonly OneHotEncoder[];
  readonly standardiser: Standardiser;
  readonly logistic: LogisticModel;
  /**
   * Maps the logistic probability to a calibrated one (fitted on out-of-fold training scores,
   * evaluateSplit with `l2: 'cv'`). Absent in models stored before it existed, which score as
   * they did. Contributions still explain the logistic score: the map is monotone.
   */
  readonly calibration?: CalibrationMap;
}

export interface PropensityScore {
  /** P(purchase within the horizon). */
  readonly propensity: number;
  /** P(no purchase within the horizon) = 1 − propensity, for customers who bought before. */
  readonly churnRisk: number;
  readonly contributions: readonly Contribution[];
}

/**
 * Fits the preparation (mean imputation with missing indicators, one-hot categories,
 * standardisation) and the L2 logistic regression on training rows, in that order.
 *
 * @example const model = fitPropensity({ numeric: split.features, categorical: { firstPurchaseMonth: split.firstPurchaseMonth } }, split.labels)
 */
export function fitPropensity(input: PropensityInput, labels: readonly number[], options: LogisticOptions = {}): PropensityModel {
  const imputer = fitImputer(input.numeric);
  const encoders = Object.entries(input.categorical ?? {}).map(([name, values]) => fitOneHot(name, values));
  const prepared = encode(input, imputer, encoders);
  const standardiser = fitStandardiser(prepared);
  const logistic = fitLogistic(standardise(prepared, standardiser), labels, options);
  return { imputer, encoders, standardiser, logistic };
}

/**
 * Scores rows with a fitted model: the propensity, the churn risk (its complement) and the
 * features that moved each score most (see scoreLogistic), through the model's calibration map
 * when it has one.
 *
 * @example scorePropensity(model, { numeric: today.features, categorical: { firstPurchaseMonth: today.firstPurchaseMonth } }, { top: 3 })
 */
export function scorePropensity(model: PropensityModel, input: PropensityInput, options: { readonly top?: number } = {}): PropensityScore[] {
  const prepared = standardise(encode(input, model.imputer, model.encoders), model.standardiser);
  return scoreLogistic(model.logistic, prepared, options).map((score) => {
    const propensity = applyCalibration(model.calibration, score.probability);
    return { propensity, churnRisk: 1 - propensity, contributions: score.contributions };
  });
}

function encode(input: PropensityInput, imputer: Imputer, encoders: readonly OneHotEncoder[]): FeatureMatrix {
  return encoders.reduce((matrix, encoder) => {
    const values = input.categorical?.[encoder.name];
    if (values === undefined) throw new RangeError(`the model needs the categorical column "${encoder.name}"`);
    return joinColumns(matrix, oneHot(values, encoder));
  }, imputeMissing(input.numeric, imputer));
}

/**
 * One customer's score without building matrices: the same preparation and logistic model as
 * `scorePropensity` (imputation and indicators, one-hot columns, standardisation, in the
 * fitted column order), in one pass over the columns. Scoring a profile as an event arrives
 * needs this; `scorePropensity` suits batches.
 *
 * @example scorePropensityRow(model, row, { firstPurchaseMonth: '1997-01' }, 3).propensity
 */
export function scorePropensityRow(model: PropensityModel, numeric: ArrayLike<number>, categorical: Readonly<Record<string, string | null | undefined>>, top: number): PropensityScore {
  const { imputer, standardiser, logistic } = model;
  const prepared: number[] = [];
  for (let j = 0; j < imputer.columns.length; j++) {
    const value = numeric[j]!;
    prepared.push(Number.isNaN(value) ? imputer.mean[j]! : value);
  }
  for (let j = 0; j < imputer.columns.length; j++) if (imputer.indicator[j] === true) prepared.push(Number.isNaN(numeric[j]!) ? 1 : 0);
  for (const encoder of model.encoders) {
    const value = categorical[encoder.name];
    for (const category of encoder.categories) prepared.push(value === category ? 1 : 0);
  }
  if (prepared.length !== logistic.columns.length) throw new RangeError(`the model has ${logistic.columns.length} columns, the row ${prepared.length}`);
  let logit = logistic.intercept;
  const contributions: Contribution[] = [];
  for (let j = 0; j < prepared.length; j++) {
    const z = (prepared[j]! - standardiser.mean[j]!) / standardiser.sd[j]!;
    const contribution = logistic.coefficients[j]! * z;
    logit += contribution;
    if (top > 0) contributions.push({ feature: logistic.columns[j]!, value: z, contribution });
  }
  const ranked = top > 0
    ? contributions.map((item, order) => ({ item, order })).sort((a, b) => Math.abs(b.item.contribution) - Math.abs(a.item.contribution) || a.order - b.order).slice(0, top).map(({ item }) => item)
    : [];
  const propensity = applyCalibration(model.calibration, sigmoid(logit));
  return { propensity, churnRisk: 1 - propensity, contributions: ranked };
}
