import { describe, expect, it } from 'vitest';
import { seededRandom } from '../common/random.js';
import { sampleStandardNormal } from '../numeric/sampleGamma.js';
import { normalCdf, studentTCdf, studentTPdf } from '../stats/distributions.js';
import { probabilityOfBest } from '../stats/probabilityOfBest.js';
import { countWins, drawsFor, fromWins, monteCarloBest } from './monteCarloBest.js';
import { placementAllocation } from './placementAllocation.js';
import { revenueAllocation, revenueAllocationFrom, revenuePosteriors, revenueSampler, studentTSampler, type RevenueArmCounts, type StudentTPosterior } from './revenueAllocation.js';

const arm = (id: string, impressions: number, conversions: number, revenue: number, revenueM2: number): RevenueArmCounts => ({ id, impressions, conversions, revenue, revenueM2 });

describe('revenuePosteriors (Beta conversion rate × Student-t mean value, value prior pooled over the conversions)', () => {
  // Conversions: a has values 4 and 6 (mean 5, M2 2), b has 10 (M2 0). Pooled: n 3, mean 20/3,
  // M2 = 2 + 0 + (10 − 5)²·2·1/3 = 56/3, variance (β₀) 56/9.
  // a: κ = 3, location (20/3 + 10) / 3 = 50/9, α = 2, β = 56/9 + 1 + 2·(5 − 20/3)²/6 = 65/9 + 25/27 = 220/27.
  // b: κ = 2, location (20/3 + 10) / 2 = 25/3, α = 1.5, β = 56/9 + (10 − 20/3)²/4 = 56/9 + 25/9 = 9.
  it.each([
    { id: 'a', rate: { alpha: 3, beta: 9 }, value: { location: 50 / 9, scale: Math.sqrt(220 / 27 / 6), degreesOfFreedom: 4 } },
    { id: 'b', rate: { alpha: 2, beta: 20 }, value: { location: 25 / 3, scale: Math.sqrt(9 / 3), degreesOfFreedom: 3 } },
  ])('arm $id: worked by hand', ({ id, rate, value }) => {
    const p = revenuePosteriors([arm('a', 10, 2, 10, 2), arm('b', 20, 1, 10, 0)]).get(id)!;
    expect(p.conversionRate).toEqual(rate);
    expect(p.meanValue.location).toBeCloseTo(value.location, 12);
    expect(p.meanValue.scale).toBeCloseTo(value.scale, 12);
    expect(p.meanValue.degreesOfFreedom).toBe(value.degreesOfFreedom);
    expect(p.mean).toBeCloseTo((rate.alpha / (rate.alpha + rate.beta)) * value.location, 12);
  });

  it('clamps conversions to impressions for the rate, and ranks by rate alone before any conversion', () => {
    expect(revenuePosteriors([arm('a', 1, 3, 30, 8)]).get('a')!.conversionRate).toEqual({ alpha: 2, beta: 1 });
    const none = revenuePosteriors([arm('a', 10, 0, 0, 0), arm('b', 3, 0, 0, 0)]);
    expect(none.get('a')!.meanValue).toEqual({ location: 1, scale: 0, degreesOfFreedom: 2 });
  });

  it('tends to the sample mean and s²/n of the values with many conversions', () => {
    const p = revenuePosteriors([arm('a', 100_000, 5000, 250_000, 5000 * 400), arm('b', 100_000, 4000, 240_000, 4000 * 900)]).get('a')!;
    expect(p.meanValue.location).toBeCloseTo(50, 1);
    expect(p.meanValue.scale / Math.sqrt(400 / 5000)).toBeCloseTo(1, 2);
    expect(p.mean).toBeCloseTo(2.5, 2);
  });
});

describe('monteCarloBest', () => {
  const target = 0.005;
  const draws = drawsFor(target);

  it('takes 10,000 draws for a standard error of at most 0.005', () => {
    expect(draws).toBe(10_000);
  });

  // Two normal arms: P(X > Y) = Φ((μx − μy) / sqrt(σx² + σy²)), the closed form.
  it.each([
    { x: [1, 1], y: [0, 1] },
    { x: [0.5, 0.2], y: [0.45, 0.1] },
    { x: [10, 3], y: [12, 1] },
    { x: [0, 1], y: [0, 1] },
    { x: [2.2, 0.5], y: [0.4, 0.6] },
  ] as const)('two normals N($x) vs N($y): within 4 stated standard errors (and ≤ 0.02) of the closed form', ({ x, y }) => {
    const exact = normalCdf((x[0] - y[0]) / Math.hypot(x[1], y[1]));
    const normal = (mean: number, sd: number) => (r: { next(): number }) => mean + sd * sampleStandardNormal(r);
    const { probabilities, precision } = monteCarloBest([normal(x[0], x[1]), normal(y[0], y[1])], draws, seededRandom(11));
    expect(precision.draws).toBe(10_000);
    expect(precision.standardError).toBeLessThanOrEqual(target);
    expect(Math.abs(probabilities[0]! - exact)).toBeLessThanOrEqual(Math.max(4 * precision.standardError, 1e-9));
    expect(probabilities[0]! + probabilities[1]!).toBeCloseTo(1, 12);
  });

  it('three Student-t arms: agrees with quadrature of their densities within 4 standard errors', () => {
    const posteriors: StudentTPosterior[] = [
      { location: 1, scale: 0.5, degreesOfFreedom: 6 },
      { location: 1.3, scale: 0.8, degreesOfFreedom: 4 },
      { location: 0.6, scale: 0.3, degreesOfFreedom: 30 },
    ];
    const quadrature = probabilityOfBest(posteriors.map((p) => ({
      mean: p.location,
      sd: p.scale * Math.sqrt(p.degreesOfFreedom / (p.degreesOfFreedom - 2)),
      density: (v: number) => studentTPdf((v - p.location) / p.scale, p.degreesOfFreedom) / p.scale,
      cdf: (v: number) => studentTCdf((v - p.location) / p.scale, p.degreesOfFreedom),
    })), Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 40);
    const { probabilities, precision } = monteCarloBest(posteriors.map(studentTSampler), 40_000, seededRandom(5));
    for (const [k, p] of quadrature.entries()) expect(Math.abs(probabilities[k]! - p)).toBeLessThan(4 * precision.standardError);
  });
});

