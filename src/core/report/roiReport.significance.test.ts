import { describe, expect, it } from 'vitest';
import { addUnitValue, emptyAccumulator, type ArmAccumulator } from '../experiments/metricValues.js';
import { roiReport, type RoiReport, type TestedInterval } from './roiReport.js';
import { randomRoiInputs } from './testing/randomRoiInputs.js';

// Issue 10, item 12: the demo (seed 11) showed revenue per visitor's absolute interval
// [+4.13, +31.24] and an ROI interval above 0 beside p = 0.0587 without a mark, because the one
// p-value was the relative effect's. Now every interval carries the p-value of its own test.

/** Every tested interval of a report, named. */
function testedIntervals(report: RoiReport): [string, TestedInterval][] {
  const found: [string, TestedInterval][] = [];
  for (const [role, m] of Object.entries(report.metrics)) {
    if (m.absolute !== null) found.push([`${role}.absolute`, m.absolute]);
    if (m.relative !== null) found.push([`${role}.relative`, m.relative]);
    if (m.sequential) {
      found.push([`${role}.sequential.absolute`, m.sequential.absolute]);
      if (m.sequential.relative !== null) found.push([`${role}.sequential.relative`, m.sequential.relative]);
    }
  }
  if (report.incrementalRevenue !== null) found.push(['incrementalRevenue', { ...report.incrementalRevenue.period, pValue: report.incrementalRevenue.pValue, significant: report.incrementalRevenue.significant }]);
  if (report.roi !== null) found.push(['roi', report.roi]);
  return found;
}

const single = (values: readonly number[]): ArmAccumulator =>
  values.reduce((acc, value) => addUnitValue(acc, { kind: 'single', value }), emptyAccumulator('mean'));

describe('roiReport: every interval and the significance beside it agree', () => {
  const reports = randomRoiInputs(240).map((input) => roiReport(input));

  it('over 240 seeded reports: significant exactly when the interval excludes 0, exactly when p < alpha', () => {
    let checked = 0;
    const seen = { significant: 0, not: 0 };
    for (const report of reports) {
      for (const [name, i] of testedIntervals(report)) {
        const excludesZero = i.lower > 0 || i.upper < 0;
        expect(i.significant, `${report.scope} ${name}`).toBe(excludesZero);
        expect(i.pValue < report.alpha, `${report.scope} ${name}: p = ${i.pValue}, [${i.lower}, ${i.upper}]`).toBe(excludesZero);
        seen[excludesZero ? 'significant' : 'not']++;
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(2_000);
    // Both outcomes are well represented, so the check is not vacuous.
    expect(Math.min(seen.significant, seen.not)).toBeGreaterThan(300);
  });

  it('the absolute and the relative test disagree in some reports, and the incremental revenue follows the absolute one', () => {
    const disagreeing = reports.filter((r) => {
      const m = r.metrics.revenuePerVisitor;
      return m.absolute !== null && m.relative !== null && m.absolute.significant !== m.relative.significant;
    });
    expect(disagreeing.length).toBeGreaterThan(5);
    for (const r of reports) {
      const m = r.metrics.revenuePerVisitor;
      if (m.absolute === null) continue;
      expect(r.incrementalRevenue!.pValue).toBe(m.absolute.pValue);
      expect(r.incrementalRevenue!.significant).toBe(m.absolute.significant);
    }
  });

  it('a noisy small baseline: the absolute uplift is significant, the relative one is not, each with its own p-value', () => {
    // 20 baseline units with a wide spread, 400 treated ones: the relative test also carries the
    // baseline mean's uncertainty (the delta method's second term), so it is the wider one.
    // Means 30 and 42, sd 20: absolute t = 12/4.6 = 2.6, relative t = 12/sqrt(1 + 20·1.4²) = 1.9 (df ≈ 20).
    const baseline = single(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 10 : 50)));
    const treated = single(Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 22 : 62)));
    const report = roiReport({
      scope: 'program', baseline: { id: 'holdout', units: 20, metrics: { revenuePerVisitor: baseline } },
      treated: { id: 'personalized', units: 400, metrics: { revenuePerVisitor: treated } },
      weights: { baseline: 0.05, treated: 0.95 }, periodDays: 28, monthlyCost: 100,
    });
    const m = report.metrics.revenuePerVisitor;
    expect(m.absolute!.lower).toBeGreaterThan(0);
    expect(m.absolute).toMatchObject({ significant: true });
    expect(m.absolute!.pValue).toBeLessThan(0.05);
    expect(m.relative!.lower).toBeLessThan(0);
    expect(m.relative).toMatchObject({ significant: false });
    expect(m.relative!.pValue).toBeGreaterThan(0.05);
    expect(report.incrementalRevenue).toMatchObject({ significant: true, pValue: m.absolute!.pValue });
    expect(report.roi!.lower).toBeGreaterThan(0);
    expect(report.roi).toMatchObject({ significant: true });
    expect(report.roi!.pValue).toBeLessThan(0.05);
  });
});
