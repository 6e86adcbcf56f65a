import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import cases from './calibration.cases.json' with { type: 'json' };
import { calibrationOf, calibrationReport, createCalibration, mergeCalibration, recordPositive, recordPrediction } from './calibrationReport.js';

interface Expected {
  observations: number; positives: number; expectedCalibrationError: number; maxCalibrationError: number; brier: number; logLoss: number;
  table: [count: number, meanPredicted: number | null, observedRate: number | null][];
}
type Case = [name: string, predictions: number[], outcomes: number[], bins: number, expected: Expected];

describe('calibrationReport, against figures computed independently (Python, stored)', () => {
  it.each(cases as unknown as Case[])('%s', (_name, predictions, outcomes, bins, expected) => {
    const report = calibrationReport(calibrationOf(predictions, outcomes, bins));
    expect(report.observations).toBe(expected.observations);
    expect(report.positives).toBe(expected.positives);
    expect(report.expectedCalibrationError).toBeCloseTo(expected.expectedCalibrationError, 12);
    expect(report.maxCalibrationError).toBeCloseTo(expected.maxCalibrationError, 12);
    expect(report.brier).toBeCloseTo(expected.brier, 12);
    expect(report.logLoss).toBeCloseTo(expected.logLoss, 12);
    expect(report.table.map((b) => b.count)).toEqual(expected.table.map((b) => b[0]));
    report.table.forEach((b, i) => {
      const [, mean, rate] = expected.table[i]!;
      if (mean === null) expect(b.meanPredicted).toBeNull(); else expect(b.meanPredicted).toBeCloseTo(mean, 12);
      if (rate === null) expect(b.observedRate).toBeNull(); else expect(b.observedRate).toBeCloseTo(rate, 12);
    });
  });
});

describe('calibration invariants', () => {
  it('reports nulls without observations, and bins cover [0, 1]', () => {
    const report = calibrationReport(createCalibration(4));
    expect(report.expectedCalibrationError).toBeNull();
    expect(report.table.map((b) => [b.lower, b.upper])).toEqual([[0, 0.25], [0.25, 0.5], [0.5, 0.75], [0.75, 1]]);
  });

  it('a positive recorded after its prediction gives the same figures as the observation at once', () => {
    const late = createCalibration(10);
    recordPrediction(late, 0.3);
    recordPrediction(late, 0.7);
    recordPositive(late, 0.7);
    expect(calibrationReport(late)).toEqual(calibrationReport(calibrationOf([0.3, 0.7], [0, 1], 10)));
  });

  it('merged states report as one state of all the observations', () => {
    const random = seededRandom(3);
    const ps = Array.from({ length: 200 }, () => random.next());
    const ys = ps.map((p) => (random.next() < p ? 1 : 0));
    const merged = mergeCalibration(calibrationOf(ps.slice(0, 80), ys.slice(0, 80)), calibrationOf(ps.slice(80), ys.slice(80)));
    const whole = calibrationReport(calibrationOf(ps, ys));
    const report = calibrationReport(merged);
    expect(report.expectedCalibrationError).toBeCloseTo(whole.expectedCalibrationError!, 12);
    expect(report.brier).toBeCloseTo(whole.brier!, 12);
    expect(report.logLoss).toBeCloseTo(whole.logLoss!, 12);
  });

  it('outcomes drawn from the predictions themselves are well calibrated (ECE below 0.03 over 20,000 draws)', () => {
    const random = seededRandom(11);
    const ps = Array.from({ length: 20_000 }, () => random.next());
    const ys = ps.map((p) => (random.next() < p ? 1 : 0));
    const report = calibrationReport(calibrationOf(ps, ys));
    expect(report.expectedCalibrationError!).toBeLessThan(0.03);
    // Brier of a calibrated uniform forecast: E[p(1 − p)] = 1/6.
    expect(report.brier!).toBeCloseTo(1 / 6, 1);
  });
});
