import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import type { Order } from '../orders/Order.js';
import { classificationMetrics, rocAuc } from './classificationMetrics.js';
import { evaluatePropensity, shuffleSplit } from './evaluatePropensity.js';
import { featureMatrix, joinColumns } from './FeatureMatrix.js';
import { fitLogistic, sigmoid } from './fitLogistic.js';
import { fitOneHot, oneHot } from './oneHot.js';
import { fitPropensity, scorePropensity } from './propensityModel.js';
import { scoreLogistic } from './scoreLogistic.js';

describe('oneHot', () => {
  it('learns sorted categories; missing and unseen values encode as zeros', () => {
    const encoder = fitOneHot('channel', ['web', 'store', null, 'web']);
    expect(encoder.categories).toEqual(['store', 'web']);
    const encoded = oneHot(['web', 'fax', undefined, 'store'], encoder);
    expect(encoded.columns).toEqual(['channel=store', 'channel=web']);
    expect(encoded.rows.map((row) => [...row])).toEqual([[0, 1], [0, 0], [0, 0], [1, 0]]);
  });

  it('joins beside numeric columns row by row', () => {
    const joined = joinColumns(featureMatrix(['x'], [[1], [2]]), oneHot(['a', 'b'], fitOneHot('c', ['a', 'b'])));
    expect(joined.columns).toEqual(['x', 'c=a', 'c=b']);
    expect(joined.rows.map((row) => [...row])).toEqual([[1, 1, 0], [2, 0, 1]]);
    expect(() => joinColumns(featureMatrix(['x'], [[1]]), featureMatrix(['y'], []))).toThrow(RangeError);
  });
});

describe('scoreLogistic', () => {
  const model = fitLogistic(featureMatrix(['a', 'b', 'c'], [[1, 0, 2], [-1, 1, 0], [0.5, -2, 1], [-2, 0.5, -1], [1.5, 1, 0], [0, 0, -0.5]]), [1, 0, 1, 0, 1, 0], { l2: 0.3 });

  it('explains each score: contributions sum with the intercept to the logit, largest first', () => {
    const [score] = scoreLogistic(model, featureMatrix(['a', 'b', 'c'], [[0.7, -1.2, 0.4]]));
    const sum = score!.contributions.reduce((total, item) => total + item.contribution, model.intercept);
    expect(score!.logit).toBeCloseTo(sum, 14);
    expect(score!.probability).toBeCloseTo(sigmoid(score!.logit), 15);
    const sizes = score!.contributions.map((item) => Math.abs(item.contribution));
    expect(sizes).toEqual([...sizes].sort((x, y) => y - x));
    expect(score!.contributions.map((item) => item.feature).sort()).toEqual(['a', 'b', 'c']);
    expect(scoreLogistic(model, featureMatrix(['a', 'b', 'c'], [[0.7, -1.2, 0.4]]), { top: 1 })[0]!.contributions).toEqual([score!.contributions[0]]);
  });

  it('refuses columns other than the model was fitted on', () => {
    expect(() => scoreLogistic(model, featureMatrix(['a', 'c', 'b'], [[0, 0, 0]]))).toThrow(RangeError);
  });
});

