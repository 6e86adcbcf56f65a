import { describe, expect, it } from 'vitest';
import { riskRatio, type Proportion, type RiskRatio } from './riskRatio.js';
import cases from './riskRatio.cases.json' with { type: 'json' };
import reportCases from './disparityReport.cases.json' with { type: 'json' };
import { disparityReport, type DisparityReport, type DisparitySettings, type GroupCounts } from './disparityReport.js';

// Expected values come from scipy and numpy (makeCases.py in this folder); relative tolerance 1e-9.
const tolerance = 1e-9;

function close(actual: number | null, expected: number | null, label: string): void {
  if (expected === null) {
    expect(actual, label).toBeNull();
    return;
  }
  expect(actual, label).not.toBeNull();
  expect(Math.abs(actual! - expected), `${label}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)));
}

/** Deep comparison where numbers are compared within the tolerance. */
function matches(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number' || (expected === null && typeof actual === 'number')) {
    close(actual as number | null, expected as number | null, path);
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    expected.forEach((e, i) => matches((actual as unknown[])[i], e, `${path}[${i}]`));
  } else if (typeof expected === 'object' && expected !== null) {
    expect(Object.keys(actual as object).sort(), `${path} keys`).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) matches((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else {
    expect(actual, path).toEqual(expected);
  }
}

describe('riskRatio: the Katz log interval, against scipy', () => {
  it.each(cases as unknown as [string, Proportion, Proportion, number, RiskRatio][])('%s', (_name, group, reference, alpha, expected) => {
    const actual = riskRatio(group, reference, alpha);
    matches(actual, expected, 'riskRatio');
  });

  it('intervals widen as alpha shrinks, and always hold the uncorrected ratio', () => {
    const group = { successes: 17, units: 61 };
    const reference = { successes: 29, units: 58 };
    const [wide, mid, narrow] = [0.01, 0.05, 0.2].map((a) => riskRatio(group, reference, a));
    expect(wide!.lower!).toBeLessThan(mid!.lower!);
    expect(mid!.lower!).toBeLessThan(narrow!.lower!);
    expect(wide!.upper!).toBeGreaterThan(mid!.upper!);
    expect(mid!.upper!).toBeGreaterThan(narrow!.upper!);
    for (const r of [wide!, mid!, narrow!]) expect(r.lower! < r.ratio! && r.ratio! < r.upper!).toBe(true);
  });

  it('swapping the groups inverts the ratio and its interval', () => {
    const a = { successes: 13, units: 70 };
    const b = { successes: 31, units: 90 };
    const ab = riskRatio(a, b, 0.05);
    const ba = riskRatio(b, a, 0.05);
    close(ab.ratio!, 1 / ba.ratio!, 'ratio');
    close(ab.lower!, 1 / ba.upper!, 'lower');
    close(ab.upper!, 1 / ba.lower!, 'upper');
  });

  it('refuses an alpha outside (0, 1)', () => {
    expect(() => riskRatio({ successes: 1, units: 2 }, { successes: 1, units: 2 }, 0)).toThrow(RangeError);
  });
});

describe('disparityReport: ratios against the reference, warnings below the threshold', () => {
  it.each(reportCases as unknown as [string, string[], GroupCounts[], DisparitySettings, DisparityReport][])('%s', (_name, measures, groups, settings, expected) => {
    matches(disparityReport(measures, groups, settings), expected, 'report');
  });

  it('a group is never its own reference and every warning names a ratio below the threshold', () => {
    for (const [, measures, groups, settings] of reportCases as unknown as [string, string[], GroupCounts[], DisparitySettings][]) {
      const report = disparityReport(measures, groups, settings);
      for (const m of report.measures) {
        const ref = m.groups.find((g) => g.group === m.reference);
        if (ref !== undefined) expect(ref.ratio).toBeNull();
      }
      for (const w of report.warnings) expect(w.ratio).toBeLessThan(w.threshold);
    }
  });
});
