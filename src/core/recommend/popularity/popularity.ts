import type { InteractionData, Recommender, RecommendQuery, RecommenderTrainer, ScoredItem } from '../Recommender.js';
import { topK } from '../topK.js';

export interface PopularityOptions {
  /**
   * Trending: each interaction counts 2^-(age / halfLifeSeconds), its age taken at `now`.
   * Without it every interaction counts 1 (popular).
   */
  readonly halfLifeSeconds?: number;
  /** The time (unix seconds) ages are taken at; the latest interaction's time when left out (no clock in the core). */
  readonly now?: number;
  /** Each item's category (`categories[item]`), for `forCategory`. */
  readonly categories?: readonly (string | undefined)[];
}

/** A popularity recommender; `forCategory` gives the same counts restricted to one category. */
export interface PopularityRecommender extends Recommender {
  readonly scores: Float64Array;
  forCategory(category: string): Recommender;
}

/**
 * Item scores from counts of interactions: plain counts (popular) or counts decayed with a
 * half-life (trending). The baseline every other recommender is compared with, and the last
 * fallback: it needs no history.
 */
export function popularityScores(data: InteractionData, options: PopularityOptions = {}): Float64Array {
  const scores = new Float64Array(data.itemIds.length);
  const halfLife = options.halfLifeSeconds;
  if (halfLife === undefined) {
    for (const { item } of data.interactions) scores[item]! += 1;
    return scores;
  }
  if (!(halfLife > 0)) throw new RangeError(`popularityScores: halfLifeSeconds must be positive, got ${halfLife}`);
  let now = options.now ?? -Infinity;
  if (options.now === undefined) for (const { time } of data.interactions) now = Math.max(now, time);
  // Interactions after `now` count fully: clocks disagree, and a future event is no less recent.
  for (const { item, time } of data.interactions) scores[item]! += 2 ** (-Math.max(0, now - time) / halfLife);
  return scores;
}

export function popularityRecommender(name: string, scores: Float64Array, categories?: readonly (string | undefined)[]): PopularityRecommender {
  const recommend = (query: RecommendQuery): ScoredItem[] => topK(scores, query.k, query.exclude, 0);
  return {
    name,
    scores,
    recommend,
    forCategory(category: string): Recommender {
      const inCategory = new Float64Array(scores.length);
      for (let item = 0; item < scores.length; item++) if (categories?.[item] === category) inCategory[item] = scores[item]!;
      return { name: `${name}:${category}`, recommend: (query) => topK(inCategory, query.k, query.exclude, 0) };
    },
  };
}

export const popularTrainer: RecommenderTrainer<PopularityOptions> = {
  name: 'popular',
  train: (data, options = {}) => popularityRecommender('popular', popularityScores(data, { ...options, halfLifeSeconds: undefined }), options.categories),
};

/** Trending with a 7-day half-life unless told otherwise. */
export const trendingTrainer: RecommenderTrainer<PopularityOptions> = {
  name: 'trending',
  train: (data, options = {}) => popularityRecommender('trending', popularityScores(data, { halfLifeSeconds: 7 * 86_400, ...options }), options.categories),
};
