import { describe, expect, it } from 'vitest';
import { seededRandom } from '../common/random.js';
import { benjaminiHochbergAdjust, holmAdjust } from '../stats/multipleTesting.js';
import { analyzeExperiment, designOf, metricRoles, type AnalysisDesign, type MetricStats } from './analyzeExperiment.js';
import { assignArm } from './assignArm.js';
import type { ExperimentDefinition } from './ExperimentDefinition.js';
import { addUnitValue, emptyAccumulator, type ArmAccumulator } from './metricValues.js';
import { conversion, orders, revenue, simulate, twoArmDesign } from './testing/simulateArms.js';

const design = twoArmDesign;

describe('analyzeExperiment on seeded simulations with known effects', () => {
  it('the confidence intervals cover the true effects (conversion, revenue per visitor, AOV)', () => {
    const random = seededRandom(20250301);
    const metrics: MetricStats[] = [
      { metricId: 'purchase', kind: 'conversion', role: 'primary', arms: simulate('conversion', 20_000, random, conversion(0.1, 0.2)) },
      { metricId: 'rpv', kind: 'mean', role: 'guardrail', arms: simulate('mean', 20_000, random, revenue(10, 1)) },
      { metricId: 'aov', kind: 'ratio', role: 'guardrail', arms: simulate('ratio', 20_000, random, orders(0.1)) },
    ];
    const result = analyzeExperiment({ design: { ...design, sequential: { nStar: 40_000 }, bayesian: {} }, unitCounts: { control: 20_000, treatment: 20_000 }, metrics });
    const [purchase, rpv, aov] = result.metrics.map((m) => m.comparisons[0]!);
    // conversion: true absolute effect 0.02 (0.10 → 0.12), relative 0.2
    expect(purchase!.absolute!.ci[0]).toBeLessThan(0.02);
    expect(purchase!.absolute!.ci[1]).toBeGreaterThan(0.02);
    expect(purchase!.relative!.ci[0]).toBeLessThan(0.2);
    expect(purchase!.relative!.ci[1]).toBeGreaterThan(0.2);
    expect(purchase!.pValue).toBeLessThan(0.001);
    expect(purchase!.bayesian!.chanceToWin).toBeGreaterThan(0.99);
    // the sequential interval is wider than the fixed one, and still covers
    const seq = purchase!.sequential!.relative!;
    expect(seq.ci[1] - seq.ci[0]).toBeGreaterThan(purchase!.relative!.ci[1] - purchase!.relative!.ci[0]);
    expect(seq.ci[0]).toBeLessThan(0.2);
    expect(seq.ci[1]).toBeGreaterThan(0.2);
    // revenue per visitor: true absolute effect 0.2 × 5 × 1 = 1 (up to the truncation at 0, negligible here)
    expect(rpv!.absolute!.ci[0]).toBeLessThan(1);
    expect(rpv!.absolute!.ci[1]).toBeGreaterThan(1);
    // AOV by the delta method: true relative effect 0.1
    expect(aov!.relative!.ci[0]).toBeLessThan(0.1);
    expect(aov!.relative!.ci[1]).toBeGreaterThan(0.1);
    expect(result.srm.mismatch).toBe(false);
    expect(result.family).toBe(3);
  });

  it('the 95% interval covers the true effect in about 95% of 300 seeded replications', () => {
    let covered = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const arms = simulate('conversion', 2_000, seededRandom(seed), conversion(0.2, 0.1));
      const result = analyzeExperiment({ design, unitCounts: { control: 2_000, treatment: 2_000 }, metrics: [{ metricId: 'c', kind: 'conversion', role: 'primary', arms }] });
      const ci = result.metrics[0]!.comparisons[0]!.absolute!.ci;
      if (ci[0] <= 0.02 && 0.02 <= ci[1]) covered++;
    }
    expect(covered / 300).toBeGreaterThan(0.91);
    expect(covered / 300).toBeLessThan(0.99);
  });
});

