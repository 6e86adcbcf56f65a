import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { bestArmProbabilities } from '../../stats/bestArm.js';
import { normalCdf } from '../../stats/distributions.js';
import cases from './normalBest.cases.json' with { type: 'json' };
import exact from './normalBest.exact.json' with { type: 'json' };
import { lowerTail, normalBestProbabilities } from './normalBest.js';

/** The stated bound: every arm within this of the high-precision reference. */
const BOUND = 2e-6;

// [name, means, sds, P(best) per arm]: the expected values are `stats/bestArm.ts`'s
// bestArmProbabilities (adaptive Simpson to 1e-14 per piece, the series Φ), an independent
// method; the bench cases are arms of contextual placement decisions recorded in `bench -- learn`.
type Case = [string, number[], number[], number[]];

describe('normalBestProbabilities', () => {
  it.each(cases as Case[])('%s', (_name, means, sds, expected) => {
    const got = normalBestProbabilities(means, sds);
    expect(got.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (const [i, p] of got.entries()) expect(Math.abs(p - expected[i]!)).toBeLessThan(BOUND);
  });

  it('matches the closed form of two normals, Φ((μb − μa) / sqrt(σa² + σb²)), to 1e-6', () => {
    const random = seededRandom(3);
    for (let c = 0; c < 200; c++) {
      const [ma, mb] = [random.next() - 0.5, random.next() - 0.5];
      const [sa, sb] = [0.01 + random.next() * 0.3, 0.01 + random.next() * 0.3];
      const [, b] = normalBestProbabilities([ma, mb], [sa, sb]);
      expect(Math.abs(b! - normalCdf((mb - ma) / Math.hypot(sa, sb)))).toBeLessThan(1e-6);
    }
  });

  it(`is within ${BOUND} of the adaptive reference on seeded cases of 2 to 12 arms, sds up to 200x apart`, () => {
    const random = seededRandom(21);
    let worst = 0;
    for (let c = 0; c < 80; c++) {
      const k = 2 + Math.floor(random.next() * 11);
      const base = 0.01 + random.next();
      const ratio = [3, 10, 50, 200][c % 4]!;
      const sds = Array.from({ length: k }, () => base * ratio ** random.next());
      const spread = c % 3 === 0 ? 4 : 1;
      const means = Array.from({ length: k }, () => (random.next() - 0.5) * 2 * base * spread);
      const got = normalBestProbabilities(means, sds);
      const want = bestArmProbabilities(means.map((mean, i) => ({ mean, sd: sds[i]! })));
      worst = Math.max(worst, ...got.map((p, i) => Math.abs(p - want[i]!)));
    }
    console.log(`largest difference from the adaptive reference: ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(BOUND);
  });

  // [name, means, sds, probabilities]: what the function answers, pinned (last re-taken when the
  // windows became 5 sds and the grid 11 nodes on 6-sd pieces: each moved by at most 8.8e-7).
  // A recorded probability is what a decision was drawn with, so a rewrite for speed must keep
  // every bit, not only the bound; a new grid is a new pin, said so in its commit.
  it.each(exact as Case[])('gives bit for bit the pinned answer: %s', (_name, means, sds, expected) => {
    expect(normalBestProbabilities(means, sds)).toEqual(expected);
  });

  it('gives equal arms equal shares and one arm everything', () => {
    for (const p of normalBestProbabilities([0.3, 0.3, 0.3], [0.2, 0.2, 0.2])) expect(p).toBeCloseTo(1 / 3, 12);
    expect(normalBestProbabilities([5], [1])).toEqual([1]);
    expect(normalBestProbabilities([], [])).toEqual([]);
  });

  it('answers the same whatever arm counts came before (the scratch space is reused)', () => {
    const means = [0.1, 0.12, 0.05];
    const sds = [0.02, 0.2, 0.05];
    const first = normalBestProbabilities(means, sds);
    normalBestProbabilities(Array.from({ length: 40 }, (_v, i) => i / 100), Array.from({ length: 40 }, () => 0.1));
    expect(normalBestProbabilities(means, sds)).toEqual(first);
  });

  it('ends, with probabilities, for sds far below the resolution of their means (no stalled walk)', () => {
    for (const [means, sds] of [[[1e9, 1e9 + 1e-6], [1e-9, 1e-9]], [[1e9, 1e9], [1e-9, 1e-12]]] as const) {
      const got = normalBestProbabilities(means, sds);
      expect(got.every((p) => p >= 0 && p <= 1)).toBe(true);
      expect(got.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });
});

describe('lowerTail', () => {
  it('gives Φ(−a) = exp(−a²/2)·lowerTail(a) to a relative 1e-8 on 0 ≤ a ≤ 30', () => {
    let worst = 0;
    for (let a = 0; a <= 30; a += 0.001) {
      const want = normalCdf(-a);
      if (want === 0) break;
      worst = Math.max(worst, Math.abs(Math.exp(-0.5 * a * a) * lowerTail(a) - want) / want);
    }
    expect(worst).toBeLessThan(1e-8);
  });
});
