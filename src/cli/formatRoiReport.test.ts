import { describe, expect, it } from 'vitest';
import { addUnitValue, emptyAccumulator, type ArmAccumulator } from '../core/experiments/metricValues.js';
import { roiReport, type RoiInput, type RoiMetricRole, type RoiReport, type TestedInterval } from '../core/report/roiReport.js';
import { randomRoiInputs } from '../core/report/testing/randomRoiInputs.js';
import { formatRoiReport } from './formatRoiReport.js';

const single = (values: readonly number[]): ArmAccumulator =>
  values.reduce((acc, value) => addUnitValue(acc, { kind: 'single', value }), emptyAccumulator('mean'));
const pairs = (values: readonly (readonly [number, number])[]): ArmAccumulator =>
  values.reduce((acc, [numerator, denominator]) => addUnitValue(acc, { kind: 'pair', numerator, denominator }), emptyAccumulator('ratio'));
/** `k` copies of each value: large arms with simple moments. */
const repeat = (values: readonly number[], k: number): number[] => values.flatMap((v) => Array.from({ length: k }, () => v));

/** A program report with 600 units per arm: RPV 3 → 5 (significant), conversion 30% → 40%, CTR, and no AOV. */
function programInput(overrides: Partial<RoiInput> = {}): RoiInput {
  return {
    scope: 'program',
    baseline: {
      id: 'holdout', units: 600,
      metrics: { revenuePerVisitor: single(repeat([1, 2, 3, 4, 5], 120)), conversionRate: single(repeat([1, 1, 1, 0, 0, 0, 0, 0, 0, 0], 60)), clickThroughRate: pairs(repeat([0, 1, 2], 200).map((c) => [c, 4] as const)) },
    },
    treated: {
      id: 'everyone else', units: 600,
      metrics: { revenuePerVisitor: single(repeat([3, 4, 5, 6, 7], 120)), conversionRate: single(repeat([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], 60)), clickThroughRate: pairs(repeat([1, 1, 2], 200).map((c) => [c, 4] as const)) },
    },
    weights: { baseline: 0.5, treated: 0.5 },
    periodDays: 15,
    monthlyCost: 1000,
    currency: 'EUR',
    ...overrides,
  };
}

const lineWith = (text: string, needle: string): string => text.split('\n').find((l) => l.includes(needle)) ?? '';

