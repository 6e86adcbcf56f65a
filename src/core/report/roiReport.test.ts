import { describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../common/random.js';
import { addUnitValue, emptyAccumulator, type ArmAccumulator } from '../experiments/metricValues.js';
import { welchTTest } from '../stats/frequentist.js';
import { sequentialTest } from '../stats/sequential.js';
import cases from './roiReport.cases.json' with { type: 'json' };
import { roiMetricRoles, roiReport, type ReportArm, type RoiInput, type RoiMetricRole } from './roiReport.js';

type RawValues = readonly number[] | readonly (readonly [number, number])[];
interface RawArm { readonly id: string; readonly units: number; readonly metrics: Partial<Record<RoiMetricRole, RawValues>> }
type RawInput = Omit<RoiInput, 'baseline' | 'treated'> & { readonly baseline: RawArm; readonly treated: RawArm };

/** Folds unit values with addUnitValue: numbers into a single accumulator, [n, d] pairs into a pair one. */
function accumulate(values: RawValues): ArmAccumulator {
  const pair = Array.isArray(values[0]);
  let acc = emptyAccumulator(pair ? 'ratio' : 'mean');
  for (const v of values) {
    acc = addUnitValue(acc, typeof v === 'number' ? { kind: 'single', value: v } : { kind: 'pair', numerator: v[0], denominator: v[1] });
  }
  return acc;
}

function arm(raw: RawArm): ReportArm {
  const metrics: Partial<Record<RoiMetricRole, ArmAccumulator>> = {};
  for (const role of roiMetricRoles) {
    const values = raw.metrics[role];
    if (values !== undefined) metrics[role] = accumulate(values);
  }
  return { id: raw.id, units: raw.units, metrics };
}

function inputOf(raw: RawInput): RoiInput {
  return { ...raw, baseline: arm(raw.baseline), treated: arm(raw.treated) };
}

/** Every key of `expected` matches `actual`: numbers to 1e-9 (relative above 1), the rest exactly. */
function expectPartial(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    const gap = Math.abs((actual as number) - expected);
    expect(gap, `${path}: ${String(actual)} vs ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, path).toBe(expected.length);
    expected.forEach((e, i) => expectPartial((actual as unknown[])[i], e, `${path}[${i}]`));
  } else if (typeof expected === 'object' && expected !== null) {
    expect(typeof actual === 'object' && actual !== null, `${path} is an object`).toBe(true);
    for (const [key, e] of Object.entries(expected)) expectPartial((actual as Record<string, unknown>)[key], e, `${path}.${key}`);
  } else {
    expect(actual, path).toBe(expected);
  }
}

const revenue = (values: readonly number[]): ArmAccumulator => accumulate(values);
const baseInput = (overrides: Partial<RoiInput> = {}): RoiInput => ({
  scope: 'exp',
  baseline: { id: 'control', units: 5, metrics: { revenuePerVisitor: revenue([1, 2, 3, 4, 5]) } },
  treated: { id: 'personalized', units: 5, metrics: { revenuePerVisitor: revenue([3, 4, 5, 6, 7]) } },
  weights: { baseline: 0.5, treated: 0.5 },
  periodDays: 15,
  ...overrides,
});

describe('roiReport (roiReport.cases.json, scipy values)', () => {
  it.each(cases.cases as unknown as [string, RawInput, unknown, string[]][])('%s', (_name, raw, expected, warnings) => {
    const report = roiReport(inputOf(raw));
    expectPartial(report, expected);
    for (const w of warnings) expect(report.warnings.some((x) => x.includes(w)), `warning "${w}" in ${JSON.stringify(report.warnings)}`).toBe(true);
  });
});

describe('roiReport', () => {
  it('reports every role, unconfigured ones as not_configured', () => {
    const report = roiReport(baseInput());
    expect(Object.keys(report.metrics)).toEqual([...roiMetricRoles]);
    for (const role of ['conversionRate', 'averageOrderValue', 'clickThroughRate'] as const) {
      expect(report.metrics[role]).toEqual({ role, status: 'not_configured', problem: null, estimator: 'plain', baseline: null, treated: null, absolute: null, relative: null });
    }
  });

  it('agrees with welchTTest on both scales, each interval with its own p-value', () => {
    const b = { n: 5, mean: 3, variance: 2.5 };
    const t = { n: 5, mean: 5, variance: 2.5 };
    const m = roiReport(baseInput()).metrics.revenuePerVisitor;
    const abs = welchTTest(b, t, { difference: 'absolute' });
    const rel = welchTTest(b, t, { difference: 'relative' });
    expect(m.absolute!.lower).toBeCloseTo(abs.ci[0], 12);
    expect(m.relative!.upper).toBeCloseTo(rel.ci[1], 12);
    expect(m.absolute!.pValue).toBeCloseTo(abs.pValue, 12);
    expect(m.relative!.pValue).toBeCloseTo(rel.pValue, 12);
  });

  it('scales incremental revenue by the treated arm\'s exposed units, not the metric\'s sample', () => {
    const input = baseInput({ treated: { id: 'personalized', units: 1000, metrics: { revenuePerVisitor: revenue([3, 4, 5, 6, 7]) } }, weights: { baseline: 5, treated: 1000 } });
    const report = roiReport(input);
    const abs = report.metrics.revenuePerVisitor.absolute!;
    expect(report.incrementalRevenue!.period).toEqual({ estimate: abs.estimate * 1000, lower: abs.lower * 1000, upper: abs.upper * 1000 });
    expect(report.incrementalRevenue!.perMonth.upper).toBeCloseTo(abs.upper * 1000 * 2, 9);
    expect(report.warnings).toContain('revenuePerVisitor: the treated data covers 5 units but the arm has 1000 units exposed');
  });

  it('maps the per-month interval to ROI monotonically, and has no ROI without a cost', () => {
    for (const cost of [1, 7.5, 20, 1e6]) {
      const report = roiReport(baseInput({ monthlyCost: cost, currency: 'USD' }));
      const m = report.incrementalRevenue!.perMonth;
      expect(report.incrementalRevenue!.currency).toBe('USD');
      expect(report.roi!.monthlyCost).toBe(cost);
      expect(report.roi!.estimate).toBeCloseTo((m.estimate - cost) / cost, 12);
      expect(report.roi!.lower).toBeCloseTo((m.lower - cost) / cost, 12);
      expect(report.roi!.upper).toBeCloseTo((m.upper - cost) / cost, 12);
      expect(report.roi!.lower).toBeLessThanOrEqual(report.roi!.estimate);
      expect(report.roi!.estimate).toBeLessThanOrEqual(report.roi!.upper);
    }
    expect(roiReport(baseInput()).roi).toBeNull();
    expect(roiReport(baseInput({ monthlyCost: null })).roi).toBeNull();
    expect(roiReport(baseInput({ monthlyCost: -5 })).roi).toBeNull();
    expect(roiReport(baseInput({ monthlyCost: -5 })).roiMissing).toEqual(['monthlyCost']);
    expect(roiReport(baseInput({ monthlyCost: 10, treated: { id: 't', units: 5, metrics: {} } })).roiMissing).toEqual(['revenuePerVisitor']);
    expect(roiReport(baseInput({ treated: { id: 't', units: 5, metrics: {} } })).roiMissing).toEqual(['monthlyCost', 'revenuePerVisitor']);
  });

  it('flags a 52/48 split of 10,000 units against 50/50 weights (chi-square 16, p = 6.33e-5)', () => {
    const report = roiReport(baseInput({
      baseline: { id: 'control', units: 4800, metrics: {} },
      treated: { id: 'personalized', units: 5200, metrics: {} },
    }));
    expect(report.srm.flagged).toBe(true);
    expect(report.srm.pValue).toBeLessThan(0.001);
    expect(report.srm.pValue).toBeCloseTo(6.334248366623988e-5, 12);
    expect(report.srm.chiSquare).toBeCloseTo(16, 10);
    expect(report.srm.counts).toEqual([4800, 5200]);
    expect(report.warnings.some((w) => w.startsWith('sample ratio mismatch'))).toBe(true);
  });

  it('does not flag a 5/95 holdout split that matches its weights', () => {
    const report = roiReport(baseInput({
      scope: 'program',
      baseline: { id: 'holdout', units: 510, metrics: {} },
      treated: { id: 'everyone else', units: 9490, metrics: {} },
      weights: { baseline: 0.05, treated: 0.95 },
    }));
    expect(report.srm.flagged).toBe(false);
    expect(report.warnings).toEqual([]);
  });

  it('adds always-valid intervals when asked, wider than the fixed-horizon ones', () => {
    const report = roiReport(baseInput({ sequential: { nStar: 10 } }));
    const m = report.metrics.revenuePerVisitor;
    const b = { n: 5, mean: 3, variance: 2.5 };
    const t = { n: 5, mean: 5, variance: 2.5 };
    const want = sequentialTest(b, t, { difference: 'absolute', alpha: 0.05, nStar: 10 });
    expect(m.sequential!.absolute.lower).toBeCloseTo(want.ci[0], 12);
    expect(m.sequential!.absolute.lower).toBeLessThan(m.absolute!.lower);
    expect(m.sequential!.relative!.upper).toBeGreaterThan(m.relative!.upper);
    expect(report.metrics.conversionRate.sequential).toBeNull();
    expect('sequential' in roiReport(baseInput()).metrics.revenuePerVisitor).toBe(false);
  });

  it('widens every interval as alpha shrinks', () => {
    const widths = [0.2, 0.05, 0.01].map((alpha) => {
      const r = roiReport(baseInput({ alpha, monthlyCost: 10 }));
      return [r.metrics.revenuePerVisitor.absolute!, r.incrementalRevenue!.perMonth, r.roi!].map((i) => i.upper - i.lower);
    });
    for (let k = 0; k < 3; k++) {
      expect(widths[1]![k]!).toBeGreaterThan(widths[0]![k]!);
      expect(widths[2]![k]!).toBeGreaterThan(widths[1]![k]!);
    }
  });

  it.each([
    ['alpha 0', { alpha: 0 }],
    ['alpha 1', { alpha: 1 }],
    ['alpha NaN', { alpha: Number.NaN }],
    ['periodDays 0', { periodDays: 0 }],
    ['periodDays negative', { periodDays: -3 }],
    ['periodDays NaN', { periodDays: Number.NaN }],
    ['negative baseline units', { baseline: { id: 'c', units: -1, metrics: {} } }],
    ['negative treated units', { treated: { id: 't', units: -10, metrics: {} } }],
    ['N* of 0', { sequential: { nStar: 0 } }],
  ] as [string, Partial<RoiInput>][])('throws RangeError for %s', (_name, overrides) => {
    expect(() => roiReport(baseInput(overrides))).toThrow(RangeError);
  });
});

/** Revenue of one visitor: converts with probability p, then spends ~ 50 ± 20 (uniform). */
function visitorRevenue(random: Random, p: number, lift: number): number {
  return random.next() < p ? (30 + 40 * random.next()) * (1 + lift) : 0;
}

describe('roiReport coverage (seeded simulation)', () => {
  it('the incremental revenue and ROI intervals cover the truth about 95% of the time', () => {
    const random = seededRandom(20240517);
    const p = 0.1;
    const lift = 0.2;
    const units = { baseline: 300, treated: 300 };
    const trueRpvDiff = p * 50 * lift; // E[revenue] = p · 50 · (1 + lift)
    const periodDays = 10;
    const cost = 500;
    const truePerMonth = trueRpvDiff * units.treated * (30 / periodDays);
    const trueRoi = (truePerMonth - cost) / cost;
    const replications = 400;
    let coveredRevenue = 0;
    let coveredRoi = 0;
    for (let r = 0; r < replications; r++) {
      let b = emptyAccumulator('mean');
      let t = emptyAccumulator('mean');
      for (let i = 0; i < units.baseline; i++) b = addUnitValue(b, { kind: 'single', value: visitorRevenue(random, p, 0) });
      for (let i = 0; i < units.treated; i++) t = addUnitValue(t, { kind: 'single', value: visitorRevenue(random, p, lift) });
      const report = roiReport({
        scope: 'program',
        baseline: { id: 'holdout', units: units.baseline, metrics: { revenuePerVisitor: b } },
        treated: { id: 'rest', units: units.treated, metrics: { revenuePerVisitor: t } },
        weights: { baseline: 0.5, treated: 0.5 },
        periodDays,
        monthlyCost: cost,
      });
      const m = report.incrementalRevenue!.perMonth;
      if (m.lower <= truePerMonth && truePerMonth <= m.upper) coveredRevenue++;
      if (report.roi!.lower <= trueRoi && trueRoi <= report.roi!.upper) coveredRoi++;
    }
    // Binomial sd at 400 replications ≈ 1.1%; the seed makes this deterministic.
    expect(coveredRevenue / replications).toBeGreaterThan(0.92);
    expect(coveredRevenue / replications).toBeLessThan(0.98);
    expect(coveredRoi).toBe(coveredRevenue);
  });
});
