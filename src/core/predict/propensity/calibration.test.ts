/**
 * The calibration step: pool-adjacent-violators and the maps against hand-computed cases
 * (calibration.cases.json), and on a seeded synthetic model whose probabilities are wrong in a
 * nonlinear way, that the chosen map keeps the ranking (AUC unchanged) and lowers the ECE on
 * fresh rows.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../../common/random.js';
import cases from './calibration.cases.json' with { type: 'json' };
import { applyCalibration, fitIsotonic, fitPlatt, type CalibrationMap } from './calibrationMap.js';
import { chooseCalibration, minimumRowsPerClass } from './chooseCalibration.js';
import { classificationMetrics, rocAuc } from './classificationMetrics.js';
import { poolAdjacentViolators } from './poolAdjacentViolators.js';
import { evaluatePropensity } from './evaluatePropensity.js';
import { fitPropensity, scorePropensity } from './propensityModel.js';
import { featureMatrix } from './FeatureMatrix.js';
import { sigmoid } from './fitLogistic.js';

type PavCase = [string, number[], number[], { weights?: number[]; minWeight?: number }, [number, number, number][]];

describe('poolAdjacentViolators (hand-computed)', () => {
  it.each(cases.pav as PavCase[])('%s', (_name, x, y, options, expected) => {
    const blocks = poolAdjacentViolators(x, y, options);
    expect(blocks).toHaveLength(expected.length);
    blocks.forEach((block, k) => {
      const [bx, by, bw] = expected[k]!;
      expect(block.x).toBeCloseTo(bx, 12);
      expect(block.y).toBeCloseTo(by, 12);
      expect(block.weight).toBeCloseTo(bw, 12);
    });
  });

  it('rejects mismatched lengths and non-finite values', () => {
    expect(() => poolAdjacentViolators([1, 2], [1])).toThrow(RangeError);
    expect(() => poolAdjacentViolators([1, Number.NaN], [1, 0])).toThrow(RangeError);
    expect(() => poolAdjacentViolators([1, 2], [1, 0], { weights: [1, 0] })).toThrow(RangeError);
  });
});

describe('applyCalibration (hand-computed)', () => {
  it.each(cases.apply as [string, CalibrationMap, number, number][])('%s', (_name, map, p, expected) => {
    expect(applyCalibration(map, p)).toBeCloseTo(expected, 12);
  });

  it('leaves a probability alone without a map (a model stored before calibration)', () => {
    expect(applyCalibration(undefined, 0.37)).toBe(0.37);
  });
});

/** Scores a model gives (overconfident and bent: sigmoid(2x)) and labels drawn from the truth (0.1 + 0.5·sigmoid(x)). */
function miscalibrated(random: Random, rows: number): { scores: number[]; labels: number[] } {
  const scores: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < rows; i++) {
    const x = Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next()) * 1.5;
    scores.push(sigmoid(2 * x));
    labels.push(random.next() < 0.1 + 0.5 * sigmoid(x) ? 1 : 0);
  }
  return { scores, labels };
}

describe('chooseCalibration', () => {
  const training = miscalibrated(seededRandom(21), 6000);
  const chosen = chooseCalibration({ probabilities: training.scores, labels: training.labels, folds: training.labels.map((_y, i) => i % 3) });
  const fresh = miscalibrated(seededRandom(22), 6000);
  const calibrated = fresh.scores.map((p) => applyCalibration(chosen.map, p));

  it('picks a map by cross-fitted log loss and records every candidate', () => {
    expect(chosen.choice.candidates.map((c) => c.method)).toEqual(['none', 'platt', 'isotonic']);
    const best = Math.min(...chosen.choice.candidates.map((c) => c.logLoss));
    expect(chosen.choice.candidates.find((c) => c.method === chosen.choice.method)!.logLoss).toBe(best);
    expect(chosen.choice.method).not.toBe('none');
    expect(chosen.map?.method).toBe(chosen.choice.method);
    expect(chosen.choice.rows).toBe(6000);
  });

  it('never changes the ranking: AUC identical, order kept on fresh rows', () => {
    expect(rocAuc(calibrated, fresh.labels)).toBeCloseTo(rocAuc(fresh.scores, fresh.labels)!, 12);
    const order = fresh.scores.map((_p, i) => i).sort((a, b) => fresh.scores[a]! - fresh.scores[b]!);
    order.slice(1).forEach((i, k) => {
      const before = order[k]!;
      if (fresh.scores[i]! > fresh.scores[before]!) expect(calibrated[i]!).toBeGreaterThan(calibrated[before]!);
    });
  });

  it('lowers the ECE and the log loss on fresh rows from the same model', () => {
    const before = classificationMetrics(fresh.scores, fresh.labels);
    const after = classificationMetrics(calibrated, fresh.labels);
    expect(before.ece).toBeGreaterThan(0.08);
    expect(after.ece).toBeLessThan(0.03);
    expect(after.logLoss).toBeLessThan(before.logLoss);
  });

  it('keeps a map close to the identity when the scores are already calibrated', () => {
    const random = seededRandom(5);
    const scores = Array.from({ length: 3000 }, () => 0.05 + 0.9 * random.next());
    const labels = scores.map((p) => (random.next() < p ? 1 : 0));
    const result = chooseCalibration({ probabilities: scores, labels, folds: labels.map((_y, i) => i % 3) });
    // Whatever wins, the map it keeps is close to the identity where the scores are.
    [0.1, 0.3, 0.5, 0.7, 0.9].forEach((p) => expect(Math.abs(applyCalibration(result.map, p) - p)).toBeLessThan(0.06));
  });
});

