import { describe, expect, it } from 'vitest';
import cases from './cooccurrence.cases.json' with { type: 'json' };
import { addBasket, addToBasket, createCooccurrence, openBasket, pruneCooccurrence } from './CooccurrenceState.js';
import { seededRandom } from '../../common/random.js';
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

  describe('kept neighbours', () => {
    /** 3,000 random baskets over 400 items, skewed so the first items' rows hold most of the catalog. */
    function busyState(seed: number): ReturnType<typeof createCooccurrence> {
      const random = seededRandom(seed);
      const state = createCooccurrence();
      for (let b = 0; b < 3000; b++) addBasket(state, Array.from({ length: 2 + Math.floor(random.next() * 6) }, () => Math.floor(400 * random.next() ** 2)));
      return state;
    }

    it('gives the full scan\'s answer while the kept lists hold the top of every seed', () => {
      const state = busyState(1);
      const fast = cooccurrenceRecommender(state, { name: 'v', measure: 'cosine' });
      const exact = cooccurrenceRecommender(state, { name: 'v', measure: 'cosine', neighbours: 100_000 });
      for (const history of [[0], [3, 0], [10, 2, 1], [50, 40, 30, 20, 10]]) {
        const got = fast.recommend({ history, k: 10 });
        expect(got.map((r) => r.item)).toEqual(exact.recommend({ history, k: 10 }).map((r) => r.item));
        got.forEach((r, i) => expect(r.score).toBeCloseTo(exact.recommend({ history, k: 10 })[i]!.score, 12));
      }
    });

    it('scans the full rows when the kept lists cannot fill the answer', () => {
      const state = busyState(2);
      const tiny = cooccurrenceRecommender(state, { name: 'v', measure: 'cosine', neighbours: 3 });
      const exact = cooccurrenceRecommender(state, { name: 'v', measure: 'cosine', neighbours: 100_000 });
      expect(tiny.recommend({ history: [0], k: 10 })).toEqual(exact.recommend({ history: [0], k: 10 }));
      const top3 = exact.recommend({ history: [0], k: 3 }).map((r) => r.item);
      // The three best are excluded: the kept three leave nothing, so the call scans.
      expect(tiny.recommend({ history: [0], k: 5, exclude: new Set(top3) })).toEqual(exact.recommend({ history: [0], k: 5, exclude: new Set(top3) }));
    });

    it('computes a seed\'s list again when its row changes or is pruned, so an event shows in the next answer', () => {
      const state = busyState(3);
      const recommender = cooccurrenceRecommender(state, { name: 'v', measure: 'cosine', minPairCount: 1 });
      const before = recommender.recommend({ history: [399], k: 3 });
      const basket = openBasket();
      addToBasket(state, basket, 399);
      for (let i = 0; i < 40; i++) {
        const again = openBasket();
        addToBasket(state, again, 399);
        addToBasket(state, again, 398);
      }
      expect(recommender.recommend({ history: [399], k: 3 })[0]!.item).toBe(398);
      expect(before[0]?.item).not.toBe(398);
      pruneCooccurrence(state, 41);
      expect(recommender.recommend({ history: [399], k: 3 })).toEqual([]);
    });
  });
});
