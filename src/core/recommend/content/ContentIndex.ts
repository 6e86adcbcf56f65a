import type { Recommender, RecommendQuery, ScoredItem } from '../Recommender.js';
import { topK } from '../topK.js';
import { contentTokens, type ItemContent } from './contentTokens.js';

/**
 * Content similarity: items as TF-IDF vectors over their attribute tokens, compared by
 * cosine. A token's weight is its smoothed inverse document frequency, ln((1 + N) / (1 + df))
 * + 1 (scikit-learn's), so a rare attribute ("material=merino") says more than a common one
 * ("in the shop's main category"). Weights are read at query time from the current counts,
 * so adding an item (a new product, before anyone has seen it) needs no retraining.
 */
export interface ContentIndex {
  readonly tokens: Map<number, readonly string[]>;
  /** token -> the items that have it. */
  readonly postings: Map<string, Set<number>>;
  /**
   * Items' vector norms as read since the last change: every change moves N and so every
   * weight, so a change empties it and queries fill it again for the items they touch.
   */
  readonly norms: Map<number, number>;
  /** One past the largest item index ever set: queries score into dense arrays of this length. */
  span: number;
}

export function createContentIndex(): ContentIndex {
  return { tokens: new Map(), postings: new Map(), norms: new Map(), span: 0 };
}

/** Adds an item, or replaces what the index knew of it. */
export function setItemContent(index: ContentIndex, item: number, content: ItemContent): void {
  removeItemContent(index, item);
  index.norms.clear();
  index.span = Math.max(index.span, item + 1);
  const tokens = contentTokens(content);
  index.tokens.set(item, tokens);
  for (const token of tokens) {
    let items = index.postings.get(token);
    if (items === undefined) {
      items = new Set();
      index.postings.set(token, items);
    }
    items.add(item);
  }
}

export function removeItemContent(index: ContentIndex, item: number): void {
  for (const token of index.tokens.get(item) ?? []) {
    const items = index.postings.get(token);
    items?.delete(item);
    if (items?.size === 0) index.postings.delete(token);
  }
  if (index.tokens.delete(item)) index.norms.clear();
}

function idf(index: ContentIndex, token: string): number {
  return Math.log((1 + index.tokens.size) / (1 + (index.postings.get(token)?.size ?? 0))) + 1;
}

function norm(index: ContentIndex, item: number): number {
  let cached = index.norms.get(item);
  if (cached === undefined) {
    let sum = 0;
    for (const token of index.tokens.get(item) ?? []) sum += idf(index, token) ** 2;
    cached = Math.sqrt(sum);
    index.norms.set(item, cached);
  }
  return cached;
}

/** Cosine of two items' TF-IDF vectors (0 when either is unknown or they share nothing). */
export function contentSimilarity(index: ContentIndex, a: number, b: number): number {
  const tokensB = new Set(index.tokens.get(b) ?? []);
  let dot = 0;
  for (const token of index.tokens.get(a) ?? []) if (tokensB.has(token)) dot += idf(index, token) ** 2;
  return dot === 0 ? 0 : dot / (norm(index, a) * norm(index, b));
}

/**
 * Items like the history: the sum of the cosine to each of the last `seeds` distinct history
 * items, weighted 1, 1/2, 1/3, ... from the most recent back; history items are not returned.
 * Meant for new items (no co-occurrence yet) and for users with one or two interactions.
 * `because` names the history item the result is most like.
 */
export function contentRecommender(index: ContentIndex, options: { seeds?: number; name?: string } = {}): Recommender {
  const seedCount = options.seeds ?? 5;
  return {
    name: options.name ?? 'content',
    recommend(query: RecommendQuery): ScoredItem[] {
      const seeds: number[] = [];
      for (let i = query.history.length - 1; i >= 0 && seeds.length < seedCount; i -= 1) {
        const item = query.history[i]!;
        if (!seeds.includes(item) && index.tokens.has(item)) seeds.push(item);
      }
      // Dense arrays over the index's items: a seed shares a token (a top category, a price
      // band) with much of the catalog, and maps of that size cost more than the arithmetic.
      const scores = new Float64Array(index.span);
      const dots = new Float64Array(index.span);
      const bestContribution = new Float64Array(index.span);
      const bestSeed = new Int32Array(index.span);
      seeds.forEach((seed, rank) => {
        // Dot products with every item sharing a token, accumulated along the postings.
        const touched: number[] = [];
        for (const token of index.tokens.get(seed)!) {
          const weight = idf(index, token) ** 2;
          for (const item of index.postings.get(token) ?? []) {
            if (dots[item] === 0) touched.push(item);
            dots[item]! += weight;
          }
        }
        const seedNorm = norm(index, seed);
        for (const item of touched) {
          const dot = dots[item]!;
          dots[item] = 0;
          if (item === seed) continue;
          const contribution = dot / (seedNorm * norm(index, item)) / (rank + 1);
          scores[item]! += contribution;
          if (contribution > bestContribution[item]!) {
            bestContribution[item] = contribution;
            bestSeed[item] = seed;
          }
        }
      });
      const exclude = new Set([...(query.exclude ?? []), ...query.history]);
      return topK(scores, query.k, exclude, 0).map(({ item, score }) => ({ item, score, because: bestSeed[item]! }));
    },
  };
}