describe('fitPropensity / scorePropensity', () => {
  // y depends on x through a known logistic curve; a one-hot group shifts it; z is noise with gaps.
  const random = seededRandom(3);
  const n = 4000;
  const x = Array.from({ length: n }, () => 4 * random.next() - 2);
  const group = x.map(() => (random.next() < 0.5 ? 'g1' : 'g2'));
  const z = x.map(() => (random.next() < 0.2 ? Number.NaN : random.next()));
  const labels = x.map((value, i) => (random.next() < sigmoid(-0.5 + 1.5 * value + (group[i] === 'g2' ? 1 : 0)) ? 1 : 0));
  const input = { numeric: featureMatrix(['x', 'z'], x.map((value, i) => [value, z[i]!])), categorical: { group } };

  it('recovers the direction and size of a known effect and gives churn risk as its complement', () => {
    const model = fitPropensity(input, labels, { l2: 1 });
    expect(model.logistic.columns).toEqual(['x', 'z', 'z:missing', 'group=g1', 'group=g2']);
    expect(model.logistic.converged).toBe(true);
    // On the standardised scale the x coefficient is 1.5 · sd(x) ≈ 1.5 · 4/√12 ≈ 1.73.
    const xSd = model.standardiser.sd[0]!;
    expect(model.logistic.coefficients[0]! / xSd).toBeGreaterThan(1.3);
    expect(model.logistic.coefficients[0]! / xSd).toBeLessThan(1.7);
    expect(model.logistic.coefficients[4]!).toBeGreaterThan(model.logistic.coefficients[3]!);
    const scores = scorePropensity(model, input, { top: 2 });
    expect(scores[0]!.churnRisk).toBeCloseTo(1 - scores[0]!.propensity, 15);
    expect(scores[0]!.contributions).toHaveLength(2);
    const metrics = classificationMetrics(scores.map((score) => score.propensity), labels);
    expect(metrics.auc!).toBeGreaterThan(0.8);
    expect(metrics.ece).toBeLessThan(0.03);
  });

  it('needs the categorical columns it was fitted with', () => {
    const model = fitPropensity(input, labels);
    expect(() => scorePropensity(model, { numeric: input.numeric })).toThrow(/group/);
  });
});

describe('rocAuc and calibration edge cases', () => {
  it('is invariant to any increasing transform of the scores and flips under a decreasing one', () => {
    const scores = [0.1, 0.5, 0.3, 0.9, 0.5, 0.2];
    const labels = [0, 1, 0, 1, 0, 1];
    const auc = rocAuc(scores, labels)!;
    expect(rocAuc(scores.map((s) => Math.exp(3 * s)), labels)).toBeCloseTo(auc, 15);
    expect(rocAuc(scores.map((s) => -s), labels)).toBeCloseTo(1 - auc, 15);
  });

  it('keeps tied predictions in one calibration bin whatever their order', () => {
    const forward = classificationMetrics([0.2, 0.2, 0.2, 0.6, 0.6, 0.9], [0, 1, 0, 1, 1, 1], { bins: 2 });
    const backward = classificationMetrics([0.9, 0.6, 0.6, 0.2, 0.2, 0.2], [1, 1, 1, 0, 1, 0], { bins: 2 });
    expect(forward.calibration).toEqual(backward.calibration);
    expect(forward.calibration.map((bin) => bin.count)).toEqual([3, 3]);
  });

  it('rejects probabilities outside [0, 1] and labels other than 0/1', () => {
    expect(() => classificationMetrics([1.2], [1])).toThrow(RangeError);
    expect(() => classificationMetrics([0.2], [2])).toThrow(RangeError);
  });
});

describe('evaluatePropensity', () => {
  it('splits customers reproducibly into disjoint halves', () => {
    const a = shuffleSplit(11, 0.5, seededRandom(1));
    expect(shuffleSplit(11, 0.5, seededRandom(1))).toEqual(a);
    expect([...a.train, ...a.test].sort((x, y) => x - y)).toEqual(Array.from({ length: 11 }, (_v, i) => i));
    expect(a.train).toHaveLength(6);
  });

  it('runs the whole check on synthetic orders where recent buyers come back more often', () => {
    const random = seededRandom(9);
    const orders: Order[] = [];
    for (let c = 0; c < 2000; c++) {
      const last = Math.floor(random.next() * 300);
      orders.push({ customerId: `c${c}`, day: last, amount: 10 + 50 * random.next() });
      if (random.next() < 0.3) orders.push({ customerId: `c${c}`, day: Math.floor(last * random.next()), amount: 20 });
      if (random.next() < 0.1 + 0.6 * (last / 300)) orders.push({ customerId: `c${c}`, day: 300 + 1 + Math.floor(random.next() * 90), amount: 30 });
    }
    const report = evaluatePropensity(orders, { cutoffDay: 300, horizonDays: 90, random: seededRandom(1) });
    expect(report.trainCustomers + report.testCustomers).toBe(2000);
    expect(report.logistic.auc!).toBeGreaterThan(0.65);
    // Only recency carries signal here: RFM dilutes it with two noise scores, the model learns to ignore them.
    expect(report.rfm.auc!).toBeGreaterThan(0.55);
    expect(report.logistic.auc!).toBeGreaterThan(report.rfm.auc!);
    expect(report.logistic.count).toBe(report.testCustomers);
  });
});
