import { describe, expect, it } from 'vitest';
import { estimateText, overlapMatrix } from './segmentFigures.js';

describe('estimateText', () => {
  it('states an exact count, an estimate with its interval and sample, or why there is none', () => {
    expect(estimateText({ kind: 'exact', count: 1234, population: 5000 })).toBe('Would hold 1,234 of 5,000 profiles now (counted exactly).');
    expect(estimateText({ kind: 'sample', count: 300, population: 1000, sampled: 100, matchedInSample: 30, low: 222, high: 391, confidence: 0.95 }))
      .toBe('Would hold about 300 of 1,000 profiles now (95% interval 222 to 391; 30 of a random sample of 100 match).');
    expect(estimateText(null)).toMatch(/request context/);
  });
});

describe('overlapMatrix', () => {
  it('is symmetric in the order of the segments, with sizes on the diagonal and Jaccard shades off it', () => {
    const rows = overlapMatrix({
      segments: [{ id: 'x', size: 4 }, { id: 'y', size: 2 }, { id: 'z', size: 0 }],
      pairs: [{ a: 'x', b: 'y', both: 1, jaccard: 0.2 }, { a: 'x', b: 'z', both: 0, jaccard: 0 }, { a: 'y', b: 'z', both: 0, jaccard: 0 }],
    });
    expect(rows.map((r) => r.id)).toEqual(['x', 'y', 'z']);
    expect(rows[0]!.cells).toEqual([{ both: 4, jaccardPercent: null, shade: 1 }, { both: 1, jaccardPercent: 20, shade: 0.2 }, { both: 0, jaccardPercent: 0, shade: 0 }]);
    expect(rows[1]!.cells[0]).toEqual(rows[0]!.cells[1]);
    expect(rows[2]!.cells[2]).toEqual({ both: 0, jaccardPercent: null, shade: 1 });
  });

  it('shows no percentage for two empty segments', () => {
    const rows = overlapMatrix({ segments: [{ id: 'x', size: 0 }, { id: 'y', size: 0 }], pairs: [{ a: 'x', b: 'y', both: 0, jaccard: null }] });
    expect(rows[0]!.cells[1]).toEqual({ both: 0, jaccardPercent: null, shade: 0 });
  });
});
