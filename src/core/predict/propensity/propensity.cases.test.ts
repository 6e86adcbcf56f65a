/**
 * Spec cases against propensity.cases.json, written by scripts/propensityCases.py with numpy and
 * scipy (logistic regression by numpy Newton to machine precision, AUC by the direct pairwise
 * count). null in the file stands for NaN, a missing value.
 */
import { describe, expect, it } from 'vitest';
import cases from './propensity.cases.json' with { type: 'json' };
import { classificationMetrics, type CalibrationBin } from './classificationMetrics.js';
import { featureMatrix } from './FeatureMatrix.js';
import { fitLogistic } from './fitLogistic.js';
import { fitImputer, imputeMissing } from './imputeMissing.js';
import { percentileRanks } from './percentileRanks.js';
import { fitRfm, quintileBreakpoints, scoreRfm } from './rfmBaseline.js';
import { fitStandardiser, standardise } from './standardise.js';
import { purchaseFeatureColumns, timeSplitLabels } from './timeSplitLabels.js';

const nan = (row: readonly (number | null)[]): number[] => row.map((value) => value ?? Number.NaN);
const plain = (rows: readonly Float64Array[]): number[][] => rows.map((row) => [...row]);
const closeTo = (actual: number, expected: number, tolerance: number): void => {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)));
};

interface LogisticExpected { intercept: number; coefficients: number[]; objective: number }
interface MetricsExpected { auc: number | null; brier: number; logLoss: number; calibration: CalibrationBin[]; ece: number }

describe('fitLogistic against numpy Newton (coefficients to 1e-6)', () => {
  it.each(cases.logistic as [string, number[][], number[], number, LogisticExpected][])('%s', (_name, x, y, l2, expected) => {
    const model = fitLogistic(featureMatrix(x[0]!.map((_v, j) => `x${j}`), x), y, { l2 });
    expect(model.converged).toBe(true);
    expect(model.iterations).toBeLessThan(30);
    closeTo(model.intercept, expected.intercept, 1e-6);
    [...model.coefficients].forEach((value, j) => closeTo(value, expected.coefficients[j]!, 1e-6));
    closeTo(model.objective, expected.objective, 1e-10);
  });
});

describe('classificationMetrics (AUC by pairwise count, Brier, log loss, equal-frequency calibration)', () => {
  it.each(cases.metrics as [string, number[], number[], MetricsExpected][])('%s', (_name, predicted, labels, expected) => {
    const metrics = classificationMetrics(predicted, labels);
    if (expected.auc === null) expect(metrics.auc).toBeNull();
    else closeTo(metrics.auc!, expected.auc, 1e-12);
    closeTo(metrics.brier, expected.brier, 1e-12);
    closeTo(metrics.logLoss, expected.logLoss, 1e-12);
    closeTo(metrics.ece, expected.ece, 1e-12);
    expect(metrics.calibration).toHaveLength(expected.calibration.length);
    metrics.calibration.forEach((bin, b) => {
      const want = expected.calibration[b]!;
      expect([bin.count, bin.from, bin.to]).toEqual([want.count, want.from, want.to]);
      closeTo(bin.meanPredicted, want.meanPredicted, 1e-12);
      closeTo(bin.observedRate, want.observedRate, 1e-12);
    });
  });
});

describe('percentileRanks (scipy percentileofscore, kind="mean")', () => {
  it.each(cases.percentileRanks as [string, number[], number[]][])('%s', (_name, scores, expected) => {
    percentileRanks(scores).forEach((rank, i) => closeTo(rank, expected[i]!, 1e-12));
  });
});

describe('quintileBreakpoints (numpy.percentile 20/40/60/80)', () => {
  it.each(cases.quintiles as [string, number[], number[]][])('%s', (_name, values, expected) => {
    quintileBreakpoints(values).forEach((value, i) => closeTo(value, expected[i]!, 1e-12));
  });
});

describe('preparation', () => {
  it('standardises with the training mean and population sd; a constant column gets sd 1', () => {
    const { columns, train, test, mean, sd, testStandardised } = cases.standardise;
    const standardiser = fitStandardiser(featureMatrix(columns, train));
    [...standardiser.mean].forEach((value, j) => closeTo(value, mean[j]!, 1e-12));
    [...standardiser.sd].forEach((value, j) => closeTo(value, sd[j]!, 1e-9));
    plain(standardise(featureMatrix(columns, test), standardiser).rows).flat()
      .forEach((value, k) => closeTo(value, testStandardised.flat()[k]!, 1e-6));
  });

  it('imputes the training mean and adds an indicator for columns missing in training', () => {
    const { columns, train, test, mean, outColumns, trainFilled, testFilled } = cases.impute;
    const trainMatrix = featureMatrix(columns, train.map(nan));
    const imputer = fitImputer(trainMatrix);
    expect([...imputer.mean]).toEqual(mean);
    const filled = imputeMissing(trainMatrix, imputer);
    expect(filled.columns).toEqual(outColumns);
    expect(plain(filled.rows)).toEqual(trainFilled);
    expect(plain(imputeMissing(featureMatrix(columns, test.map(nan)), imputer).rows)).toEqual(testFilled);
  });
});

describe('timeSplitLabels (features recomputed in Python)', () => {
  it('builds features up to the cut-off and the label of (cutoff, cutoff + horizon]', () => {
    const { orders, cutoffDay, horizonDays, customers, rows, labels, firstPurchaseMonth } = cases.timeSplit;
    const split = timeSplitLabels(orders, { cutoffDay, horizonDays });
    expect(split.customers).toEqual(customers);
    expect(split.labels).toEqual(labels);
    expect(split.firstPurchaseMonth).toEqual(firstPurchaseMonth);
    expect(split.features.columns).toEqual(purchaseFeatureColumns);
    plain(split.features.rows).forEach((row, i) => row.forEach((value, j) => {
      const want = rows[i]![j];
      if (want === null) expect(value).toBeNaN();
      else closeTo(value, want!, 1e-12);
    }));
  });
});

describe('RFM baseline (quintiles and rates recomputed in Python)', () => {
  it('scores recency, frequency and monetary quintiles and maps the sum to its training rate', () => {
    const { columns, rows, labels, scores } = cases.rfm;
    const matrix = featureMatrix(columns, rows);
    const rfm = fitRfm(matrix, labels);
    scoreRfm(matrix, rfm).forEach((score, i) => {
      const [r, f, m, sum, rate] = scores[i]!;
      expect([score.recency, score.frequency, score.monetary, score.sum]).toEqual([r, f, m, sum]);
      closeTo(score.probability, rate!, 1e-12);
    });
  });
});
