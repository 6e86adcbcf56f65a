import { describe, expect, it } from 'vitest';
import type { MetricResult } from '../../core/experiments/analyzeExperiment.js';
import type { TimelineDay } from '../../core/experiments/cumulativeTimeline.js';
import { effectDomain, effectRows, formatEffect, normalisedWeights, planRequest, positionOn, timelineDomain, timelineSeries, type EffectRow } from './experimentFigures.js';

const test = (estimate: number, lower: number | null, upper: number | null) => ({ estimate, se: 0.01, df: 100, tStatistic: 2, pValue: 0.04, ci: [lower, upper] as unknown as readonly [number, number] });

const conversion = {
  metricId: 'conversion', kind: 'conversion', role: 'primary', estimator: 'plain', control: { n: 100, mean: 0.1, variance: 0.09 },
  comparisons: [{
    armId: 'personalized', summary: { n: 100, mean: 0.12, variance: 0.1 }, status: 'ok', problem: null,
    absolute: test(0.02, -0.01, 0.05), relative: test(0.2, -0.1, 0.5), headline: 'relative', pValue: 0.04,
    adjusted: { holm: 0.04, benjaminiHochberg: 0.04 },
    sequential: { absolute: { estimate: 0.02, se: 0.01, ci: [-0.03, 0.07], pValue: 0.3 }, relative: { estimate: 0.2, se: 0.1, ci: [-0.3, 0.7], pValue: 0.3 } },
    bayesian: { expected: 0.2, sd: 0.1, ci: [-0.1, 0.5], chanceToWin: 0.91, risk: [0.01, 0.02] }, cuped: null,
  }],
} as unknown as MetricResult;

const revenue = {
  ...conversion, metricId: 'revenue', role: 'guardrail',
  // JSON writes an open bound (a one-sided test) as null; no relative test when the control's mean is 0.
  comparisons: [{ ...conversion.comparisons[0]!, relative: null, headline: 'absolute', absolute: test(1.5, 0.5, null), sequential: null, bayesian: null, pValue: null }],
} as unknown as MetricResult;

describe('effectRows', () => {
  it('reads each metric on its headline scale, with the sequential interval and the chance to win', () => {
    const [primary, guardrail] = effectRows([conversion, revenue]) as [EffectRow, EffectRow];
    expect(primary).toMatchObject({
      key: 'conversion:personalized', label: 'conversion', role: 'primary', scale: 'relative', estimate: 0.2, lower: -0.1, upper: 0.5,
      sequentialLower: -0.3, sequentialUpper: 0.7, pValue: 0.04, chanceToWin: 0.91,
    });
    expect(guardrail).toMatchObject({ scale: 'absolute', estimate: 1.5, lower: 0.5, upper: null, sequentialLower: null, sequentialUpper: null, pValue: null, chanceToWin: null });
  });

  it('names the arm when a metric has several treatments', () => {
    const two = { ...conversion, comparisons: [conversion.comparisons[0]!, { ...conversion.comparisons[0]!, armId: 'b' }] } as MetricResult;
    expect(effectRows([two]).map((r) => r.label)).toEqual(['conversion (personalized)', 'conversion (b)']);
  });
});

describe('effectDomain and positionOn', () => {
  it('always holds 0 and every bound, with room on both sides', () => {
    const rows = effectRows([conversion]);
    const [low, high] = effectDomain(rows);
    expect(low).toBeCloseTo(-0.3 - 0.1, 12);
    expect(high).toBeCloseTo(0.7 + 0.1, 12);
    expect(positionOn([low, high], 0, 'low')).toBeCloseTo(((0 - low) / (high - low)) * 100, 12);
  });

  it.each([
    [[1, 2] as const, 0, 'low', 0],
    [[1, 2] as const, 3, 'low', 100],
    [[-1, 1] as const, null, 'low', 0],
    [[-1, 1] as const, null, 'high', 100],
    [[-1, 1] as const, 0.5, 'high', 75],
  ] as const)('places %j, %s (%s) at %s', (domain, value, open, expected) => {
    expect(positionOn(domain, value, open)).toBe(expected);
  });

  it('gives a unit of room when there is nothing but 0', () => {
    expect(effectDomain([])).toEqual([-1, 1]);
  });
});

