import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from './random.js';

const draw = (seed: number, n: number): number[] => {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => random.next());
};

describe('seededRandom', () => {
  it('gives the same sequence for the same seed, and a pinned one for seed 42', () => {
    expect(draw(42, 100)).toEqual(draw(42, 100));
    expect(draw(42, 2)).toEqual([0.6011037519201636, 0.44829055899754167]);
    expect(draw(1, 10)).not.toEqual(draw(2, 10));
  });

  it('takes the seed as a 32-bit integer: fractions dropped, NaN and infinities are 0', () => {
    expect(draw(7.9, 5)).toEqual(draw(7, 5));
    expect(draw(2 ** 32 + 7, 5)).toEqual(draw(7, 5));
    expect(draw(Number.NaN, 5)).toEqual(draw(0, 5));
    expect(draw(Number.POSITIVE_INFINITY, 5)).toEqual(draw(0, 5));
  });

  it('stays in [0, 1) for any seed', () => {
    fc.assert(fc.property(fc.integer(), (seed) => draw(seed, 50).every((x) => x >= 0 && x < 1)));
  });

  it('is roughly uniform: 10 buckets over 100,000 draws each within 5% of their share, mean near 1/2', () => {
    const values = draw(12345, 100_000);
    const buckets = new Array<number>(10).fill(0);
    for (const x of values) buckets[Math.floor(x * 10)]!++;
    for (const b of buckets) expect(Math.abs(b / 10_000 - 1)).toBeLessThan(0.05);
    expect(Math.abs(values.reduce((s, x) => s + x, 0) / values.length - 0.5)).toBeLessThan(0.01);
  });
});
