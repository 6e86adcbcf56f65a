import { describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../common/random.js';
import { cupedTest } from '../stats/cuped.js';
import { benjaminiHochbergAdjust, holmAdjust } from '../stats/multipleTesting.js';
import { analyzeExperiment, designOf, metricRoles, type AnalysisDesign, type MetricStats } from './analyzeExperiment.js';
import { assignArm } from './assignArm.js';
import type { ExperimentDefinition } from './ExperimentDefinition.js';
import type { MetricKind } from './MetricDefinition.js';
import { addUnitValue, emptyAccumulator, mergeAccumulators, pairSumsFromMoments, type ArmAccumulator, type UnitValue } from './metricValues.js';

const design: AnalysisDesign = { arms: [{ id: 'control', weight: 0.5 }, { id: 'treatment', weight: 0.5 }], controlArmId: 'control' };

/** A seeded simulation: per arm, `n` units drawn by `draw(random, isTreatment)`, folded in chunks and merged (as the shell would). */
function simulate(kind: MetricKind, n: number, random: Random, draw: (random: Random, treated: boolean) => UnitValue): Record<string, ArmAccumulator> {
  const arms: Record<string, ArmAccumulator> = {};
  for (const arm of ['control', 'treatment']) {
    let total = emptyAccumulator(kind);
    for (let chunk = 0; chunk < 4; chunk++) {
      let acc = emptyAccumulator(kind);
      for (let i = 0; i < n / 4; i++) acc = addUnitValue(acc, draw(random, arm === 'treatment'));
      total = mergeAccumulators(total, acc);
    }
    arms[arm] = total;
  }
  return arms;
}

const normal = (random: Random): number => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
const conversion = (p0: number, lift: number) => (random: Random, treated: boolean): UnitValue =>
  ({ kind: 'single', value: random.next() < p0 * (treated ? 1 + lift : 1) ? 1 : 0 });
const revenue = (mean0: number, delta: number) => (random: Random, treated: boolean): UnitValue =>
  ({ kind: 'single', value: random.next() < 0.2 ? Math.max(0, mean0 * 5 + (treated ? delta * 5 : 0) + 20 * normal(random)) : 0 });
/** Orders 0–2 per unit; revenue per order averages 50 × (1 + lift): the true relative effect on AOV is `lift`. */
const orders = (lift: number) => (random: Random, treated: boolean): UnitValue => {
  const count = random.next() < 0.7 ? 0 : random.next() < 0.7 ? 1 : 2;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += 50 * (treated ? 1 + lift : 1) * (0.5 + random.next());
  return { kind: 'pair', numerator: sum, denominator: count };
};

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

/** A unit's metric value X and its pre-exposure covariate Y, as the shell folds them into a pair accumulator. */
const withCovariate = (x: number, y: number): UnitValue => ({ kind: 'pair', numerator: x, denominator: y });
/** Pair accumulators per arm, `n` units each, from `draw(random, treated)` → [x, y]. */
function simulatePairs(n: number, random: Random, draw: (random: Random, treated: boolean) => readonly [number, number]): Record<string, ArmAccumulator> {
  return simulate('ratio', n, random, (r, treated) => withCovariate(...draw(r, treated)));
}
/** Y ~ N(10, 2²), X = Y + N(0, 1) (+ 0.5 in treatment): corr(X, Y)² = 0.8, true absolute effect 0.5, relative 0.05. */
const correlated = (random: Random, treated: boolean): readonly [number, number] => {
  const y = 10 + 2 * normal(random);
  return [y + normal(random) + (treated ? 0.5 : 0), y];
};
/** Y = converted before (30%); P(X = 1) = 0.1 + 0.5·Y (+ 0.03 in treatment): true absolute effect 0.03, relative 0.03/0.25 = 0.12. */
const reconverting = (random: Random, treated: boolean): readonly [number, number] => {
  const y = random.next() < 0.3 ? 1 : 0;
  return [random.next() < 0.1 + 0.5 * y + (treated ? 0.03 : 0) ? 1 : 0, y];
};

describe('pre-exposure covariates (pair accumulators) and CUPED', () => {
  const single = (kind: MetricKind, arms: Record<string, ArmAccumulator>): MetricStats => ({ metricId: 'm', kind, role: 'primary', arms });
  const analyze = (metric: MetricStats, extra: Partial<AnalysisDesign> = {}) =>
    analyzeExperiment({ design: { ...design, ...extra }, unitCounts: { control: 1_000, treatment: 1_000 }, metrics: [metric] }).metrics[0]!;

  it.each(['conversion', 'mean', 'count'] as const)('a %s metric with a zero covariate reads out exactly as a single accumulator of the same values', (kind) => {
    const draw = kind === 'conversion' ? conversion(0.2, 0.1) : revenue(10, 1);
    const values = (seed: number) => simulate('mean', 1_000, seededRandom(seed), draw);
    const pairs = simulate('ratio', 1_000, seededRandom(5), (r, treated) => {
      const v = draw(r, treated);
      return withCovariate(v.kind === 'single' ? v.value : NaN, 0);
    });
    for (const extra of [{}, { cuped: true }, { cuped: true, difference: 'absolute' as const, sequential: { nStar: 2_000 }, bayesian: {} }]) {
      const plain = analyze(single(kind, values(5)), extra);
      const paired = analyze(single(kind, pairs), extra);
      expect(paired).toEqual(plain);
      expect(paired.comparisons[0]!.cuped).toBeNull();
    }
  });

  it('a correlated covariate without design.cuped changes nothing: the read-out uses X alone', () => {
    const pairs = simulatePairs(1_000, seededRandom(11), correlated);
    const xs = simulatePairs(1_000, seededRandom(11), (r, t) => [correlated(r, t)[0], 0]);
    expect(analyze(single('mean', pairs))).toEqual(analyze(single('mean', xs)));
  });

  it('with design.cuped: cupedTest on the accumulated sums, a narrower interval, and the CUPED p-value as the headline', () => {
    const arms = simulatePairs(1_000, seededRandom(12), correlated);
    const result = analyzeExperiment({ design: { ...design, cuped: true }, unitCounts: { control: 1_000, treatment: 1_000 }, metrics: [single('mean', arms), { ...single('conversion', simulatePairs(1_000, seededRandom(13), reconverting)), metricId: 'c' }] });
    const [mean, conv] = result.metrics.map((m) => m.comparisons[0]!);
    const sums = (acc: ArmAccumulator | undefined) => {
      if (acc?.kind !== 'pair') throw new TypeError('expected a pair accumulator');
      return pairSumsFromMoments(acc.moments);
    };
    const [c, t] = [sums(arms['control']), sums(arms['treatment'])];
    expect(mean!.cuped).toEqual({
      metric: 'mean',
      theta: mean!.cuped!.absolute.theta,
      varianceReduction: mean!.cuped!.relative!.varianceReduction,
      absolute: cupedTest(c, t, { difference: 'absolute', metric: 'mean' }),
      relative: cupedTest(c, t, { difference: 'relative', metric: 'mean' }),
    });
    // ρ² = 0.8: the variance falls to about a fifth, the interval to about 0.45 of its width
    expect(mean!.cuped!.varianceReduction).toBeGreaterThan(0.75);
    const width = (ci: readonly [number, number]): number => ci[1] - ci[0];
    expect(width(mean!.cuped!.relative!.ci) / width(mean!.relative!.ci)).toBeLessThan(0.5);
    expect(mean!.pValue).toBe(mean!.cuped!.relative!.pValue);
    expect(mean!.pValue).not.toBe(mean!.relative!.pValue);
    // a 0/1 covariate of a conversion: GrowthBook's proportion formulas
    expect(conv!.cuped!.metric).toBe('proportion');
    expect(conv!.pValue).toBe(conv!.cuped!.relative!.pValue);
    const raw = [mean!.pValue!, conv!.pValue!];
    expect([mean!.adjusted!.holm, conv!.adjusted!.holm]).toEqual(holmAdjust(raw));
    expect([mean!.adjusted!.benjaminiHochberg, conv!.adjusted!.benjaminiHochberg]).toEqual(benjaminiHochbergAdjust(raw));
  });

  it('CUPED is left out for ratio metrics, single accumulators, a constant covariate, and uses the mean formulas for a non-0/1 covariate of a conversion', () => {
    const random = seededRandom(14);
    expect(analyze(single('ratio', simulate('ratio', 1_000, random, orders(0.1))), { cuped: true }).comparisons[0]!.cuped).toBeNull();
    const mixed = { control: simulatePairs(1_000, random, correlated)['control']!, treatment: simulate('mean', 1_000, random, revenue(10, 1))['treatment']! };
    expect(analyze(single('mean', mixed), { cuped: true }).comparisons[0]!.cuped).toBeNull();
    expect(analyze(single('mean', simulatePairs(1_000, random, (r, t) => [correlated(r, t)[0], 3])), { cuped: true }).comparisons[0]!.cuped).toBeNull();
    const sessions = simulatePairs(1_000, random, (r, t) => {
      const y = Math.floor(5 * r.next());
      return [r.next() < 0.1 + 0.1 * y + (t ? 0.03 : 0) ? 1 : 0, y];
    });
    const conv = analyze(single('conversion', sessions), { cuped: true }).comparisons[0]!;
    expect(conv.cuped!.metric).toBe('mean');
    expect(conv.cuped!.varianceReduction).toBeGreaterThan(0.1);
  });

  // 500 seeded runs of 500 units per arm. Tolerance: coverage 0.95 ± 0.03 (3 binomial standard
  // errors, sqrt(0.95·0.05/500) ≈ 0.0097); the mean estimate within 3 standard errors of the truth.
  // The interval narrows by about sqrt(1 − ρ²): 0.45 for the mean metric (ρ² = 0.8), 0.85 for the
  // conversion (ρ² = 0.105²/(0.21·0.1875) ≈ 0.28); the bounds leave a margin over that.
  it.each([
    ['mean', correlated, 0.5, 0.05, 0.5],
    ['conversion', reconverting, 0.03, 0.12, 0.9],
  ] as const)('CUPED on a %s metric: unbiased, covers the true effect in 0.92 to 0.98 of 500 runs, narrower than Welch', (kind, draw, trueAbsolute, trueRelative, maxWidthRatio) => {
    const runs = 500;
    const covered = { absolute: 0, relative: 0 };
    const estimates: number[] = [];
    let widthRatio = 0;
    for (let seed = 1; seed <= runs; seed++) {
      const comparison = analyze(single(kind, simulatePairs(500, seededRandom(1_000 + seed), draw)), { cuped: true }).comparisons[0]!;
      const cuped = comparison.cuped!;
      if (cuped.absolute.ci[0] <= trueAbsolute && trueAbsolute <= cuped.absolute.ci[1]) covered.absolute++;
      if (cuped.relative!.ci[0] <= trueRelative && trueRelative <= cuped.relative!.ci[1]) covered.relative++;
      estimates.push(cuped.absolute.estimate);
      widthRatio += (cuped.absolute.ci[1] - cuped.absolute.ci[0]) / (comparison.absolute!.ci[1] - comparison.absolute!.ci[0]) / runs;
    }
    const mean = estimates.reduce((s, e) => s + e, 0) / runs;
    const sd = Math.sqrt(estimates.reduce((s, e) => s + (e - mean) ** 2, 0) / (runs - 1));
    expect(Math.abs(mean - trueAbsolute)).toBeLessThan((3 * sd) / Math.sqrt(runs));
    for (const rate of [covered.absolute / runs, covered.relative / runs]) {
      expect(rate).toBeGreaterThanOrEqual(0.92);
      expect(rate).toBeLessThanOrEqual(0.98);
    }
    expect(widthRatio).toBeLessThan(maxWidthRatio);
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