describe('sample-ratio mismatch', () => {
  const metrics: MetricStats[] = [{ metricId: 'c', kind: 'conversion', role: 'primary', arms: simulate('conversion', 1_000, seededRandom(7), conversion(0.1, 0)) }];

  it('flags an injected 52/48 split of 50,000 units against 50/50 weights', () => {
    const result = analyzeExperiment({ design, unitCounts: { control: 26_000, treatment: 24_000 }, metrics });
    expect(result.srm.mismatch).toBe(true);
    expect(result.srm.pValue).toBeLessThan(0.001);
    expect(result.srm.counts).toEqual([26_000, 24_000]);
  });

  it('does not flag 50,000 units assigned by assignArm', () => {
    const experiment: ExperimentDefinition = {
      id: 'srm-check', placement: 'home-hero', primaryMetric: 'c',
      arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'treatment', weight: 0.5, serve: { kind: 'personalized' } }],
    };
    const unitCounts: Record<string, number> = { control: 0, treatment: 0 };
    for (let i = 0; i < 50_000; i++) unitCounts[assignArm(experiment, `unit-${i}`, 0).armId!]! += 1;
    const result = analyzeExperiment({ design: designOf(experiment), unitCounts, metrics });
    expect(result.srm.mismatch).toBe(false);
  });
});

describe('multiple testing across metrics and arms', () => {
  it('the adjusted p-values are holmAdjust and benjaminiHochbergAdjust of the headline p-values, in metric then arm order', () => {
    const random = seededRandom(99);
    const three: AnalysisDesign = { arms: [{ id: 'control', weight: 1 / 3 }, { id: 'treatment', weight: 1 / 3 }, { id: 'b', weight: 1 / 3 }], controlArmId: 'control' };
    const withB = (arms: Record<string, ArmAccumulator>, extra: Record<string, ArmAccumulator>): Record<string, ArmAccumulator> => ({ ...arms, b: extra['treatment']! });
    const metrics: MetricStats[] = [
      { metricId: 'c', kind: 'conversion', role: 'primary', arms: withB(simulate('conversion', 4_000, random, conversion(0.1, 0.15)), simulate('conversion', 4_000, random, conversion(0.1, 0))) },
      { metricId: 'rpv', kind: 'mean', role: 'guardrail', arms: withB(simulate('mean', 4_000, random, revenue(10, 0.3)), simulate('mean', 4_000, random, revenue(10, -0.2))) },
      { metricId: 'clicks', kind: 'count', role: 'guardrail', arms: withB(simulate('mean', 4_000, random, revenue(1, 0)), simulate('mean', 4_000, random, revenue(1, 0.1))) },
    ];
    const result = analyzeExperiment({ design: { ...three, difference: 'absolute' }, unitCounts: { control: 4_000, treatment: 4_000, b: 4_000 }, metrics });
    const comparisons = result.metrics.flatMap((m) => m.comparisons);
    expect(comparisons.map((c) => c.armId)).toEqual(['treatment', 'b', 'treatment', 'b', 'treatment', 'b']);
    const raw = comparisons.map((c) => c.pValue!);
    expect(raw).toEqual(comparisons.map((c) => c.absolute!.pValue));
    expect(comparisons.map((c) => c.adjusted!.holm)).toEqual(holmAdjust(raw));
    expect(comparisons.map((c) => c.adjusted!.benjaminiHochberg)).toEqual(benjaminiHochbergAdjust(raw));
    expect(result.family).toBe(6);
  });

  it('leaves comparisons without enough data out of the family', () => {
    const random = seededRandom(3);
    const metrics: MetricStats[] = [
      { metricId: 'c', kind: 'conversion', role: 'primary', arms: simulate('conversion', 400, random, conversion(0.3, 0)) },
      { metricId: 'aov', kind: 'ratio', role: 'guardrail', arms: { control: addUnitValue(emptyAccumulator('ratio'), { kind: 'pair', numerator: 1, denominator: 1 }) } },
      { metricId: 'none', kind: 'ratio', role: 'guardrail', arms: simulate('ratio', 400, random, () => ({ kind: 'pair', numerator: 0, denominator: 0 })) },
    ];
    const result = analyzeExperiment({ design, unitCounts: { control: 400, treatment: 400 }, metrics });
    const [c, aov, none] = result.metrics;
    expect(c!.comparisons[0]!.adjusted).toEqual({ holm: c!.comparisons[0]!.pValue, benjaminiHochberg: c!.comparisons[0]!.pValue });
    expect(aov!.comparisons[0]).toMatchObject({ status: 'insufficient_data', problem: 'fewer than 2 units (0)', pValue: null, adjusted: null });
    expect(none!.comparisons[0]).toMatchObject({ status: 'insufficient_data', problem: 'the ratio\'s denominator is 0' });
    expect(result.family).toBe(1);
  });

  it('reports absolute effects when the control mean is 0, and no Bayesian read-out without uncertainty', () => {
    const zeros = simulate('conversion', 100, seededRandom(1), () => ({ kind: 'single', value: 0 }));
    const result = analyzeExperiment({ design: { ...design, bayesian: {} }, unitCounts: { control: 100, treatment: 100 }, metrics: [{ metricId: 'c', kind: 'conversion', role: 'primary', arms: zeros }] });
    expect(result.metrics[0]!.comparisons[0]).toMatchObject({ status: 'ok', relative: null, headline: 'absolute', pValue: 1, bayesian: null });
  });
});