describe('revenueAllocation', () => {
  const arms = [arm('a', 400, 20, 1000, 20 * 100), arm('b', 400, 16, 1200, 16 * 400), arm('c', 50, 1, 30, 0)];

  it('states its precision, keeps the floor, and its shares sum to 1', () => {
    const allocation = revenueAllocation(arms, { minExplorationShare: 0.05, random: seededRandom(3) });
    expect(allocation.monteCarlo).toEqual({ draws: 10_000, standardError: expect.any(Number) as number });
    expect(allocation.monteCarlo!.standardError).toBeLessThanOrEqual(0.005);
    const shares = [...allocation.shares.values()];
    expect(shares.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    for (const s of shares) expect(s).toBeGreaterThanOrEqual(0.05 - 1e-12);
    expect(allocation.bestProbabilities.get('b')!).toBeGreaterThan(allocation.bestProbabilities.get('a')!);
  });

  it('is reproducible from the seed and does not depend on the unit of revenue', () => {
    const inCents = arms.map((a) => ({ ...a, revenue: a.revenue * 100, revenueM2: a.revenueM2 * 10_000 }));
    const once = revenueAllocation(arms, { minExplorationShare: 0, random: seededRandom(9) });
    expect(revenueAllocation(arms, { minExplorationShare: 0, random: seededRandom(9) }).shares).toEqual(once.shares);
    const cents = revenueAllocation(inCents, { minExplorationShare: 0, random: seededRandom(9) });
    for (const [id, share] of once.shares) expect(cents.shares.get(id)).toBeCloseTo(share, 9);
  });

  it('with one price for everything, P(best) is the conversion arms\' exact P(best) within 4 standard errors', () => {
    const fixed = [arm('a', 120, 9, 9 * 25, 0), arm('b', 100, 12, 12 * 25, 0)];
    const exact = placementAllocation(fixed.map((a) => ({ id: a.id, trials: a.impressions, successes: a.conversions })), { minExplorationShare: 0 }).bestProbabilities;
    const estimate = revenueAllocation(fixed, { minExplorationShare: 0, random: seededRandom(4) });
    for (const [id, p] of exact) expect(Math.abs(estimate.bestProbabilities.get(id)! - p)).toBeLessThan(4 * estimate.monteCarlo!.standardError);
  });

  it('splits ties evenly: values of 0 everywhere leave every arm the same chance', () => {
    const zero = revenueAllocation([arm('a', 10, 1, 0, 0), arm('b', 10, 1, 0, 0), arm('c', 10, 1, 0, 0)], { minExplorationShare: 0, random: seededRandom(1) });
    for (const p of zero.bestProbabilities.values()) expect(Math.abs(p - 1 / 3)).toBeLessThan(4 * zero.monteCarlo!.standardError);
  });

  it('gives a single arm everything, exactly', () => {
    const single = revenueAllocation([arm('a', 10, 1, 5, 0)], { minExplorationShare: 0.01, random: seededRandom(1) });
    expect(single.shares.get('a')).toBe(1);
    expect(single.monteCarlo).toBeNull();
    expect(revenueAllocation([], { minExplorationShare: 0.01, random: seededRandom(1) }).shares.size).toBe(0);
  });

  it('draws more for a tighter target', () => {
    const allocation = revenueAllocation(arms, { minExplorationShare: 0, random: seededRandom(2), targetStandardError: 0.002 });
    expect(allocation.monteCarlo!.draws).toBe(62_500);
    expect(allocation.monteCarlo!.standardError).toBeLessThanOrEqual(0.002);
  });
});

describe('countWins and revenueAllocationFrom (Monte Carlo in slices)', () => {
  it('give the same allocation as one call when the slices draw from the same generator', () => {
    const arms = [arm('a', 300, 15, 600, 15 * 64), arm('b', 200, 8, 480, 8 * 100), arm('c', 100, 3, 90, 3 * 25)];
    const whole = revenueAllocation(arms, { minExplorationShare: 0.02, random: seededRandom(21) });
    const posteriors = revenuePosteriors(arms);
    const samplers = arms.map((a) => revenueSampler(posteriors.get(a.id)!));
    const random = seededRandom(21);
    const wins = [0, 0, 0];
    for (let done = 0; done < 10_000; done += 1666) countWins(samplers, Math.min(1666, 10_000 - done), random, wins);
    expect(revenueAllocationFrom(arms, posteriors, fromWins(wins), 0.02)).toEqual(whole);
  });
});