describe('formatEffect', () => {
  it.each([
    [0.052, 'relative', '+5.2%'],
    [-0.1, 'relative', '-10.0%'],
    [1.234567, 'absolute', '+1.23'],
    [null, 'absolute', 'open'],
  ] as const)('writes %s on the %s scale as %s', (value, scale, expected) => {
    expect(formatEffect(value, scale)).toBe(expected);
  });
});

describe('normalisedWeights', () => {
  it.each([
    [[1, 1], [0.5, 0.5]],
    [[1, 1, 1], [0.3333, 0.3333, 0.3334]],
    [[80, 20], [0.8, 0.2]],
    [[0, 0], [0.5, 0.5]],
    [[Number.NaN, 1], [0, 1]],
  ])('turns shares %j into weights %j that add up to 1', (shares, expected) => {
    const weights = normalisedWeights(shares);
    expect(weights).toEqual(expected);
    expect(Math.abs(weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
  });
});

describe('planRequest', () => {
  it('asks the segment plan for the arms, coverage and plan of the definition', () => {
    const arms = [{ id: 'a', weight: 0.5, serve: { kind: 'generic' } }, { id: 'b', weight: 0.5, serve: { kind: 'personalized' } }] as const;
    expect(planRequest({ arms: [...arms], coverage: 0.5, plan: { minimumDetectableEffect: 0.1, days: 14 } }, null)).toEqual({ minimumDetectableEffect: 0.1, days: 14, power: 0.8, arms: 2, trafficShare: 0.5 });
    expect(planRequest({ arms: [...arms], plan: { minimumDetectableEffect: 0.1, days: 14, power: 0.9 } }, 0.05)).toEqual({ minimumDetectableEffect: 0.1, days: 14, power: 0.9, arms: 2, trafficShare: 1, baselineRate: 0.05 });
    expect(planRequest({ arms: [...arms] }, 0.05)).toBeNull();
  });
});

describe('timelineSeries and timelineDomain', () => {
  const interval = (estimate: number, lower: number | null, upper: number | null) => ({ estimate, lower, upper });
  const comparison = (armId: string, headline: 'relative' | 'absolute' | null, absolute: ReturnType<typeof interval> | null, relative: ReturnType<typeof interval> | null) => ({
    armId, status: absolute === null ? 'insufficient_data' as const : 'ok' as const, headline, absolute, relative, sequentialAbsolute: null, sequentialRelative: null,
  });
  const day = (d: string, ...comparisons: ReturnType<typeof comparison>[]): TimelineDay => ({ day: d, units: {}, metrics: [{ metricId: 'conversion', role: 'primary', comparisons }] });
  const days = [
    day('2026-12-01', comparison('b', null, null, null), comparison('c', null, null, null)),
    // The control's mean is still 0: no relative effect that day.
    day('2026-12-02', comparison('b', 'absolute', interval(0.01, -0.02, 0.04), null), comparison('c', 'absolute', interval(0.02, 0, 0.04), null)),
    day('2026-12-03', comparison('b', 'relative', interval(0.02, -0.01, 0.05), interval(0.2, -0.1, 0.5)), comparison('c', 'absolute', interval(0.03, 0.01, null), null)),
  ];

  it('draws each arm on its last day\'s headline scale, a day without that scale as a gap', () => {
    const [b, c] = timelineSeries(days, 'conversion');
    expect(b).toMatchObject({ key: 'conversion:b', label: 'conversion (b)', scale: 'relative' });
    expect(b!.points).toEqual([
      { day: '2026-12-01', estimate: null, lower: null, upper: null },
      { day: '2026-12-02', estimate: null, lower: null, upper: null },
      { day: '2026-12-03', estimate: 0.2, lower: -0.1, upper: 0.5 },
    ]);
    expect(c).toMatchObject({ scale: 'absolute' });
    expect(c!.points.map((p) => [p.estimate, p.lower, p.upper])).toEqual([[null, null, null], [0.02, 0, 0.04], [0.03, 0.01, null]]);
  });

  it('has no line for a metric the last day lacks, or without days', () => {
    expect(timelineSeries(days, 'revenue')).toEqual([]);
    expect(timelineSeries([], 'conversion')).toEqual([]);
  });

  it('spans 0 and every bound, with room', () => {
    const [low, high] = timelineDomain(timelineSeries(days, 'conversion')[0]!.points);
    expect(low).toBeCloseTo(-0.16, 10);
    expect(high).toBeCloseTo(0.56, 10);
  });
});
