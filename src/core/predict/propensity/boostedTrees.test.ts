/**
 * Boosted trees: hand-computed spec cases (boostedTrees.cases.json), the identity behind the
 * explanations, early stopping, and the reason the trees exist: an interaction the logistic
 * model's additive log-odds cannot fit.
 */
import { describe, expect, it } from 'vitest';
import cases from './boostedTrees.cases.json' with { type: 'json' };
import { seededRandom, type Random } from '../../common/random.js';
import { featureMatrix } from './FeatureMatrix.js';
import { fitBoostedTrees, quantileCuts, type BoostedTreesOptions } from './fitBoostedTrees.js';
import { fitPropensity, scorePropensity } from './propensityModel.js';
import { explainBoostedTrees, logLossOf, scoreBoostedTreesLogit } from './scoreBoostedTrees.js';
import { classificationMetrics } from './classificationMetrics.js';

type Options = Omit<BoostedTreesOptions, 'random'>;
interface Arrays { bias: number; splitFeature: number[]; splitThreshold: number[]; nodeValue: number[] }
const fit = (x: number[][], y: number[], options: Options) => fitBoostedTrees(featureMatrix(x[0]!.map((_v, j) => `x${j}`), x), y, { ...options, random: seededRandom(1) });
const close = (actual: ArrayLike<number>, expected: readonly number[]): void => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => expect(Math.abs(actual[i]! - value), `${i}: ${actual[i]} vs ${value}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(value))));
};

describe('fitBoostedTrees (hand-computed Newton trees)', () => {
  it.each(cases.fit as [string, number[][], number[], Options, Arrays][])('%s', (_name, x, y, options, expected) => {
    const model = fit(x, y, options);
    close([model.bias], [expected.bias]);
    expect([...model.splitFeature]).toEqual(expected.splitFeature);
    close(model.splitThreshold, expected.splitThreshold);
    close(model.nodeValue, expected.nodeValue);
  });
});

describe('explainBoostedTrees (path attribution)', () => {
  it.each(cases.explain as [string, number[][], number[], Options, number[], { logit: number; shares: number[] }][])('%s', (_name, x, y, options, row, expected) => {
    const model = fit(x, y, options);
    const shares = new Float64Array(model.columns.length);
    close([explainBoostedTrees(model, row, shares)], [expected.logit]);
    close(shares, expected.shares);
    close([scoreBoostedTreesLogit(model, row)], [expected.logit]);
  });
});

describe('quantileCuts', () => {
  it.each(cases.cuts as [string, number[], number, number[]][])('%s', (_name, values, bins, expected) => {
    expect([...quantileCuts(values, bins)]).toEqual(expected);
  });
});

/** y depends on x1 AND x2: 0.1 everywhere, 0.7 where both are above 0.5; x3 is noise. */
function interaction(n: number, random: Random): { x: number[][]; y: number[] } {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = [random.next(), random.next(), random.next()];
    x.push(row);
    y.push(random.next() < (row[0]! > 0.5 && row[1]! > 0.5 ? 0.7 : 0.1) ? 1 : 0);
  }
  return { x, y };
}

describe('boosted trees on data they are for', () => {
  const random = seededRandom(42);
  const train = interaction(4000, random);
  const test = interaction(4000, random);
  const columns = ['x1', 'x2', 'x3'];

  it('beat the logistic model\'s held-out log loss when the label needs x1 AND x2', () => {
    const model = fitPropensity({ numeric: featureMatrix(columns, train.x) }, train.y, { trees: { random: seededRandom(3) } });
    const input = { numeric: featureMatrix(columns, test.x) };
    const trees = classificationMetrics(scorePropensity(model, input, { top: 0 }).map((s) => s.propensity), test.y);
    const { trees: _dropped, ...logisticOnly } = model;
    const logistic = classificationMetrics(scorePropensity(logisticOnly, input, { top: 0 }).map((s) => s.propensity), test.y);
    // Truth's log loss here is about 0.40; additive log-odds cannot put 0.1 on three quadrants and 0.7 on one.
    expect(trees.logLoss).toBeLessThan(logistic.logLoss - 0.02);
    expect(trees.ece).toBeLessThan(logistic.ece);
  });

  it('credit the interaction to x1 and x2, not to the noise column, and shares add up to the log-odds', () => {
    const model = fitBoostedTrees(featureMatrix(columns, train.x), train.y, { random: seededRandom(3) });
    const shares = new Float64Array(3);
    const base = model.bias + Array.from({ length: model.trees }, (_v, t) => model.nodeValue[t * (2 ** (model.depth + 1) - 1)]!).reduce((a, b) => a + b, 0);
    for (const row of test.x.slice(0, 50)) {
      const logit = explainBoostedTrees(model, row, shares);
      expect(Math.abs(base + shares.reduce((a, b) => a + b, 0) - logit)).toBeLessThan(1e-9);
      expect(logit).toBe(scoreBoostedTreesLogit(model, row));
    }
    explainBoostedTrees(model, [0.9, 0.9, 0.5], shares);
    expect(shares[0]!).toBeGreaterThan(0.5);
    expect(shares[1]!).toBeGreaterThan(0.5);
    expect(Math.abs(shares[2]!)).toBeLessThan(0.2);
  });

  it('stop early on labels that are pure noise, and are deterministic for a seed', () => {
    const noise = train.x.map(() => (random.next() < 0.3 ? 1 : 0));
    const matrix = featureMatrix(columns, train.x);
    const model = fitBoostedTrees(matrix, noise, { random: seededRandom(5) });
    expect(model.trees).toBeLessThan(40);
    expect(model.roundsTried).toBeLessThan(100);
    const again = fitBoostedTrees(matrix, noise, { random: seededRandom(5) });
    expect([...again.nodeValue]).toEqual([...model.nodeValue]);
    const signal = fitBoostedTrees(matrix, train.y, { random: seededRandom(5) });
    expect(signal.trees).toBeGreaterThan(model.trees);
  });

  it('logLossOf is the log loss of sigmoid(logit), stably for large logits', () => {
    close([logLossOf([0, Math.log(3)], [1, 0])], [(Math.log(2) + Math.log(4)) / 2]);
    close([logLossOf([800, -800], [1, 0])], [0]);
    close([logLossOf([-800], [1])], [800]);
  });
});
