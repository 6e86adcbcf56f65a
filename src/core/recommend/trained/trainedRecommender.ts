import type { Recommender, RecommendQuery, ScoredItem } from '../Recommender.js';
import { topK } from '../topK.js';
import type { EaseModel } from '../ease/trainEase.js';
import type { ItemKnnModel } from '../itemKnn/itemKnn.js';
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
  const { addRow, contribution } = model.kind === 'ease-norm' ? easeScoring(model.ease) : knnScoring(model.knn);
  return {
    name,
    recommend(query: RecommendQuery): ScoredItem[] {
      const history = [...new Set(query.history.filter((item) => item >= 0 && item < n))];
      if (history.length === 0) return [];
      const scores = new Float64Array(n);
      for (const h of history) addRow(scores, h);
      return withBecause(topK(scores, query.k, query.exclude, 0), history, contribution);
    },
  };
}

/** How a kind scores: adds a history item's row to the scores, and says what it gave one item. */
interface Scoring {
  addRow(scores: Float64Array, h: number): void;
  contribution(h: number, j: number): number;
}

function easeScoring({ itemCount: n, weights, b }: EaseModel): Scoring {
  return {
    addRow(scores, h) {
      const w = weights[h]!;
      const row = h * n;
      for (let j = 0; j < n; j++) scores[j]! += w * b[row + j]!;
    },
    contribution: (h, j) => weights[h]! * b[h * n + j]!,
  };
}

function knnScoring({ offsets, neighbours, similarities }: ItemKnnModel): Scoring {
  return {
    addRow(scores, h) {
      for (let at = offsets[h]!; at < offsets[h + 1]!; at++) scores[neighbours[at]!]! += similarities[at]!;
    },
    contribution(h, j) {
      for (let at = offsets[h]!; at < offsets[h + 1]!; at++) if (neighbours[at] === j) return similarities[at]!;
      return 0;
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