describe('formatRoiReport', () => {
  const report = roiReport(programInput());
  const text = formatRoiReport([report]);

  it('starts each report with its scope, arms with units and period', () => {
    expect(text).toContain('ROI report: program');
    expect(text).toContain('holdout (600 units) vs everyone else (600 units), over 15 days, 95% intervals');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('has a header and one row per metric role', () => {
    const header = lineWith(text, 'metric');
    for (const column of ['baseline', 'treated', 'absolute uplift [95% CI]', 'p (absolute)', 'relative uplift [95% CI]', 'p (relative)', 'estimator', 'status']) expect(header).toContain(column);
    expect(header).not.toContain('true uplift');
    for (const label of ['conversion rate', 'revenue per visitor', 'average order value', 'click-through rate']) expect(lineWith(text, label)).not.toBe('');
  });

  it('shows rates as percentages with uplifts in percentage points, money with 2 decimals', () => {
    const conversion = lineWith(text, 'conversion rate');
    expect(conversion).toContain('30.00%');
    expect(conversion).toContain('40.00%');
    expect(conversion).toMatch(/\+10\.00 pp \[[+-]\d+\.\d\d, [+-]\d+\.\d\d\]/);
    expect(conversion).toMatch(/\+33\.3% \[/);
    const rpv = lineWith(text, 'revenue per visitor');
    expect(rpv).toContain('3.00');
    expect(rpv).toContain('5.00');
    expect(rpv).toMatch(/\+2\.00 \[\+1\.\d\d, \+2\.\d\d\]/);
    expect(rpv).toContain('+66.7% [');
    expect(rpv).toMatch(/<0\.0001 \*/);
    expect(rpv).toMatch(/plain\s+ok$/);
    expect(text).toContain('Each p-value is of the uplift to its left (absolute: treated − baseline; relative: that over the baseline); *: its interval excludes 0 (p < 0.05).');
    expect(text).toContain('Estimator plain: the arms\' own values, without covariate adjustment.');
    expect(lineWith(text, 'click-through rate')).toContain('25.00%');
    expect(lineWith(text, 'average order value')).toContain('not configured');
  });

  it('aligns the columns', () => {
    const rows = ['metric', 'conversion rate', 'revenue per visitor', 'average order value'].map((l) => lineWith(text, l));
    const at = (row: string, column: string): number => row.indexOf(column);
    const header = rows[0]!;
    // Right-aligned number columns end where their header ends.
    const treatedEnd = at(header, 'treated') + 'treated'.length;
    expect(rows[1]!.slice(treatedEnd - '40.00%'.length, treatedEnd)).toBe('40.00%');
    expect(rows[2]!.slice(treatedEnd - '5.00'.length, treatedEnd)).toBe('5.00');
    // Left-aligned interval columns start where their header starts.
    const absStart = at(header, 'absolute uplift');
    expect(rows[1]!.slice(absStart).startsWith('+10.00 pp')).toBe(true);
    expect(rows[2]!.slice(absStart).startsWith('+2.00 [')).toBe(true);
    expect(rows[3]!.slice(absStart).startsWith('-')).toBe(true);
  });

  it('prints incremental revenue, per month, ROI and SRM', () => {
    // ΔRPV 2 × 600 units = 1,200 over 15 days; × 30/15 = 2,400 a month; ROI (2,400 − 1,000)/1,000 = 140%.
    expect(text).toMatch(/incremental revenue over 15 days: \+1,200\.00 \[\+1,\d{3}\.\d\d, \+1,\d{3}\.\d\d\] EUR \(revenue per visitor's absolute uplift × 600 everyone else units: p < 0\.0001 \*\)/);
    expect(text).toMatch(/incremental revenue per 30-day month: \+2,400\.00 \[\+2,\d{3}\.\d\d, \+2,\d{3}\.\d\d\] EUR/);
    expect(text).toMatch(/ROI at a monthly cost of 1,000\.00 EUR: \+140\.0% \[\+1\d\d\.\d%, \+1\d\d\.\d%\] \(against break-even: p < 0\.0001 \*\)/);
    expect(text).toContain('SRM: ok (p = 1.0000; 600 / 600 units against weights 0.5 / 0.5)');
    expect(text).not.toContain('warning:');
  });

  it('says when there is no ROI or incremental revenue, and lists warnings', () => {
    const input = programInput();
    const bare = roiReport({
      ...input, monthlyCost: null,
      baseline: { id: 'control', units: 4800, metrics: {} },
      treated: { id: 'personalized', units: 5200, metrics: {} },
      scope: 'exp-hero',
    });
    const out = formatRoiReport([bare]);
    expect(out).toContain('incremental revenue: - (no revenue per visitor data in either arm)');
    expect(out).toContain('ROI: - (no monthly cost for this experiment: set monthlyCost in its definition (the workspace\'s monthly cost is the whole program\'s, used in the program\'s report); no revenue per visitor data in either arm)');
    expect(out).toContain('SRM: MISMATCH (p < 0.0001; 4,800 / 5,200 units');
    expect(out).toContain('warning: sample ratio mismatch');
    expect(lineWith(out, 'revenue per visitor')).toContain('not configured');
  });

  it('shows insufficient data with its reason, also as the reason for no ROI', () => {
    const input = programInput();
    const out = formatRoiReport([roiReport({ ...input, baseline: { ...input.baseline, metrics: { revenuePerVisitor: single([4]) } } })]);
    expect(lineWith(out, 'revenue per visitor')).toContain('insufficient data (baseline: fewer than 2 units (1))');
    expect(out).toContain('ROI: - (revenue per visitor: insufficient data (baseline: fewer than 2 units (1)))');
  });

  it('says exactly what the ROI lacks: a program without a cost, an experiment without its own', () => {
    const program = formatRoiReport([roiReport(programInput({ monthlyCost: null }))]);
    expect(program).toContain('ROI: - (no monthly cost: set the measurement settings\' monthlyCost, or pass --monthly-cost)');
    expect(program).toMatch(/incremental revenue per 30-day month: \+2,400\.00/);
    const experiment = formatRoiReport([roiReport(programInput({ scope: 'hero-personalization', monthlyCost: null }))]);
    expect(experiment).toContain('ROI: - (no monthly cost for this experiment: set monthlyCost in its definition');
    expect(experiment).not.toContain('revenue per visitor data');
    // With its own cost an experiment gets its ROI.
    expect(formatRoiReport([roiReport(programInput({ scope: 'hero-personalization', monthlyCost: 500 }))])).toMatch(/ROI at a monthly cost of 500\.00 EUR: \+380\.0%/);
  });

  it('adds the true uplift of a simulation beside revenue per visitor and conversion rate', () => {
    const out = formatRoiReport([report], { trueUplift: { revenuePerVisitor: { absolute: 2.5, relative: 0.8 }, conversionRate: { absolute: 0.1, relative: null } } });
    expect(lineWith(out, 'metric')).toContain('true uplift (simulation)');
    expect(lineWith(out, 'revenue per visitor')).toContain('+2.50 (+80.0%), outside CI');
    expect(lineWith(out, 'conversion rate')).toContain('+10.00 pp, in CI');
    expect(lineWith(out, 'click-through rate')).not.toContain(' CI');
  });

  it('adds always-valid rows when the report has sequential intervals', () => {
    const out = formatRoiReport([roiReport(programInput({ sequential: { nStar: 1000 } }))]);
    expect(out.split('\n').filter((l) => l.startsWith('  always-valid'))).toHaveLength(3);
  });

  it('colours only when asked', () => {
    // eslint-disable-next-line no-control-regex
    const ansi = /\u001b\[\d+m/;
    expect(text).not.toMatch(ansi);
    const coloured = formatRoiReport([report], { color: true });
    expect(coloured).toMatch(ansi);
    expect(coloured).toContain('\u001b[32m+2.00 [');
  });

  it('separates several reports and handles none', () => {
    const reports: RoiReport[] = [report, roiReport(programInput({ scope: 'exp-1', periodDays: 1 }))];
    const out = formatRoiReport(reports);
    expect(out).toContain('ROI report: program');
    expect(out).toContain('ROI report: exp-1');
    expect(out).toContain('over 1 day,');
    expect(out).toContain('\n\nROI report: exp-1');
    expect(formatRoiReport([])).toContain('No reports');
  });
});

/** The table's cells by the header's column starts (every column but the two money ones is left-aligned). */
function tableOf(block: string): { header: string; rows: string[]; cell: (row: string, column: string) => string } {
  const lines = block.split('\n');
  const at = lines.findIndex((l) => l.startsWith('metric'));
  const header = lines[at]!;
  const rows: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (line === '' || line.startsWith('Each p-value')) break;
    rows.push(line);
  }
  const starts = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], start: m.index }));
  const cell = (row: string, column: string): string => {
    const k = starts.findIndex((c) => c.name.startsWith(column));
    return row.slice(starts[k]!.start, starts[k + 1]?.start ?? row.length).trim();
  };
  return { header, rows, cell };
}

const roleOf: Readonly<Record<string, RoiMetricRole>> = {
  'conversion rate': 'conversionRate', 'revenue per visitor': 'revenuePerVisitor', 'average order value': 'averageOrderValue', 'click-through rate': 'clickThroughRate',
};

describe('formatRoiReport: the significance mark agrees with the interval beside it', () => {
  const marked = (cell: string): boolean => cell.endsWith(' *');
  const expectMark = (cell: string, interval: TestedInterval | null, where: string) => {
    if (interval === null) {
      expect(cell, where).toBe('-');
      return;
    }
    // The mark is there exactly when the interval excludes 0 (and so when p < alpha).
    expect(marked(cell), `${where}: "${cell}" beside [${interval.lower}, ${interval.upper}]`).toBe(interval.lower > 0 || interval.upper < 0);
  };

  it('in every row, always-valid row, incremental revenue and ROI line of 240 seeded reports', () => {
    let marks = 0;
    let checked = 0;
    for (const report of randomRoiInputs(240).map((input) => roiReport(input))) {
      const text = formatRoiReport([report]);
      const { rows, cell } = tableOf(text);
      let role: RoiMetricRole | null = null;
      for (const row of rows) {
        const label = cell(row, 'metric');
        const sequential = label === 'always-valid';
        if (!sequential) role = roleOf[label]!;
        const m = report.metrics[role!];
        const absolute = sequential ? m.sequential!.absolute : m.absolute;
        const relative = sequential ? m.sequential!.relative : m.relative;
        expectMark(cell(row, 'p (absolute)'), absolute, `${report.scope} ${label} absolute`);
        expectMark(cell(row, 'p (relative)'), relative, `${report.scope} ${label} relative`);
        marks += Number(marked(cell(row, 'p (absolute)'))) + Number(marked(cell(row, 'p (relative)')));
        checked += 2;
      }
      const revenue = lineWith(text, 'incremental revenue over');
      if (report.incrementalRevenue !== null) expect(revenue.endsWith(' *)'), revenue).toBe(report.incrementalRevenue.period.lower > 0 || report.incrementalRevenue.period.upper < 0);
      const roi = lineWith(text, 'ROI at a monthly cost');
      if (report.roi !== null) expect(roi.endsWith(' *)'), roi).toBe(report.roi.lower > 0 || report.roi.upper < 0);
    }
    expect(checked).toBeGreaterThan(2_000);
    expect(marks).toBeGreaterThan(300);
    expect(checked - marks).toBeGreaterThan(300);
  });

  it('the demo\'s case: an absolute interval above 0 is marked beside its own p-value, the relative one across 0 is not', () => {
    // Means 30 and 42, sd 20, 20 baseline units against 400: the absolute test is significant, the relative one is not.
    const input = programInput({
      baseline: { id: 'holdout', units: 20, metrics: { revenuePerVisitor: single(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 10 : 50))) } },
      treated: { id: 'personalized', units: 400, metrics: { revenuePerVisitor: single(Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 22 : 62))) } },
      weights: { baseline: 0.05, treated: 0.95 }, periodDays: 28, monthlyCost: 1000,
    });
    const report = roiReport(input);
    const out = formatRoiReport([report]);
    const { rows, cell } = tableOf(out);
    const rpv = rows.find((r) => r.startsWith('revenue per visitor'))!;
    expect(cell(rpv, 'absolute uplift')).toMatch(/^\+12\.00 \[\+\d\.\d\d, \+\d\d\.\d\d\]$/);
    expect(cell(rpv, 'p (absolute)')).toBe(`${report.metrics.revenuePerVisitor.absolute!.pValue.toFixed(4)} *`);
    expect(cell(rpv, 'relative uplift')).toMatch(/^\+40\.0% \[-\d+\.\d%, \+\d+\.\d%\]$/);
    expect(cell(rpv, 'p (relative)')).toBe(report.metrics.revenuePerVisitor.relative!.pValue.toFixed(4));
    expect(lineWith(out, 'incremental revenue over')).toMatch(/\(revenue per visitor's absolute uplift × 400 personalized units: p = 0\.0\d{3} \*\)$/);
    // Paying back a cost of 1,000 a month is a different question: its interval reaches below 0, so no mark.
    expect(lineWith(out, 'ROI at a monthly cost')).toMatch(/\[-4\.5%, \+833\.0%\] \(against break-even: p = 0\.0523\)$/);
  });
});
