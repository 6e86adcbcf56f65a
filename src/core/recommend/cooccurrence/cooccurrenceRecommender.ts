import type { Recommender, RecommendQuery, ScoredItem } from '../Recommender.js';
import { topScored } from '../topScored.js';
import type { CooccurrenceState } from './CooccurrenceState.js';
import { similarityFromCounts, type SimilarityMeasure } from './similarity.js';

export interface CooccurrenceRecommenderOptions {
  /** "viewed-together", "bought-together", ...: the strategy name results carry. */
  readonly name: string;
  readonly measure: SimilarityMeasure;
  /** Pairs seen in fewer baskets are ignored: one shared basket is noise, and lift overrates it. Default 2. */
  readonly minPairCount?: number;
  /** How many of the most recent distinct history items seed the list. Default 5. */
  readonly seeds?: number;
  /** Leave the seed items themselves out (default true: "also viewed" never repeats the item on screen). */
  readonly excludeHistory?: boolean;
}

/**
 * Item-to-item recommendations over a live co-occurrence state: each of the latest history
 * items (the seed: the product on screen, the cart) adds its neighbours' similarity, weighted
 * 1, 1/2, 1/3, ... from the most recent back. It reads the state at each call, so an event
 * counted a moment ago is reflected in the next answer. `because` names the seed that
 * contributed most.
 *
 * @example cooccurrenceRecommender(state, { name: 'viewed-together', measure: 'cosine' }).recommend({ history: [42], k: 10 })
 */
export function cooccurrenceRecommender(state: CooccurrenceState, options: CooccurrenceRecommenderOptions): Recommender {
  const minPairCount = options.minPairCount ?? 2;
  const seedCount = options.seeds ?? 5;
  const excludeHistory = options.excludeHistory ?? true;
  return {
    name: options.name,
    recommend(query: RecommendQuery): ScoredItem[] {
      const seeds = recentDistinct(query.history, seedCount);
      const scores = new Map<number, number>();
      const best = new Map<number, { seed: number; contribution: number }>();
      seeds.forEach((seed, rank) => {
        const row = state.pairs.get(seed);
        const countSeed = state.itemCounts.get(seed) ?? 0;
        if (row === undefined) return;
        const weight = 1 / (rank + 1);
        for (const [item, both] of row) {
          if (both < minPairCount) continue;
          const contribution = weight * similarityFromCounts(options.measure, both, countSeed, state.itemCounts.get(item) ?? 0, state.baskets);
          scores.set(item, (scores.get(item) ?? 0) + contribution);
          const current = best.get(item);
          if (current === undefined || contribution > current.contribution) best.set(item, { seed, contribution });
        }
      });
      const exclude = new Set(query.exclude ?? []);
      if (excludeHistory) for (const seed of seeds) exclude.add(seed);
      const because = new Map([...best].map(([item, { seed }]) => [item, seed]));
      return topScored(scores, query.k, exclude, because);
    },
  };
}

/** The last `count` distinct items of a history, most recent first. */
export function recentDistinct(history: readonly number[], count: number): number[] {
  const seen: number[] = [];
  for (let i = history.length - 1; i >= 0 && seen.length < count; i -= 1) {
    const item = history[i]!;
    if (!seen.includes(item)) seen.push(item);
  }
  return seen;
}