describe('designOf and metricRoles', () => {
  it('take the weights, the control and the metric order from the definition', () => {
    const experiment: ExperimentDefinition = {
      id: 'e', placement: 'p', primaryMetric: 'purchase', guardrailMetrics: ['aov', 'rpv'], control: 'b',
      arms: [{ id: 'a', weight: 0.3, serve: { kind: 'personalized' } }, { id: 'b', weight: 0.7, serve: { kind: 'generic' } }],
    };
    expect(designOf(experiment, { alpha: 0.1 })).toEqual({ alpha: 0.1, arms: [{ id: 'a', weight: 0.3 }, { id: 'b', weight: 0.7 }], controlArmId: 'b' });
    expect(metricRoles(experiment)).toEqual([{ metricId: 'purchase', role: 'primary' }, { metricId: 'aov', role: 'guardrail' }, { metricId: 'rpv', role: 'guardrail' }]);
    expect(() => analyzeExperiment({ design: { ...designOf(experiment), controlArmId: 'z' }, unitCounts: {}, metrics: [] })).toThrow(RangeError);
  });
});

describe('analyzeExperiment: one-sided tests', () => {
  it('`greater` halves the two-sided p-value of a positive effect and gives a lower bound only; `less` the complement', () => {
    const arms = simulate('mean', 2000, seededRandom(77), revenue(10, 3));
    const metrics: MetricStats[] = [{ metricId: 'revenue', kind: 'mean', role: 'primary', arms }];
    const read = (alternative?: 'greater' | 'less') => analyzeExperiment({ design: { ...design, ...(alternative === undefined ? {} : { alternative }) }, unitCounts: { control: 2000, treatment: 2000 }, metrics }).metrics[0]!.comparisons[0]!;
    const two = read();
    const greater = read('greater');
    const less = read('less');
    expect(two.absolute!.estimate).toBeGreaterThan(0);
    expect(greater.absolute!.pValue).toBeCloseTo(two.absolute!.pValue / 2, 12);
    expect(less.absolute!.pValue).toBeCloseTo(1 - two.absolute!.pValue / 2, 12);
    expect(greater.absolute!.ci[1]).toBe(Infinity);
    expect(greater.absolute!.ci[0]).toBeGreaterThan(two.absolute!.ci[0]);
    expect(less.absolute!.ci[0]).toBe(-Infinity);
    expect(greater.pValue).toBeCloseTo(two.pValue! / 2, 12);
  });
});
