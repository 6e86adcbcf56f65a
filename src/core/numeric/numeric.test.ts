import { describe, expect, it } from 'vitest';
import { hyp2f1 } from './hyp2f1.js';
import { logBeta, logGamma } from './logBeta.js';
import { nelderMead } from './nelderMead.js';
import { sampleBeta, sampleGamma } from './sampleGamma.js';
import { seededRandom } from '../common/random.js';
import cases from './numeric.cases.json' with { type: 'json' };

// Expected values: closed forms, checked against C's lgamma (Python's math.lgamma).
describe('logGamma is accurate enough for the CLV likelihoods', () => {
  it.each(cases.logGamma as [string, number, number][])('%s', (_name, x, expected) => {
    expect(Math.abs(logGamma(x) - expected)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(expected)));
  });

  it('differences of nearby values keep their precision (the BG/NBD terms ln Γ(r + x) - ln Γ(r))', () => {
    // ln Γ(r + 3) - ln Γ(r) = ln(r (r + 1) (r + 2)) exactly.
    const r = 0.2426;
    expect(logGamma(r + 3) - logGamma(r)).toBeCloseTo(Math.log(r * (r + 1) * (r + 2)), 13);
  });

  it('logBeta', () => {
    expect(logBeta(1, 1)).toBeCloseTo(0, 14);
    expect(logBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 14);
    expect(logBeta(0.5, 0.5)).toBeCloseTo(Math.log(Math.PI), 14);
  });
});

describe('hyp2f1', () => {
  it.each(cases.hyp2f1 as [string, number, number, number, number, number][])('%s', (_name, a, b, c, z, expected) => {
    expect(Math.abs(hyp2f1(a, b, c, z) - expected)).toBeLessThanOrEqual(1e-13 * Math.abs(expected));
  });

  it('agrees with its Euler transformation', () => {
    const [a, b, c, z] = [2.1, 3.4, 4.2, 0.8];
    expect(hyp2f1(a, b, c, z)).toBeCloseTo((1 - z) ** (c - a - b) * hyp2f1(c - a, c - b, c, z), 10);
  });

  it('rejects |z| >= 1 and c a non-positive integer', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, -1, 0.5)).toThrow(RangeError);
  });
});

describe('nelderMead', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const rosenbrock = ([x, y]: readonly number[]) => 100 * (y! - x! ** 2) ** 2 + (1 - x!) ** 2;
    const result = nelderMead(rosenbrock, [-1.2, 1], { maxEvaluations: 5000 });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 5);
    expect(result.x[1]).toBeCloseTo(1, 5);
    expect(result.value).toBeLessThan(1e-10);
  });

  it('finds a 4-parameter quadratic minimum, and walks away from undefined values', () => {
    const target = [0.5, -1, 2, 3];
    const f = (x: readonly number[]) => (x[0]! < -5 ? NaN : x.reduce((s, xi, i) => s + (i + 1) * (xi - target[i]!) ** 2, 0));
    const result = nelderMead(f, [0, 0, 0, 0]);
    expect(result.converged).toBe(true);
    result.x.forEach((xi, i) => expect(xi).toBeCloseTo(target[i]!, 4));
  });

  it('reports a budget that ran out', () => {
    const result = nelderMead(([x, y]) => (x! - 3) ** 2 + (y! - 3) ** 2, [0, 0], { maxEvaluations: 10 });
    expect(result.converged).toBe(false);
    expect(result.evaluations).toBeLessThanOrEqual(12);
  });
});

describe('sampleGamma and sampleBeta', () => {
  it.each([[0.3], [1], [4.5]])('Gamma(%d): mean and variance of 40,000 draws near the shape', (shape) => {
    const random = seededRandom(11);
    const draws = Array.from({ length: 40_000 }, () => sampleGamma(shape, random));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    const variance = draws.reduce((s, x) => s + (x - mean) ** 2, 0) / (draws.length - 1);
    // Standard errors: sqrt(shape / n) for the mean; the variance's is looser, 5% is several of them.
    expect(Math.abs(mean - shape)).toBeLessThan(4 * Math.sqrt(shape / draws.length));
    expect(Math.abs(variance / shape - 1)).toBeLessThan(0.05);
    expect(draws.every((x) => x > 0)).toBe(true);
  });

  it('Beta(a, b) has mean a / (a + b)', () => {
    const random = seededRandom(12);
    const draws = Array.from({ length: 20_000 }, () => sampleBeta(0.8, 2.4, random));
    expect(draws.reduce((s, x) => s + x, 0) / draws.length).toBeCloseTo(0.25, 2);
  });
});
