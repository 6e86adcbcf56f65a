import { describe, expect, it } from 'vitest';
import cases from './cooccurrence.cases.json' with { type: 'json' };
import { addBasket, addToBasket, createCooccurrence, openBasket } from './CooccurrenceState.js';
import { cooccurrenceRecommender, recentDistinct } from './cooccurrenceRecommender.js';
import type { SimilarityMeasure } from './similarity.js';

type Case = [string, SimilarityMeasure, number[], number, [number, number, number][]];

function stateOf(baskets: readonly number[][]): ReturnType<typeof createCooccurrence> {
  const state = createCooccurrence();
  for (const basket of baskets) addBasket(state, basket);
  return state;
}

describe('cooccurrenceRecommender', () => {
  it.each(cases.cases as Case[])('%s', (_name, measure, history, k, expected) => {
    const recommender = cooccurrenceRecommender(stateOf(cases.baskets), { name: 'together', measure });
    const got = recommender.recommend({ history, k });
    expect(got.map((r) => r.item)).toEqual(expected.map(([item]) => item));
    got.forEach((result, i) => {
      expect(result.score).toBeCloseTo(expected[i]![1], 12);
      expect(result.because).toBe(expected[i]![2]);
    });
  });

  it('reflects a view in the very next answer', () => {
    const state = stateOf([[1, 2], [1, 2]]);
    const recommender = cooccurrenceRecommender(state, { name: 'viewed-together', measure: 'cosine', minPairCount: 1 });
    expect(recommender.recommend({ history: [1], k: 5 }).map((r) => r.item)).toEqual([2]);
    const basket = openBasket();
    addToBasket(state, basket, 1);
    addToBasket(state, basket, 5);
    expect(recommender.recommend({ history: [1], k: 5 }).map((r) => r.item)).toEqual([2, 5]);
  });

  it('never returns an excluded item', () => {
    const recommender = cooccurrenceRecommender(stateOf(cases.baskets), { name: 'together', measure: 'cosine' });
    expect(recommender.recommend({ history: [1], k: 5, exclude: new Set([2]) }).map((r) => r.item)).toEqual([3]);
  });

  it('seeds from the latest distinct items, most recent first', () => {
    expect(recentDistinct([1, 2, 1, 3, 3], 2)).toEqual([3, 1]);
  });
});
