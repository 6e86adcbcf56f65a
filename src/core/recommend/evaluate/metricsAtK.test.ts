import { describe, expect, it } from 'vitest';
import cases from './metricsAtK.cases.json' with { type: 'json' };
import { metricsAtK, type RankingMetrics } from './metricsAtK.js';

type Case = [string, number[], number[], number, number, RankingMetrics];

describe('metricsAtK (spec cases)', () => {
  it.each(cases.cases as unknown as Case[])('%s', (_name, ranked, relevant, relevantCount, k, expected) => {
    const got = metricsAtK(ranked, new Set(relevant), relevantCount, k);
    for (const [metric, value] of Object.entries(expected)) expect(got[metric as keyof RankingMetrics], metric).toBeCloseTo(value, 12);
  });
});

describe('metricsAtK (invariants)', () => {
  it('keeps every metric in [0, 1] and nDCG at 1 only for an ideal list', () => {
    for (let size = 1; size <= 6; size++) {
      const relevant = new Set([0, 2, 4].slice(0, Math.min(3, size)));
      for (let mask = 0; mask < 2 ** size; mask++) {
        const ranked = Array.from({ length: size }, (_, i) => ((mask >> i) & 1 ? [...relevant][i % relevant.size]! : 100 + i));
        const m = metricsAtK(ranked, relevant, relevant.size, size);
        for (const value of Object.values(m)) expect(value).toBeGreaterThanOrEqual(0);
        for (const value of Object.values(m)) expect(value).toBeLessThanOrEqual(1 + 1e-12);
        expect(m.recall).toBeLessThanOrEqual(m.hit);
      }
    }
    expect(metricsAtK([0, 2], new Set([0, 2]), 2, 2).ndcg).toBe(1);
    expect(metricsAtK([2, 9, 0], new Set([0, 2]), 2, 3).ndcg).toBeLessThan(1);
  });

  it('refuses a k that is not a positive integer and a count below the relevant items', () => {
    expect(() => metricsAtK([1], new Set([1]), 1, 0)).toThrow(RangeError);
    expect(() => metricsAtK([1], new Set([1, 2]), 1, 1)).toThrow(RangeError);
  });
});
