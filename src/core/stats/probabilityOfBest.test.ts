import { describe, expect, it } from 'vitest';
import { seededRandom } from '../common/random.js';
import { bestArmProbabilities } from './bestArm.js';
import { normalCdf } from './distributions.js';
import { fastNormalCdf, normalArm, probabilityOfBest } from './probabilityOfBest.js';

const everywhere = [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY] as const;

describe('probabilityOfBest', () => {
  it.each([
    // stats-reference-cases.json, best-arm-gaussian (scipy quad), to the digits given there.
    { means: [0, 0.1, 0.2], sds: [0.1, 0.1, 0.1], p: [0.047151, 0.224098, 0.728751] },
    { means: [1, 2, 3], sds: [0.5, 0.5, 0.5], p: [0.001325, 0.078338, 0.920337] },
    { means: [0, 0.5, 1], sds: [0.05, 0.5, 1.5], p: [0.04064, 0.34334, 0.61602] },
  ])('normal arms $means, $sds: $p', ({ means, sds, p }) => {
    const result = probabilityOfBest(means.map((m, i) => normalArm(m, sds[i]!)), ...everywhere);
    result.forEach((value, i) => expect(value).toBeCloseTo(p[i]!, 5));
  });

  it('two normal arms: P(B > A) = Φ((μB − μA) / sqrt(σA² + σB²)), here 0.76025', () => {
    const [a, b] = probabilityOfBest([normalArm(0, 1), normalArm(1, 1)], ...everywhere);
    expect(b).toBeCloseTo(0.7602499389, 7);
    expect(a! + b!).toBeCloseTo(1, 12);
  });

  it('agrees with adaptive quadrature to 1e-6 on 50 random sets of 2 to 8 arms, very unequal spreads included', () => {
    const random = seededRandom(17);
    for (let n = 0; n < 50; n++) {
      const k = 2 + Math.floor(random.next() * 7);
      const arms = Array.from({ length: k }, () => ({ mean: random.next() * 2, sd: 0.01 + random.next() ** 3 * 2 }));
      const fast = probabilityOfBest(arms.map((a) => normalArm(a.mean, a.sd)), ...everywhere);
      const slow = bestArmProbabilities(arms);
      fast.forEach((value, i) => expect(Math.abs(value - slow[i]!)).toBeLessThan(1e-6));
    }
  });

  it('fastNormalCdf is within 1.3e-7 (relative) of the series in the lower tail, and symmetric', () => {
    for (let x = -12; x <= 0; x += 0.01) {
      const exact = normalCdf(x);
      expect(Math.abs(fastNormalCdf(x) - exact) / exact).toBeLessThan(1.3e-7);
      // The upper half is 1 − the lower tail, so it is as accurate as a double near 1 allows.
      expect(fastNormalCdf(-x)).toBe(1 - fastNormalCdf(x));
    }
  });
});
