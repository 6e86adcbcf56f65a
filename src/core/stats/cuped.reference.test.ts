/**
 * CUPED and best-arm spec tests against ../shared/reference/stats-reference-cases.json (located
 * and skipped as in stats.reference.test.ts: set ATTUNE_SHARED_DIR to point elsewhere). Each
 * value must agree to the digits given: within the case's `tol` when it has one, else half a
 * unit in the last decimal place shown. Also seeded simulations: CUPED's variance reduction
 * is about ρ², and CUPED with θ = 0 is the plain Welch test.
 */
import { describe, expect, it } from 'vitest';
import { anchors, derived, expectDigits, num, numbers, obj, referencePresent as present, referenceSuite, type Obj } from './testing/statsReference.js';
import { seededRandom, type Random } from '../common/random.js';
import { addPair, emptyPairMoments, meanSummary, proportionSummary, type PairMoments, type PairSums } from './SufficientStats.js';
import { betaBernoulliProbBBeatsA, betaPosterior, bestArmProbabilities } from './bestArm.js';
import { cupedTest, pooledTheta } from './cuped.js';
import { normalCdf } from './distributions.js';
import { welchTTest, type Difference } from './frequentist.js';

const suite = referenceSuite('stats-reference-cases.json: CUPED and best arm');

function derivedCases(id: string): Obj[] {
  if (!present) return [];
  return derived(id)['cases'] as Obj[];
}

/** X = post metric, Y = pre covariate. */
function cupedArm(a: Obj): PairSums {
  return {
    n: num(a, 'n'), sum: num(a, 'post_sum'), sumSquares: num(a, 'post_sum_squares'),
    sumY: num(a, 'pre_sum'), sumY2: num(a, 'pre_sum_squares'), sumXY: num(a, 'post_pre_sum_product'),
  };
}
function sumsOf(m: PairMoments): PairSums {
  return {
    n: m.n, sum: m.meanX * m.n, sumSquares: m.m2X + m.n * m.meanX ** 2,
    sumY: m.meanY * m.n, sumY2: m.m2Y + m.n * m.meanY ** 2, sumXY: m.cXY + m.n * m.meanX * m.meanY,
  };
}

describe.skipIf(!present)(suite, () => {
  describe('CUPED (pooled theta, GrowthBook regression adjustment)', () => {
    it.each(anchors(['gb-theta']))('%s', (_id, c) => {
      const pre = numbers(c.input, 'pre_values_each_arm');
      const post = numbers(c.input, 'post_values_each_arm');
      let m = emptyPairMoments;
      post.forEach((y, i) => { m = addPair(m, y, pre[i]!); });
      const arm = sumsOf(m);
      expect(num(c.input, 'arms')).toBe(2);
      expectDigits(pooledTheta(arm, arm), c.expected['theta'], c.tol);
    });

    it.each(anchors(['gb-cuped-rel']))('%s', (_id, c) => {
      const control = cupedArm(obj(c.input, 'control'));
      const treatment = cupedArm(obj(c.input, 'treatment'));
      const r = cupedTest(control, treatment, { difference: 'relative' });
      expectDigits(r.theta, c.expected['theta'], c.tol);
      expectDigits(r.control.postMean, c.expected['control_mean_unadjusted'], c.tol);
      expectDigits(r.treatment.postMean, c.expected['treatment_mean'], c.tol);
      expectDigits(r.estimate, c.expected['estimate'], c.tol);
      expectDigits(r.pValue, c.expected['p'], c.tol);
    });
  });

  describe('best-arm-gaussian: P(arm k best) by quadrature', () => {
    it.each(derivedCases('best-arm-gaussian').map((c) => [JSON.stringify(c['means']), c] as const))('means %s', (_name, c) => {
      const means = numbers(c, 'means');
      const sds = numbers(c, 'sds');
      const p = bestArmProbabilities(means.map((mean, i) => ({ mean, sd: sds[i]! })));
      const want = numbers(c, 'p');
      expect(p).toHaveLength(want.length);
      p.forEach((value, i) => expectDigits(value, want[i]));
      expect(Math.abs(p.reduce((s, x) => s + x, 0) - 1)).toBeLessThan(1e-10);
    });
  });

  describe('beta-bernoulli-p-b-beats-a: exact closed form, Beta(1, 1) prior', () => {
    it.each(derivedCases('beta-bernoulli-p-b-beats-a').map((c) => [`${JSON.stringify(c['a'])} vs ${JSON.stringify(c['b'])}`, c] as const))('%s', (_name, c) => {
      const [sa, na] = numbers(c, 'a');
      const [sb, nb] = numbers(c, 'b');
      const a = betaPosterior(sa!, na!);
      const b = betaPosterior(sb!, nb!);
      const p = betaBernoulliProbBBeatsA(a, b);
      expectDigits(p, c['p']);
      expect(Math.abs(p + betaBernoulliProbBBeatsA(b, a) - 1)).toBeLessThan(1e-10);
    });
  });
});

