import type { Recommender, RecommendQuery, ScoredItem } from '../Recommender.js';
import { topScored } from '../topScored.js';
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
}

export function createContentIndex(): ContentIndex {
  return { tokens: new Map(), postings: new Map() };
}

/** Adds an item, or replaces what the index knew of it. */
export function setItemContent(index: ContentIndex, item: number, content: ItemContent): void {
  removeItemContent(index, item);
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
  index.tokens.delete(item);
}

function idf(index: ContentIndex, token: string): number {
  return Math.log((1 + index.tokens.size) / (1 + (index.postings.get(token)?.size ?? 0))) + 1;
}

function norm(index: ContentIndex, item: number): number {
  let sum = 0;
  for (const token of index.tokens.get(item) ?? []) sum += idf(index, token) ** 2;
  return Math.sqrt(sum);
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
      const scores = new Map<number, number>();
      const best = new Map<number, { seed: number; contribution: number }>();
      seeds.forEach((seed, rank) => {
        const candidates = new Set<number>();
        for (const token of index.tokens.get(seed)!) for (const item of index.postings.get(token) ?? []) candidates.add(item);
        for (const item of candidates) {
          if (item === seed) continue;
          const contribution = contentSimilarity(index, seed, item) / (rank + 1);
          scores.set(item, (scores.get(item) ?? 0) + contribution);
          const current = best.get(item);
          if (current === undefined || contribution > current.contribution) best.set(item, { seed, contribution });
        }
      });
      const exclude = new Set([...(query.exclude ?? []), ...query.history]);
      return topScored(scores, query.k, exclude, new Map([...best].map(([item, { seed }]) => [item, seed])));
    },
  };
}
