import { joinColumns, selectRows, type FeatureMatrix } from './FeatureMatrix.js';
import { applyCalibration, type CalibrationMap } from './calibrationMap.js';
import { fitImputer, imputeMissing, type Imputer } from './imputeMissing.js';
import { fitBoostedTrees, type BoostedTrees, type BoostedTreesOptions } from './fitBoostedTrees.js';
import { fitLogistic, sigmoid, type LogisticModel, type LogisticOptions } from './fitLogistic.js';
import { fitOneHot, oneHot, type OneHotEncoder } from './oneHot.js';
import { explainBoostedTrees, scoreBoostedTreesLogit } from './scoreBoostedTrees.js';
import { rankContributions, scoreLogistic, type Contribution } from './scoreLogistic.js';
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
   * Present when boosted trees won the model choice (chooseModel): the model then scores and
   * explains with the trees, on the same prepared columns; the logistic model is kept as the
   * alternative it beat (its coefficients stay readable). Absent: the logistic model scores, as
   * in every model stored before trees existed.
   */
  readonly trees?: BoostedTrees;
  /**
   * Maps the logistic probability to a calibrated one (fitted on out-of-fold training scores,
   * evaluateSplit with `l2: 'cv'`). Absent in models stored before it existed, which score as
   * they did. Contributions still explain the uncalibrated score: the map is monotone.
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

export interface PropensityOptions extends LogisticOptions {
  /** Also fit boosted trees on the prepared columns, which then score (see PropensityModel.trees). */
  readonly trees?: BoostedTreesOptions;
}

/**
 * Fits the preparation (mean imputation with missing indicators, one-hot categories,
 * standardisation) and the L2 logistic regression on training rows, in that order, and boosted
 * trees on the same prepared rows when asked.
 *
 * @example const model = fitPropensity({ numeric: split.features, categorical: { firstPurchaseMonth: split.firstPurchaseMonth } }, split.labels)
 */
export function fitPropensity(input: PropensityInput, labels: readonly number[], options: PropensityOptions = {}): PropensityModel {
  const imputer = fitImputer(input.numeric);
  const encoders = Object.entries(input.categorical ?? {}).map(([name, values]) => fitOneHot(name, values));
  const prepared = encode(input, imputer, encoders);
  const standardiser = fitStandardiser(prepared);
  const matrix = standardise(prepared, standardiser);
  const logistic = fitLogistic(matrix, labels, options);
  if (options.trees === undefined) return { imputer, encoders, standardiser, logistic };
  return { imputer, encoders, standardiser, logistic, trees: fitBoostedTrees(matrix, labels, options.trees) };
}

/**
 * The rows at the given indices of an input, numeric and categorical alike (a split or a fold).
 *
 * @example selectInput(input, [0, 2])
 */
export function selectInput(input: PropensityInput, indices: readonly number[]): PropensityInput {
  return {
    numeric: selectRows(input.numeric, indices),
    categorical: Object.fromEntries(Object.entries(input.categorical ?? {}).map(([name, values]) => [name, indices.map((i) => values[i])])),
  };
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
  const { trees } = model;
  if (trees !== undefined) return prepared.rows.map((row) => treeScore(model, trees, row, options.top ?? trees.columns.length));
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
  if (model.trees !== undefined) {
    const z = new Float64Array(prepared.length);
    for (let j = 0; j < prepared.length; j++) z[j] = (prepared[j]! - standardiser.mean[j]!) / standardiser.sd[j]!;
    return treeScore(model, model.trees, z, top);
  }
  let logit = logistic.intercept;
  const contributions: Contribution[] = [];
  for (let j = 0; j < prepared.length; j++) {
    const value = (prepared[j]! - standardiser.mean[j]!) / standardiser.sd[j]!;
    const contribution = logistic.coefficients[j]! * value;
    logit += contribution;
    if (top > 0) contributions.push({ feature: logistic.columns[j]!, value, contribution });
  }
  const propensity = applyCalibration(model.calibration, sigmoid(logit));
  return { propensity, churnRisk: 1 - propensity, contributions: rankContributions(contributions, top) };
}

/** A prepared row's score by the model's trees, explained by path attribution (explainBoostedTrees). */
function treeScore(model: PropensityModel, trees: BoostedTrees, z: ArrayLike<number>, top: number): PropensityScore {
  if (top <= 0) {
    // The same sum of leaf values in the same order as explainBoostedTrees, without the shares.
    const propensity = applyCalibration(model.calibration, sigmoid(scoreBoostedTreesLogit(trees, z)));
    return { propensity, churnRisk: 1 - propensity, contributions: [] };
  }
  const shares = new Float64Array(trees.columns.length);
  const logit = explainBoostedTrees(trees, z, shares);
  const propensity = applyCalibration(model.calibration, sigmoid(logit));
  // Columns the row's paths never tested moved nothing: listing them would be noise.
  const contributions: Contribution[] = [];
  shares.forEach((share, j) => { if (share !== 0) contributions.push({ feature: trees.columns[j]!, value: z[j]!, contribution: share }); });
  return { propensity, churnRisk: 1 - propensity, contributions: rankContributions(contributions, top) };
}
