import type { Recommender, RecommendQuery, ScoredItem } from '../Recommender.js';
import { topK } from '../topK.js';
import type { TrainedModel } from './TrainedModel.js';

/**
 * Serves a trained model from a history, in the model's own item indices: the scores are the
 * history through the item model (EASE: the history vector times B; item-kNN: the sum of the
 * history items' similarities), so any profile is scored from its live history, including
 * one that arrived after training. Only items with a positive score are proposed (an item
 * the model has nothing for gives way to the next strategy), and each carries the history
 * item that contributed most (`because`).
 */
export function trainedRecommender(name: string, model: TrainedModel): Recommender {
  const n = model.itemIds.length;
  const distinct = (history: readonly number[]): number[] => [...new Set(history.filter((item) => item >= 0 && item < n))];
  if (model.kind === 'ease-norm') {
    const { weights, b } = model.ease;
    const contribution = (h: number, j: number) => weights[h]! * b[h * n + j]!;
    return {
      name,
      recommend(query: RecommendQuery): ScoredItem[] {
        const history = distinct(query.history);
        if (history.length === 0) return [];
        const scores = new Float64Array(n);
        for (const h of history) {
          const w = weights[h]!;
          const row = h * n;
          for (let j = 0; j < n; j++) scores[j]! += w * b[row + j]!;
        }
        return withBecause(topK(scores, query.k, query.exclude, 0), history, contribution);
      },
    };
  }
  const { offsets, neighbours, similarities } = model.knn;
  const contribution = (h: number, j: number) => {
    for (let at = offsets[h]!; at < offsets[h + 1]!; at++) if (neighbours[at] === j) return similarities[at]!;
    return 0;
  };
  return {
    name,
    recommend(query: RecommendQuery): ScoredItem[] {
      const history = distinct(query.history);
      if (history.length === 0) return [];
      const scores = new Float64Array(n);
      for (const h of history) for (let at = offsets[h]!; at < offsets[h + 1]!; at++) scores[neighbours[at]!]! += similarities[at]!;
      return withBecause(topK(scores, query.k, query.exclude, 0), history, contribution);
    },
  };
}

/** Names, for each item, the history item with the largest contribution to its score. */
function withBecause(items: ScoredItem[], history: readonly number[], contribution: (h: number, j: number) => number): ScoredItem[] {
  return items.map((s) => {
    let best: number | undefined;
    let bestValue = 0;
    for (const h of history) {
      const value = contribution(h, s.item);
      if (value > bestValue) {
        bestValue = value;
        best = h;
      }
    }
    return best === undefined ? s : { ...s, because: best };
  });
}
