import { describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../common/random.js';
import cases from './stats.cases.json' with { type: 'json' };
import {
  addObservation, addPair, emptyMoments, emptyPairMoments, meanSummary, mergeMoments, mergePairMoments, momentsFromSums,
  pairMomentsFromSums, proportionSummary, ratioSummary, sampleVariance, sumsFromMoments, type ArmSummary, type Moments, type PairMoments,
} from './SufficientStats.js';
import { bayesianTest, normalPosteriorSummary } from './bayesian.js';
import { chiSquareSf, logGamma, normalCdf, normalQuantile, studentTCdf, studentTQuantile } from './distributions.js';
import { welchTTest, type Difference } from './frequentist.js';
import { benjaminiHochbergAdjust, holmAdjust } from './multipleTesting.js';
import { minimumDetectableEffect, power, sampleSizePerArm } from './power.js';
import { sequentialTest } from './sequential.js';
import { sampleRatioMismatch } from './srm.js';

/** Agreement to about 11 significant digits (the cases give 12). */
function expectClose(actual: number, expected: number): void {
  const scale = Math.max(Math.abs(expected), 1e-300);
  expect(Math.abs(actual - expected) / scale, `${actual} vs ${expected}`).toBeLessThan(1e-10);
}
function expectNear(actual: number, expected: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThan(1e-10 * Math.max(1, Math.abs(expected)));
}

describe('distributions (stats.cases.json, scipy values)', () => {
  it.each(cases.normalCdf as [string, number, number][])('%s', (_n, x, want) => expectClose(normalCdf(x), want));
  it.each(cases.normalQuantile as [string, number, number][])('%s', (_n, p, want) => expectNear(normalQuantile(p), want));
  it.each(cases.studentTCdf as [string, number, number, number][])('%s', (_n, t, df, want) => expectClose(studentTCdf(t, df), want));
  it.each(cases.studentTQuantile as [string, number, number, number][])('%s', (_n, p, df, want) => expectNear(studentTQuantile(p, df), want));
  it.each(cases.chiSquareSf as [string, number, number, number][])('%s', (_n, x, df, want) => expectClose(chiSquareSf(x, df), want));

  it('quantiles invert the distribution functions', () => {
    for (const p of [1e-9, 0.001, 0.02425, 0.3, 0.5, 0.77, 0.97575, 0.999]) {
      expectNear(normalCdf(normalQuantile(p)), p);
      for (const df of [1, 2.5, 7, 40, 1e4]) expectNear(studentTCdf(studentTQuantile(p, df), df), p);
    }
  });
  it('the t distribution tends to the normal', () => {
    expect(studentTQuantile(0.975, Infinity)).toBe(normalQuantile(0.975));
    expect(Math.abs(studentTQuantile(0.975, 1e7) - normalQuantile(0.975))).toBeLessThan(1e-6);
  });
  it('log-gamma at known points', () => {
    expectNear(logGamma(1), 0);
    expectNear(logGamma(0.5), 0.5 * Math.log(Math.PI));
    expectNear(logGamma(10), Math.log(362880));
  });
  it('rejects arguments outside the domain', () => {
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
    expect(() => studentTCdf(1, 0)).toThrow(RangeError);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(studentTQuantile(1, 3)).toBe(Infinity);
  });
});

describe('SufficientStats', () => {
  const data = (random: Random, n: number, offset: number): number[] => Array.from({ length: n }, () => offset + random.next() * 10);
  const welford = (xs: number[]): Moments => xs.reduce(addObservation, emptyMoments);

  it('mean and variance from sums, n − 1 denominator', () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, Σ(x − 5)² = 32, variance 32/7.
    expect(meanSummary({ n: 8, sum: 40, sumSquares: 232 })).toEqual({ n: 8, mean: 5, variance: 32 / 7 });
    expect(welford([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ n: 8, mean: 5, m2: 32 });
    expect(proportionSummary({ n: 4, sum: 1 })).toEqual({ n: 4, mean: 0.25, variance: 0.1875 });
    expect(sampleVariance({ n: 1, mean: 3, m2: 0 })).toBeNaN();
  });

  it('merging (Chan et al.) equals computing over the union, in any split', () => {
    const xs = data(seededRandom(7), 1000, 0);
    const whole = welford(xs);
    for (const cut of [0, 1, 333, 999, 1000]) {
      const merged = mergeMoments(welford(xs.slice(0, cut)), welford(xs.slice(cut)));
      expect(merged.n).toBe(whole.n);
      expectNear(merged.mean, whole.mean);
      expectNear(merged.m2, whole.m2);
    }
    const sums = sumsFromMoments(whole);
    expectNear(momentsFromSums(sums).m2, whole.m2);
  });

  it('keeps precision where sum of squares minus sum²/n cancels', () => {
    // Values near 1e9 with variance 1: plain sums lose every digit, centred moments do not.
    const xs = [1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4];
    const halves = mergeMoments(welford(xs.slice(0, 2)), welford(xs.slice(2)));
    expect(sampleVariance(halves)).toBeCloseTo(5 / 3, 9);
  });

  it('pair moments merge and give the covariance and the ratio variance', () => {
    const random = seededRandom(11);
    const pairs = Array.from({ length: 500 }, () => { const y = 1 + random.next(); return [y * 3 + random.next(), y] as const; });
    const all = pairs.reduce<PairMoments>((m, [x, y]) => addPair(m, x, y), emptyPairMoments);
    const merged = mergePairMoments(
      pairs.slice(0, 200).reduce<PairMoments>((m, [x, y]) => addPair(m, x, y), emptyPairMoments),
      pairs.slice(200).reduce<PairMoments>((m, [x, y]) => addPair(m, x, y), emptyPairMoments),
    );
    const sums = { n: 500, sum: 0, sumSquares: 0, sumY: 0, sumY2: 0, sumXY: 0 };
    for (const [x, y] of pairs) { sums.sum += x; sums.sumSquares += x * x; sums.sumY += y; sums.sumY2 += y * y; sums.sumXY += x * y; }
    const fromSums = pairMomentsFromSums(sums);
    for (const m of [merged, fromSums]) {
      expectNear(m.meanX, all.meanX);
      expectNear(m.cXY, all.cXY);
      expectNear(m.m2Y, all.m2Y);
    }
    expectNear(ratioSummary(sums).mean, all.meanX / all.meanY);
    // A constant denominator reduces the ratio variance to var_x/μ_y².
    const constant = ratioSummary({ n: 3, sum: 6, sumSquares: 14, sumY: 6, sumY2: 12, sumXY: 12 });
    expectNear(constant.variance, 1 / 4);
  });

  it('the ratio variance is never negative: units with one and the same ratio cancel to 0, not to a rounding error below it', () => {
    // Orders of 17.3 each, one or two per unit: every unit's revenue / orders is 17.3 (unclamped, -5.7e-14).
    let m: PairMoments = { n: 0, meanX: 0, meanY: 0, m2X: 0, m2Y: 0, cXY: 0 };
    for (let i = 0; i < 11; i++) {
      const orders = 1 + (i % 2);
      m = addPair(m, 17.3 * orders, orders);
    }
    const summary = ratioSummary({
      n: m.n, sum: m.n * m.meanX, sumSquares: m.m2X + m.n * m.meanX ** 2,
      sumY: m.n * m.meanY, sumY2: m.m2Y + m.n * m.meanY ** 2, sumXY: m.cXY + m.n * m.meanX * m.meanY,
    });
    expectNear(summary.mean, 17.3);
    expect(summary.variance).toBeGreaterThanOrEqual(0);
    expect(summary.variance).toBeLessThan(1e-9);
  });
});

describe('welchTTest (stats.cases.json)', () => {
  type Expected = { estimate: number; se: number; df: number; p: number; ci: number[] };
  it.each(cases.welch as [string, ArmSummary, ArmSummary, Difference, Expected][])('%s', (_n, control, treatment, difference, want) => {
    const r = welchTTest(control, treatment, { difference });
    expectNear(r.estimate, want.estimate);
    expectClose(r.se, want.se);
    expectNear(r.df, want.df);
    expectClose(r.pValue, want.p);
    expectNear(r.ci[0], want.ci[0]!);
    expectNear(r.ci[1], want.ci[1]!);
  });

  it('one-sided tests split the two-sided p-value', () => {
    const control = { n: 50, mean: 10, variance: 9 };
    const treatment = { n: 60, mean: 11, variance: 16 };
    const two = welchTTest(control, treatment, { difference: 'absolute' });
    const greater = welchTTest(control, treatment, { difference: 'absolute', alternative: 'greater' });
    const less = welchTTest(control, treatment, { difference: 'absolute', alternative: 'less' });
    expectNear(greater.pValue, two.pValue / 2);
    expectNear(less.pValue, 1 - two.pValue / 2);
    expect(greater.ci[1]).toBe(Infinity);
    expect(less.ci[0]).toBe(-Infinity);
    expect(greater.ci[0]).toBeGreaterThan(two.ci[0]);
  });

  it('rejects what it cannot test', () => {
    expect(() => welchTTest({ n: 1, mean: 1, variance: 0 }, { n: 5, mean: 1, variance: 1 })).toThrow(/n >= 2/);
    expect(() => welchTTest({ n: 5, mean: 0, variance: 1 }, { n: 5, mean: 1, variance: 1 })).toThrow(/control mean is 0/);
    expect(welchTTest({ n: 5, mean: 2, variance: 0 }, { n: 5, mean: 2, variance: 0 })).toMatchObject({ estimate: 0, pValue: 1 });
  });
});

describe('multiple testing (stats.cases.json)', () => {
  it.each(cases.holm as [string, number[], number[]][])('Holm: %s', (_n, p, want) => {
    holmAdjust(p).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
  });
  it.each(cases.benjaminiHochberg as [string, number[], number[]][])('Benjamini-Hochberg: %s', (_n, p, want) => {
    benjaminiHochbergAdjust(p).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
  });
  it('an empty family stays empty', () => {
    expect(holmAdjust([])).toEqual([]);
    expect(benjaminiHochbergAdjust([])).toEqual([]);
  });
});

describe('sampleRatioMismatch (stats.cases.json)', () => {
  type Expected = { chiSquare: number; p: number; mismatch: boolean };
  it.each(cases.srm as [string, number[], number[], Expected][])('%s', (_n, users, weights, want) => {
    const r = sampleRatioMismatch(users, weights);
    expectNear(r.chiSquare, want.chiSquare);
    expectClose(r.pValue, want.p);
    expect(r.mismatch).toBe(want.mismatch);
  });
  it('an arm with weight 0 that received users is a mismatch', () => {
    expect(sampleRatioMismatch([10, 10, 1], [1, 1, 0]).mismatch).toBe(true);
    expect(sampleRatioMismatch([10, 10, 0], [1, 1, 0]).df).toBe(1);
  });
});

describe('power', () => {
  it.each(cases.sampleSizePerArm as [string, { mde: number; varianceControl: number }, number][])('sample size: %s', (_n, input, want) => {
    expect(sampleSizePerArm(input)).toBe(want);
  });
  it('power at the MDE is the target power, and sequential testing needs a larger effect', () => {
    for (const difference of ['absolute', 'relative'] as const) {
      const design = { mean: 5, variance: 30, nPerArm: 20_000, difference };
      const mde = minimumDetectableEffect(design, 0.8);
      // The MDE ignores the opposite tail (as GrowthBook does), which adds about 1e-6 here.
      expect(power(design, mde)).toBeCloseTo(0.8, 5);
      expect(minimumDetectableEffect({ ...design, sequentialNStar: 40_000 }, 0.8)).toBeGreaterThan(mde);
    }
    expect(minimumDetectableEffect({ mean: 1, variance: 1e6, nPerArm: 10 })).toBeNaN();
  });
});

describe('sequential and bayesian', () => {
  const control = { n: 5000, mean: 10, variance: 100 };
  const treatment = { n: 5000, mean: 10.5, variance: 100 };
  it('the always-valid interval contains the fixed-horizon one', () => {
    const fixed = welchTTest(control, treatment);
    const seq = sequentialTest(control, treatment, { nStar: 10_000 });
    expect(seq.ci[0]).toBeLessThan(fixed.ci[0]);
    expect(seq.ci[1]).toBeGreaterThan(fixed.ci[1]);
    expect(seq.pValue).toBeGreaterThan(fixed.pValue);
  });
  it('with a flat prior the posterior is the sampling distribution; risks differ by the mean', () => {
    const r = bayesianTest(control, treatment, { difference: 'absolute' });
    expectNear(r.expected, 0.5);
    expectNear(r.sd, 0.2);
    expectClose(r.chanceToWin, normalCdf(2.5));
    expectNear(r.risk[0] - r.risk[1], r.expected);
    expect(normalPosteriorSummary(0, 1).chanceToWin).toBe(0.5);
  });
});

/** A standard normal draw by Box–Muller from the seeded generator. */
function gaussian(random: Random): number {
  const u = 1 - random.next(); // (0, 1]
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

describe('coverage of 95% Welch intervals (1,000 seeded simulations)', () => {
  function coverage(difference: Difference, truth: number, draw: (random: Random, arm: 'c' | 't') => number): number {
    const random = seededRandom(20_260_322);
    let covered = 0;
    for (let run = 0; run < 1000; run++) {
      const arms = (['c', 't'] as const).map((a) => {
        let m = emptyMoments;
        const n = a === 'c' ? 150 : 250;
        for (let i = 0; i < n; i++) m = addObservation(m, draw(random, a));
        return { n: m.n, mean: m.mean, variance: sampleVariance(m) };
      });
      const { ci } = welchTTest(arms[0]!, arms[1]!, { difference, alpha: 0.05 });
      if (ci[0] <= truth && truth <= ci[1]) covered++;
    }
    return covered / 1000;
  }
  it('absolute effect 0.3 with unequal variances and sizes', () => {
    const rate = coverage('absolute', 0.3, (r, a) => (a === 'c' ? 1 + gaussian(r) : 1.3 + 2 * gaussian(r)));
    expect(rate).toBeGreaterThanOrEqual(0.93);
    expect(rate).toBeLessThanOrEqual(0.97);
  });
  it('relative effect +5% (delta method)', () => {
    const rate = coverage('relative', 0.05, (r, a) => (a === 'c' ? 10 + 2 * gaussian(r) : 10.5 + 3 * gaussian(r)));
    expect(rate).toBeGreaterThanOrEqual(0.93);
    expect(rate).toBeLessThanOrEqual(0.97);
  });
});
