import type { InteractionData, Recommender, RecommendQuery, RecommenderTrainer, ScoredItem } from '../Recommender.js';
import { topK } from '../topK.js';
import { itemUserCounts, userItems } from '../userItems.js';

export interface ItemKnnOptions {
  /** Neighbours kept per item (the most similar). */
  readonly neighbours?: number;
  /** Progress in [0, 1] over the items. */
  readonly onProgress?: (fraction: number) => void;
}

/** Each item's top neighbours by cosine similarity, as compressed rows (offsets into items/similarities). */
export interface ItemKnnModel {
  readonly itemCount: number;
  readonly offsets: Uint32Array;
  readonly neighbours: Uint32Array;
  readonly similarities: Float32Array;
}

/**
 * Item-kNN: cosine similarity of items over their users, c(i, j) / sqrt(n_i n_j), keeping the
 * `neighbours` most similar per item. Sparse: the co-occurrences of one item are counted at a
 * time through the users who have it, so memory grows with items x neighbours, not items^2;
 * this is the collaborative model for catalogs too large for EASE.
 */
export function trainItemKnnModel(data: InteractionData, options: ItemKnnOptions = {}): ItemKnnModel {
  const n = data.itemIds.length;
  const keep = options.neighbours ?? 100;
  const lists = userItems(data);
  const support = itemUserCounts(lists, n);
  const usersOf: number[][] = Array.from({ length: n }, () => []);
  lists.forEach((items, user) => { for (const item of items) usersOf[item]!.push(user); });
  const counts = new Float64Array(n);
  const touched: number[] = [];
  const offsets = new Uint32Array(n + 1);
  const neighbours: number[] = [];
  const similarities: number[] = [];
  const progressEvery = Math.max(1, Math.floor(n / 100));
  for (let i = 0; i < n; i++) {
    for (const user of usersOf[i]!) {
      for (const j of lists[user]!) {
        if (j === i) continue;
        if (counts[j] === 0) touched.push(j);
        counts[j]! += 1;
      }
    }
    for (const j of touched) counts[j] = counts[j]! / Math.sqrt(support[i]! * support[j]!);
    // Only the items that co-occur are sorted, so an item costs its neighbourhood, not the catalog.
    touched.sort((a, b) => counts[b]! - counts[a]! || a - b);
    for (const j of touched.slice(0, keep)) {
      neighbours.push(j);
      similarities.push(counts[j]!);
    }
    for (const j of touched) counts[j] = 0;
    touched.length = 0;
    offsets[i + 1] = neighbours.length;
    if (options.onProgress !== undefined && i % progressEvery === 0) options.onProgress(i / n);
  }
  options.onProgress?.(1);
  return { itemCount: n, offsets, neighbours: Uint32Array.from(neighbours), similarities: Float32Array.from(similarities) };
}

/** Scores each item by the sum of its similarities to the history's items. */
export function itemKnnRecommender(name: string, model: ItemKnnModel): Recommender & { readonly model: ItemKnnModel; readonly modelBytes: number } {
  const { itemCount: n, offsets, neighbours, similarities } = model;
  return {
    name,
    model,
    modelBytes: offsets.byteLength + neighbours.byteLength + similarities.byteLength,
    recommend(query: RecommendQuery): ScoredItem[] {
      const scores = new Float64Array(n);
      const seen = new Set<number>();
      for (const item of query.history) {
        if (!(item >= 0 && item < n) || seen.has(item)) continue;
        seen.add(item);
        for (let at = offsets[item]!; at < offsets[item + 1]!; at++) scores[neighbours[at]!]! += similarities[at]!;
      }
      return topK(scores, query.k, query.exclude, 0);
    },
  };
}

export const itemKnnTrainer: RecommenderTrainer<ItemKnnOptions> = {
  name: 'item-knn',
  train: (data, options) => itemKnnRecommender('item-knn', trainItemKnnModel(data, options)),
};
