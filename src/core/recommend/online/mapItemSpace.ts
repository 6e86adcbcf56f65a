import type { Recommender, RecommendQuery, ScoredItem } from '../Recommender.js';

/** An id table as a recommender's edge needs it (ItemIds is one). */
export interface ItemSpace {
  /** The index of an id already known, or undefined. */
  find(id: string): number | undefined;
  id(index: number): string;
}

/** A space that gives an index to an id it has not seen (ItemIds.index). */
export interface GrowingItemSpace extends ItemSpace {
  index(id: string): number;
}

/**
 * A recommender over its own item indices (`own`), asked and answering in another space's
 * (`space`: the online item models' ids, which the blend's sources share). History and
 * exclusions are translated by id (items `own` does not know are dropped: they have nothing to
 * say there); results are given `space`'s index of their id, a new one for an id it has not
 * seen (a catalog item no event has named yet: exactly what content similarity is for).
 * Ranking and ties are the inner recommender's.
 *
 * @example mapItemSpace(contentRecommender(index), contentIds, onlineModels.ids).recommend({ history: [7], k: 10 })
 */
export function mapItemSpace(inner: Recommender, own: ItemSpace, space: GrowingItemSpace): Recommender {
  const toOwn = (items: Iterable<number>): number[] => {
    const out: number[] = [];
    for (const item of items) {
      const mapped = own.find(space.id(item));
      if (mapped !== undefined) out.push(mapped);
    }
    return out;
  };
  return {
    name: inner.name,
    recommend(query: RecommendQuery): ScoredItem[] {
      const translated: RecommendQuery = {
        history: toOwn(query.history),
        k: query.k,
        ...(query.exclude === undefined ? {} : { exclude: new Set(toOwn(query.exclude)) }),
        ...(query.session === undefined ? {} : { session: query.session }),
      };
      return inner.recommend(translated).map((r) => {
        const item = space.index(own.id(r.item));
        return r.because === undefined ? { item, score: r.score } : { item, score: r.score, because: space.index(own.id(r.because)) };
      });
    },
  };
}
