import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { normalCdf } from '../../stats/distributions.js';
import { normalArm, probabilityOfBest } from '../../stats/probabilityOfBest.js';
import { normalBestProbabilities } from './normalBest.js';

describe('normalBestProbabilities', () => {
  it('matches the closed form of two normals, Φ((μb − μa) / sqrt(σa² + σb²))', () => {
    for (const [ma, sa, mb, sb] of [[0, 1, 1, 1], [0.2, 0.05, 0.25, 0.3], [1, 2, -1, 0.5], [0, 0.1, 0, 0.1]] as const) {
      const [, b] = normalBestProbabilities([ma, mb], [sa, sb]);
      expect(b).toBeCloseTo(normalCdf((mb - ma) / Math.hypot(sa, sb)), 6);
    }
  });

  it('agrees with the general shared-grid quadrature to 5e-5, sds up to 50x apart (seeded cases)', () => {
    const random = seededRandom(21);
    let worstNear = 0;
    let worstFar = 0;
    for (let c = 0; c < 400; c++) {
      const k = 2 + Math.floor(random.next() * 6);
      const base = 0.01 + random.next();
      const ratio = c % 2 === 0 ? 10 : 50;
      const sds = Array.from({ length: k }, () => base * ratio ** random.next());
      const means = Array.from({ length: k }, () => (random.next() - 0.5) * 2 * base);
      const got = normalBestProbabilities(means, sds);
      const want = probabilityOfBest(means.map((m, i) => normalArm(m, sds[i]!)), Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
      expect(got.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      const error = Math.max(...got.map((p, i) => Math.abs(p - want[i]!)));
      if (ratio === 10) worstNear = Math.max(worstNear, error);
      else worstFar = Math.max(worstFar, error);
    }
    console.log(`largest difference: ${worstNear.toExponential(2)} (sds within 10x), ${worstFar.toExponential(2)} (within 50x)`);
    expect(worstNear).toBeLessThan(5e-5);
    expect(worstFar).toBeLessThan(5e-5);
  });

  it('costs a fraction of the general version (3 arms)', () => {
    const means = [0.05, 0.06, 0.02];
    const sds = [0.02, 0.03, 0.05];
    const time = (f: () => void) => {
      for (let i = 0; i < 500; i++) f();
      const start = performance.now();
      for (let i = 0; i < 2000; i++) f();
      return performance.now() - start;
    };
    const lean = time(() => normalBestProbabilities(means, sds));
    const general = time(() => probabilityOfBest(means.map((m, i) => normalArm(m, sds[i]!)), Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY));
    console.log(`normalBestProbabilities ${(lean / 2).toFixed(1)} µs, probabilityOfBest ${(general / 2).toFixed(1)} µs a call`);
    expect(lean).toBeLessThan(general);
  });

  it('gives equal arms equal shares and one arm everything', () => {
    for (const p of normalBestProbabilities([0.3, 0.3, 0.3], [0.2, 0.2, 0.2])) expect(p).toBeCloseTo(1 / 3, 12);
    expect(normalBestProbabilities([5], [1])).toEqual([1]);
  });
});