describe('chooseCalibration on few rows', () => {
  it(`tries no map with fewer than ${minimumRowsPerClass} buyers or non-buyers: a tiny sample's map is its noise`, () => {
    // 40 buyers who all scored high: an isotonic map would send their scores to a certain 1.
    const scores = [...Array.from({ length: 40 }, (_x, i) => 0.6 + i / 200), ...Array.from({ length: 400 }, (_x, i) => 0.1 + i / 1000)];
    const labels = [...scores.slice(0, 40).map(() => 1), ...scores.slice(40).map(() => 0)];
    const result = chooseCalibration({ probabilities: scores, labels, folds: labels.map((_y, i) => i % 3) });
    expect(result.choice.candidates.map((c) => c.method)).toEqual(['none']);
    expect(result.map).toBeUndefined();
    expect(applyCalibration(result.map, 0.8)).toBe(0.8);
  });
});

describe('fitPlatt / fitIsotonic', () => {
  it('Platt recovers a known slope and intercept of the log-odds', () => {
    const random = seededRandom(8);
    const scores = Array.from({ length: 20000 }, () => 0.02 + 0.96 * random.next());
    const labels = scores.map((p) => (random.next() < sigmoid(0.5 * Math.log(p / (1 - p)) - 0.4) ? 1 : 0));
    const map = fitPlatt(scores, labels);
    if (map.method !== 'platt') throw new Error('expected a Platt map');
    expect(map.slope).toBeCloseTo(0.5, 1);
    expect(map.intercept).toBeCloseTo(-0.4, 1);
  });

  it('isotonic blocks hold at least the minimum and rise strictly', () => {
    const { scores, labels } = miscalibrated(seededRandom(3), 2000);
    const map = fitIsotonic(scores, labels, { minBlock: 100 });
    if (map.method !== 'isotonic') throw new Error('expected an isotonic map');
    expect(map.rates.length).toBeLessThanOrEqual(20);
    map.rates.slice(1).forEach((rate, k) => expect(rate).toBeGreaterThan(map.rates[k]!));
    map.scores.slice(1).forEach((score, k) => expect(score).toBeGreaterThan(map.scores[k]!));
  });
});

describe('the calibrated propensity model', () => {
  it('is calibrated on out-of-fold training scores with l2: cv, reports before and after, and scores through its map', () => {
    const random = seededRandom(4);
    const orders = Array.from({ length: 1600 }, (_v, c) => {
      const visits = 1 + Math.floor(random.next() * 6);
      return Array.from({ length: visits }, (_w, k) => ({ customerId: `c${c}`, day: Math.max(0, 300 - Math.floor(random.next() * 200) - k * 7), amount: 10 + 40 * random.next() }));
    }).flat();
    // Buyers after the cut-off: a bent function of how many times they bought before.
    const counts = new Map<string, number>();
    orders.forEach((o) => counts.set(o.customerId, (counts.get(o.customerId) ?? 0) + 1));
    [...counts].forEach(([customerId, n]) => { if (random.next() < (n >= 3 ? 0.45 : 0.05 * n)) orders.push({ customerId, day: 320, amount: 20 }); });
    const report = evaluatePropensity(orders, { cutoffDay: 300, horizonDays: 60, random: seededRandom(1), l2: 'cv' });
    expect(report.calibration).toBeDefined();
    const { choice, uncalibrated } = report.calibration!;
    expect(choice.rows).toBe(report.trainCustomers);
    expect(choice.method === 'none').toBe(report.model.calibration === undefined);
    if (report.model.calibration !== undefined) expect(report.logistic.auc).toBeCloseTo(uncalibrated.auc!, 2);
    expect(evaluatePropensity(orders, { cutoffDay: 300, horizonDays: 60, random: seededRandom(1) }).calibration).toBeUndefined();
  });

  it('scores a model without a map exactly as before, and one with a map through it', () => {
    const input = { numeric: featureMatrix(['x'], [[-2], [-1], [0], [1], [2], [3]]) };
    const model = fitPropensity(input, [0, 0, 1, 0, 1, 1]);
    const map: CalibrationMap = { method: 'platt', slope: 2, intercept: 0 };
    const raw = scorePropensity(model, input);
    const mapped = scorePropensity({ ...model, calibration: map }, input);
    raw.forEach((score, i) => {
      expect(mapped[i]!.propensity).toBeCloseTo(applyCalibration(map, score.propensity), 12);
      expect(mapped[i]!.churnRisk).toBeCloseTo(1 - mapped[i]!.propensity, 12);
      expect(mapped[i]!.contributions).toEqual(score.contributions);
    });
  });
});
