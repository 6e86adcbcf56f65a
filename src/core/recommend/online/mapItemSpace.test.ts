import { describe, expect, it } from 'vitest';
import type { RecommendQuery, Recommender } from '../Recommender.js';
import { ItemIds } from './ItemIds.js';
import { mapItemSpace } from './mapItemSpace.js';

describe('mapItemSpace', () => {
  it('asks in its own indices and answers in the caller\'s, by id, giving new ids an index', () => {
    const own = new ItemIds();
    for (const id of ['a', 'b', 'c', 'd']) own.index(id);
    const asked: RecommendQuery[] = [];
    // Recommends every item it knows but the history and the exclusions, best last-known first, because of the last history item.
    const inner: Recommender = {
      name: 'inner',
      recommend(query) {
        asked.push(query);
        const last = query.history[query.history.length - 1];
        return [3, 2, 1, 0].filter((i) => !query.history.includes(i) && query.exclude?.has(i) !== true).slice(0, query.k)
          .map((item, rank) => ({ item, score: 1 / (rank + 1), ...(last === undefined ? {} : { because: last }) }));
      },
    };
    const space = new ItemIds();
    for (const id of ['x', 'b', 'a']) space.index(id);
    const mapped = mapItemSpace(inner, own, space);
    const got = mapped.recommend({ history: [space.index('x'), space.index('a')], k: 2, exclude: new Set([space.index('b')]), session: 's1', user: 4 });
    // x is unknown to the inner space: dropped; a is 0 there, b is 1.
    expect(asked[0]).toEqual({ history: [0], k: 2, exclude: new Set([1]), session: 's1' });
    expect(got.map((r) => [space.id(r.item), r.score, space.id(r.because!)])).toEqual([['d', 1, 'a'], ['c', 0.5, 'a']]);
    expect(mapped.name).toBe('inner');
  });
});