function gaussian(random: Random): number {
  const u = 1 - random.next(); // (0, 1]
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

/** An arm of n units with pre x ~ N(0, 1) and post y = base + ρx + √(1 − ρ²)·e. */
function simulateArm(random: Random, n: number, base: number, rho: number): PairSums {
  let m = emptyPairMoments;
  for (let i = 0; i < n; i++) {
    const x = gaussian(random);
    m = addPair(m, base + rho * x + Math.sqrt(1 - rho * rho) * gaussian(random), x);
  }
  return sumsOf(m);
}

describe('CUPED (seeded simulations and identities)', () => {
  it.each([
    [0.8, 'absolute'], [0.8, 'relative'], [0.5, 'absolute'], [0.5, 'relative'], [0, 'absolute'],
  ] as [number, Difference][])('rho %s, %s: the interval narrows by about sqrt(1 - rho^2)', (rho, difference) => {
    const random = seededRandom(20_260_401 + Math.round(rho * 10));
    const control = simulateArm(random, 4000, 10, rho);
    const treatment = simulateArm(random, 4000, 10.2, rho);
    const r = cupedTest(control, treatment, { difference });
    const plain = welchTTest(meanSummary(control), meanSummary(treatment), { difference });
    const ratio = (r.se / plain.se) ** 2;
    expect(Math.abs(ratio - (1 - rho * rho)), `variance ratio ${ratio}`).toBeLessThan(0.03);
    expect(Math.abs(r.varianceReduction - (1 - ratio))).toBeLessThan(1e-9);
    expect(r.ci[1] - r.ci[0]).toBeLessThanOrEqual(plain.ci[1] - plain.ci[0] + 1e-12);
    expect(Math.abs(r.theta - rho)).toBeLessThan(0.05);
  });

  it('across seeded replications the adjusted interval keeps its coverage', () => {
    const random = seededRandom(7_700);
    let covered = 0;
    const runs = 300;
    for (let i = 0; i < runs; i++) {
      const r = cupedTest(simulateArm(random, 300, 5, 0.7), simulateArm(random, 300, 5.5, 0.7), { difference: 'absolute' });
      if (r.ci[0] <= 0.5 && 0.5 <= r.ci[1]) covered++;
    }
    expect(covered / runs).toBeGreaterThan(0.91);
    expect(covered / runs).toBeLessThan(0.99);
  });

  it.each(['absolute', 'relative'] as Difference[])('theta = 0 is the plain Welch test (%s)', (difference) => {
    const random = seededRandom(99);
    const control = simulateArm(random, 500, 3, 0.6);
    const treatment = simulateArm(random, 450, 3.3, 0.6);
    const r = cupedTest(control, treatment, { difference, theta: 0, alternative: 'greater' });
    const plain = welchTTest(meanSummary(control), meanSummary(treatment), { difference, alternative: 'greater' });
    expect(r.estimate).toBeCloseTo(plain.estimate, 12);
    expect(r.se).toBeCloseTo(plain.se, 12);
    expect(r.df).toBeCloseTo(plain.df, 6);
    expect(r.pValue).toBeCloseTo(plain.pValue, 12);
    expect(r.varianceReduction).toBe(0);
  });

  it('proportions: theta = 0 is the plain Welch test on p(1 - p) variances', () => {
    const control: PairSums = { n: 1000, sum: 120, sumSquares: 120, sumY: 100, sumY2: 100, sumXY: 60 };
    const treatment: PairSums = { n: 1000, sum: 150, sumSquares: 150, sumY: 110, sumY2: 110, sumXY: 70 };
    const r = cupedTest(control, treatment, { metric: 'proportion', theta: 0 });
    const plain = welchTTest(proportionSummary(control), proportionSummary(treatment));
    expect(r.pValue).toBeCloseTo(plain.pValue, 12);
    const adjusted = cupedTest(control, treatment, { metric: 'proportion' });
    expect(adjusted.theta).toBeGreaterThan(0);
    expect(adjusted.se).toBeLessThan(plain.se);
  });

  it('throws RangeError on invalid input', () => {
    const arm: PairSums = { n: 1, sum: 1, sumSquares: 1, sumY: 1, sumY2: 1, sumXY: 1 };
    const ok: PairSums = { n: 10, sum: 5, sumSquares: 5, sumY: 4, sumY2: 4, sumXY: 2 };
    expect(() => cupedTest(arm, ok)).toThrow(RangeError);
    expect(() => cupedTest(ok, ok, { alpha: 1 })).toThrow(RangeError);
    expect(() => cupedTest({ ...ok, sum: 0, sumSquares: 0, sumXY: 0 }, ok)).toThrow(RangeError);
    expect(() => bestArmProbabilities([{ mean: 0, sd: 0 }])).toThrow(RangeError);
    expect(() => betaBernoulliProbBBeatsA({ alpha: 1.5, beta: 1 }, { alpha: 2.5, beta: 1 })).toThrow(RangeError);
  });

  it('best arm: two arms agree with the closed form Φ((μ_B − μ_A)/√(σ_A² + σ_B²))', () => {
    const [pa, pb] = bestArmProbabilities([{ mean: 1, sd: 0.3 }, { mean: 1.2, sd: 0.4 }]);
    expect(pb).toBeCloseTo(normalCdf(0.2 / 0.5), 10);
    expect(pa! + pb!).toBeCloseTo(1, 10);
  });
});
