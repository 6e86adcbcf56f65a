import { describe, expect, it } from 'vitest';
import { outcomeContributions, withoutPart } from './outcomeContributions.js';

const group = (values: number[]) => {
  const n = values.length;
  const sum = values.reduce((a, b) => a + b, 0);
  const mean = n === 0 ? 0 : sum / n;
  return { n, sum, m2: values.reduce((a, v) => a + (v - mean) ** 2, 0) };
};

describe('withoutPart', () => {
  it.each([
    [[1, 2, 3], [3]],
    [[10, 20, 30, 40, 55.5], [20, 55.5]],
    [[5, 5, 5], [5, 5]],
    [[2, 4], [2, 4]],
    [[7, 9, 11], []],
  ])('%j without %j equals the rest computed directly', (all, removed) => {
    // Each removed value taken out once.
    const rest = removed.reduce((left, v) => {
      const i = left.indexOf(v);
      return [...left.slice(0, i), ...left.slice(i + 1)];
    }, all);
    const expected = group(rest);
    const got = withoutPart(group(all), group(removed));
    expect(got.n).toBe(expected.n);
    expect(got.sum).toBeCloseTo(expected.sum, 9);
    expect(got.m2).toBeCloseTo(expected.m2, 9);
  });
});

describe('outcomeContributions', () => {
  const track = (name: string, properties: Record<string, unknown>) => ({ type: 'track', name, timestamp: 0, body: { properties } });
  it('counts each interaction event per action and placement, with the spread of conversion values', () => {
    const contributions = outcomeContributions([
      track('Decision Viewed', { decisionId: 'd1', actionId: 'a', placement: 'hero' }),
      track('Decision Clicked', { decisionId: 'd1', actionId: 'a', placement: 'hero' }),
      track('Decision Converted', { decisionId: 'd1', actionId: 'a', placement: 'hero', value: 10 }),
      track('Decision Converted', { decisionId: 'd2', actionId: 'a', placement: 'hero', value: 20 }),
      track('Product Viewed', { product_id: 'x' }),
    ]);
    expect(contributions).toEqual([{ actionId: 'a', placementId: 'hero', impressions: 1, clicks: 1, dismisses: 0, conversions: 2, conversionValue: 30, conversionValueM2: 50 }]);
  });
});
