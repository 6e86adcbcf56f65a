import { describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../common/random.js';
import { bayesianOfEffect } from '../stats/bayesian.js';
import { cupedTest } from '../stats/cuped.js';
import { normalCdf } from '../stats/distributions.js';
import { benjaminiHochbergAdjust, holmAdjust } from '../stats/multipleTesting.js';
import { sequentialHalfWidth } from '../stats/sequential.js';
import { pairMomentsFromSums, type PairSums } from '../stats/SufficientStats.js';
import { analyzeExperiment, type AnalysisDesign, type ArmComparison, type MetricStats } from './analyzeExperiment.js';
import type { MetricKind } from './MetricDefinition.js';
import { pairSumsFromMoments, type ArmAccumulator } from './metricValues.js';
import {
  conversion, correlated, normal, orders, reconverting, revenue, simulate, simulatePairs, twoArmDesign as design, withCovariate,
} from './testing/simulateArms.js';

// CUPED in the read-out: with `design.cuped`, one estimator (the regression-adjusted one) gives
// every figure of a metric: t-tests, p-values and their adjustment, sequential intervals and the
// Bayesian chance to win and risk; `estimator` says which.

const single = (kind: MetricKind, arms: Record<string, ArmAccumulator>): MetricStats => ({ metricId: 'm', kind, role: 'primary', arms });
const analyze = (metric: MetricStats, extra: Partial<AnalysisDesign> = {}) =>
  analyzeExperiment({ design: { ...design, ...extra }, unitCounts: { control: 1_000, treatment: 1_000 }, metrics: [metric] }).metrics[0]!;
const sums = (acc: ArmAccumulator | undefined): PairSums => {
  if (acc?.kind !== 'pair') throw new TypeError('expected a pair accumulator');
  return pairSumsFromMoments(acc.moments);
};
const width = (ci: readonly [number, number]): number => ci[1] - ci[0];
/** As `correlated`, with a true absolute effect of 0.08 (0.8%): only the adjusted read-out is sure of it. */
const slightlyBetter = (random: Random, treated: boolean): readonly [number, number] => {
  const [x, y] = correlated(random, false);
  return [x + (treated ? 0.08 : 0), y];
};
/** Every read-out asked for: sequential intervals and the Bayesian read-out too. */
const everything = { sequential: { nStar: 2_000 }, bayesian: {} } as const;

describe('the read-out of pre-exposure covariates (pair accumulators) and CUPED', () => {
  it.each(['conversion', 'mean', 'count'] as const)('a %s metric with a zero covariate reads out exactly as a single accumulator of the same values', (kind) => {
    const draw = kind === 'conversion' ? conversion(0.2, 0.1) : revenue(10, 1);
    const values = (seed: number) => simulate('mean', 1_000, seededRandom(seed), draw);
    const pairs = simulate('ratio', 1_000, seededRandom(5), (r, treated) => {
      const v = draw(r, treated);
      return withCovariate(v.kind === 'single' ? v.value : NaN, 0);
    });
    for (const extra of [{}, { cuped: true }, { cuped: true, difference: 'absolute' as const, ...everything }]) {
      const plain = analyze(single(kind, values(5)), extra);
      const paired = analyze(single(kind, pairs), extra);
      expect(paired).toEqual(plain);
      expect(paired.estimator).toBe('plain');
      expect(paired.comparisons[0]!.cuped).toBeNull();
    }
  });

  it('a correlated covariate without design.cuped changes nothing: the read-out uses X alone', () => {
    const pairs = simulatePairs(1_000, seededRandom(11), correlated);
    const xs = simulatePairs(1_000, seededRandom(11), (r, t) => [correlated(r, t)[0], 0]);
    expect(analyze(single('mean', pairs), everything)).toEqual(analyze(single('mean', xs), everything));
  });

  it('with design.cuped: the t-tests are cupedTest on the accumulated sums, narrower, and their p-value is the headline and enters the adjustment', () => {
    const arms = simulatePairs(1_000, seededRandom(12), correlated);
    const metrics = [single('mean', arms), { ...single('conversion', simulatePairs(1_000, seededRandom(13), reconverting)), metricId: 'c' }];
    const result = analyzeExperiment({ design: { ...design, cuped: true }, unitCounts: { control: 1_000, treatment: 1_000 }, metrics });
    const plain = analyzeExperiment({ design, unitCounts: { control: 1_000, treatment: 1_000 }, metrics });
    expect(result.metrics.map((m) => m.estimator)).toEqual(['cuped', 'cuped']);
    expect(plain.metrics.map((m) => m.estimator)).toEqual(['plain', 'plain']);
    const [mean, conv] = result.metrics.map((m) => m.comparisons[0]!);
    const [c, t] = [sums(arms['control']), sums(arms['treatment'])];
    const { theta, control, treatment, varianceReduction, ...absolute } = cupedTest(c, t, { difference: 'absolute', metric: 'mean' });
    const { varianceReduction: relativeReduction, ...relativeResult } = cupedTest(c, t, { difference: 'relative', metric: 'mean' });
    const { theta: _t, control: _c, treatment: _tr, ...relative } = relativeResult;
    expect(mean!.absolute).toEqual(absolute);
    expect(mean!.relative).toEqual(relative);
    expect(mean!.cuped).toEqual({ metric: 'mean', theta, varianceReduction: relativeReduction, control, treatment });
    expect(varianceReduction).toBeGreaterThan(0.75);
    // ρ² = 0.8: the variance falls to about a fifth, the interval to about 0.45 of its width
    const plainMean = plain.metrics[0]!.comparisons[0]!;
    expect(width(mean!.relative!.ci) / width(plainMean.relative!.ci)).toBeLessThan(0.5);
    expect(mean!.pValue).toBe(mean!.relative!.pValue);
    expect(mean!.pValue).not.toBe(plainMean.pValue);
    // The arms' summaries stay the unadjusted ones.
    expect(mean!.summary).toEqual(plainMean.summary);
    // a 0/1 covariate of a conversion: GrowthBook's proportion formulas
    expect(conv!.cuped!.metric).toBe('proportion');
    expect(conv!.pValue).toBe(conv!.relative!.pValue);
    const raw = [mean!.pValue!, conv!.pValue!];
    expect([mean!.adjusted!.holm, conv!.adjusted!.holm]).toEqual(holmAdjust(raw));
    expect([mean!.adjusted!.benjaminiHochberg, conv!.adjusted!.benjaminiHochberg]).toEqual(benjaminiHochbergAdjust(raw));
  });

  it('with design.cuped, the chance to win, the risk and the sequential intervals are those of the adjusted effect (not of the plain one)', () => {
    const arms = simulatePairs(1_000, seededRandom(21), slightlyBetter);
    const nStar = 2_000;
    const adjusted = analyze(single('mean', arms), { cuped: true, ...everything }).comparisons[0]!;
    const plain = analyze(single('mean', arms), everything).comparisons[0]!;
    const test = cupedTest(sums(arms['control']), sums(arms['treatment']), { difference: 'relative' });
    // The headline (relative) effect's posterior is N(CUPED estimate, CUPED se²) under the flat prior.
    expect(adjusted.bayesian!.expected).toBe(test.estimate);
    expect(adjusted.bayesian!.sd).toBe(test.se);
    expect(adjusted.bayesian!.chanceToWin).toBeCloseTo(normalCdf(test.estimate / test.se), 14);
    expect(adjusted.bayesian).toEqual(bayesianOfEffect({ estimate: test.estimate, variance: test.se ** 2 }));
    const half = sequentialHalfWidth(test.se, 2_000, nStar, 0.05);
    expect(adjusted.sequential!.relative!.ci[0]).toBeCloseTo(test.estimate - half, 14);
    expect(adjusted.sequential!.relative!.ci[1]).toBeCloseTo(test.estimate + half, 14);
    expect(adjusted.sequential!.absolute.estimate).toBe(adjusted.absolute!.estimate);
    expect(adjusted.sequential!.absolute.se).toBe(adjusted.absolute!.se);
    // A small true effect (0.8% relative): the plain read-out is unsure, the adjusted one much less so.
    expect(plain.bayesian!.chanceToWin).toBeLessThan(0.95);
    expect(adjusted.bayesian!.chanceToWin).toBeGreaterThan(0.99);
    expect(width(adjusted.sequential!.absolute.ci)).toBeLessThan(0.5 * width(plain.sequential!.absolute.ci));
    // The fixed interval, the sequential one, the p-value and the chance to win tell one story.
    expect(adjusted.relative!.ci[0]).toBeGreaterThan(0);
    expect(adjusted.pValue).toBeLessThan(0.05);
    expect(adjusted.sequential!.relative!.ci[0]).toBeLessThan(adjusted.relative!.ci[0]);
    expect(adjusted.sequential!.relative!.ci[1]).toBeGreaterThan(adjusted.relative!.ci[1]);
  });

  it('on gb-cuped-rel\'s sums: p, chance to win, risk and the sequential interval match figures computed independently with scipy', () => {
    // GrowthBook's regression-adjustment test data (shared reference `gb-cuped-rel`: p = 0.003732549);
    // the Bayesian and sequential figures were computed from the same formulas with numpy/scipy.
    const control: PairSums = { n: 3001, sum: 300, sumSquares: 600, sumY: 210, sumY2: 415, sumXY: -20 };
    const treatment: PairSums = { n: 3000, sum: 222, sumSquares: 555, sumY: 120, sumY2: 405, sumXY: -10 };
    const acc = (s: PairSums): ArmAccumulator => ({ kind: 'pair', moments: pairMomentsFromSums(s) });
    const read = (difference: 'absolute' | 'relative'): ArmComparison => analyzeExperiment({
      design: { ...design, cuped: true, difference, sequential: { nStar: 6_000 }, bayesian: {} },
      unitCounts: { control: 3001, treatment: 3000 },
      metrics: [single('mean', { control: acc(control), treatment: acc(treatment) })],
    }).metrics[0]!.comparisons[0]!;
    const relative = read('relative');
    expect(relative.cuped!.theta).toBeCloseTo(-0.07321194034813545, 12);
    expect(relative.relative!.estimate).toBeCloseTo(-0.2817071538457276, 10);
    expect(relative.relative!.se).toBeCloseTo(0.09710487644510962, 10);
    expect(relative.pValue).toBeCloseTo(0.003732549, 9);
    expect(relative.bayesian!.chanceToWin).toBeCloseTo(0.0018595083560620368, 10);
    expect(relative.bayesian!.risk[0]).toBeCloseTo(5.2407295608642445e-05, 10);
    expect(relative.bayesian!.risk[1]).toBeCloseTo(0.2817595611413362, 10);
    expect(relative.sequential!.relative!.ci[0]).toBeCloseTo(-0.5764406656075978, 10);
    expect(relative.sequential!.relative!.ci[1]).toBeCloseTo(0.013026357916142539, 10);
    expect(relative.sequential!.absolute.ci[0]).toBeCloseTo(-0.061779241828171565, 10);
    expect(relative.sequential!.absolute.ci[1]).toBeCloseTo(0.005456585277876146, 10);
    const absolute = read('absolute');
    expect(absolute.bayesian!.chanceToWin).toBeCloseTo(0.005502217789357036, 10);
    expect(absolute.bayesian!.risk[1]).toBeCloseTo(0.028180768724452476, 10);
  });

  it('with a covariate uncorrelated with the metric, every CUPED figure equals the plain one', () => {
    // Each metric value comes twice, with covariates +1 and −1: the covariance is exactly 0, so θ = 0.
    const arms = simulate('ratio', 1_000, seededRandom(31), (r, treated) => withCovariate(10 + 2 * normal(r) + (treated ? 0.3 : 0), 0));
    const twin = (acc: ArmAccumulator): ArmAccumulator => {
      if (acc.kind !== 'pair') throw new TypeError('expected a pair accumulator');
      const m = acc.moments;
      // The same X moments twice over, with Y = ±1: n doubles, meanX stays, m2X doubles, cXY = 0.
      return { kind: 'pair', moments: { n: 2 * m.n, meanX: m.meanX, meanY: 0, m2X: 2 * m.m2X, m2Y: 2 * m.n, cXY: 0 } };
    };
    const paired = { control: twin(arms['control']!), treatment: twin(arms['treatment']!) };
    const adjusted = analyze(single('mean', paired), { cuped: true, ...everything });
    const plain = analyze(single('mean', paired), everything);
    expect(adjusted.estimator).toBe('cuped');
    const comparison = adjusted.comparisons[0]!;
    expect(comparison.cuped!.theta).toBe(0);
    expect(comparison.cuped!.varianceReduction).toBeCloseTo(0, 12);
    const figures = (c: ArmComparison) => [
      c.absolute!.estimate, c.absolute!.se, c.absolute!.df, c.absolute!.pValue, ...c.absolute!.ci,
      c.relative!.estimate, c.relative!.se, c.relative!.pValue, ...c.relative!.ci, c.pValue!,
      ...c.sequential!.absolute.ci, ...c.sequential!.relative!.ci, c.sequential!.relative!.pValue,
      c.bayesian!.chanceToWin, ...c.bayesian!.risk, ...c.bayesian!.ci,
    ];
    const [a, p] = [figures(comparison), figures(plain.comparisons[0]!)];
    a.forEach((x, i) => expect(x, `figure ${i}`).toBeCloseTo(p[i]!, 10));
  });

  it('CUPED is left out (estimator plain) for ratio metrics, single accumulators and a constant covariate; a non-0/1 covariate of a conversion uses the mean formulas', () => {
    const random = seededRandom(14);
    const ratio = analyze(single('ratio', simulate('ratio', 1_000, random, orders(0.1))), { cuped: true });
    expect(ratio.estimator).toBe('plain');
    expect(ratio.comparisons[0]!.cuped).toBeNull();
    const mixed = { control: simulatePairs(1_000, random, correlated)['control']!, treatment: simulate('mean', 1_000, random, revenue(10, 1))['treatment']! };
    expect(analyze(single('mean', mixed), { cuped: true })).toMatchObject({ estimator: 'plain', comparisons: [{ cuped: null }] });
    expect(analyze(single('mean', simulatePairs(1_000, random, (r, t) => [correlated(r, t)[0], 3])), { cuped: true })).toMatchObject({ estimator: 'plain', comparisons: [{ cuped: null }] });
    const sessions = simulatePairs(1_000, random, (r, t) => {
      const y = Math.floor(5 * r.next());
      return [r.next() < 0.1 + 0.1 * y + (t ? 0.03 : 0) ? 1 : 0, y];
    });
    const conv = analyze(single('conversion', sessions), { cuped: true });
    expect(conv.estimator).toBe('cuped');
    expect(conv.comparisons[0]!.cuped!.metric).toBe('mean');
    expect(conv.comparisons[0]!.cuped!.varianceReduction).toBeGreaterThan(0.1);
  });

  it('a one-sided design gives CUPED\'s one-sided test, as it does the plain one', () => {
    const arms = simulatePairs(1_000, seededRandom(41), slightlyBetter);
    const two = analyze(single('mean', arms), { cuped: true }).comparisons[0]!;
    expect(two.pValue).toBeGreaterThan(1e-6);
    const greater = analyze(single('mean', arms), { cuped: true, alternative: 'greater' }).comparisons[0]!;
    expect(greater.absolute!.ci[1]).toBe(Infinity);
    expect(greater.pValue).toBeCloseTo(two.pValue! / 2, 12);
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
      const metric = single(kind, simulatePairs(500, seededRandom(1_000 + seed), draw));
      const adjusted = analyze(metric, { cuped: true }).comparisons[0]!;
      const plain = analyze(metric).comparisons[0]!;
      const [absolute, relative] = [adjusted.absolute!, adjusted.relative!];
      if (absolute.ci[0] <= trueAbsolute && trueAbsolute <= absolute.ci[1]) covered.absolute++;
      if (relative.ci[0] <= trueRelative && trueRelative <= relative.ci[1]) covered.relative++;
      estimates.push(absolute.estimate);
      widthRatio += width(absolute.ci) / width(plain.absolute!.ci) / runs;
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
