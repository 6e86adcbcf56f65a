import { describe, expect, it } from 'vitest';
import cases from './sizeEstimate.cases.json' with { type: 'json' };
import { segmentOverlap } from './segmentOverlap.js';
import { sizeEstimate } from './sizeEstimate.js';

describe('sizeEstimate', () => {
  it.each(cases)('$name', ({ matched, sampled, population, expected }) => {
    expect(sizeEstimate(matched, sampled, population)).toEqual(expected);
  });

  it('narrows as the sample grows, and a higher confidence widens it', () => {
    const width = (e: ReturnType<typeof sizeEstimate>) => (e.kind === 'sample' ? e.high - e.low : 0);
    expect(width(sizeEstimate(40, 200, 5000))).toBeLessThan(width(sizeEstimate(20, 100, 5000)));
    expect(width(sizeEstimate(20, 100, 5000, 0.99))).toBeGreaterThan(width(sizeEstimate(20, 100, 5000, 0.9)));
  });

  it('refuses counts that cannot be', () => {
    expect(() => sizeEstimate(3, 2, 10)).toThrow(RangeError);
    expect(() => sizeEstimate(1, 11, 10)).toThrow(RangeError);
  });
});

describe('segmentOverlap', () => {
  it('gives every unordered pair once, in the order asked, with its Jaccard index', () => {
    const pairs = segmentOverlap(['x', 'y', 'z'], { x: 4, y: 2, z: 0 }, [{ a: 'y', b: 'x', both: 1 }]);
    expect(pairs).toEqual([
      { a: 'x', b: 'y', both: 1, jaccard: 0.2 },
      { a: 'x', b: 'z', both: 0, jaccard: 0 },
      { a: 'y', b: 'z', both: 0, jaccard: 0 },
    ]);
  });

  it('has no Jaccard index for two empty segments', () => {
    expect(segmentOverlap(['x', 'y'], { x: 0, y: 0 }, [])).toEqual([{ a: 'x', b: 'y', both: 0, jaccard: null }]);
  });
});
