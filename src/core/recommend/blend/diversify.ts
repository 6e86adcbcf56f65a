import type { ItemMeta } from './businessFilters.js';

/**
 * Diversity over a ranked list:
 * - `mmr`: maximal marginal relevance (Carbonell and Goldstein 1998): each next pick maximises
 *   lambda x relevance - (1 - lambda) x (its highest similarity to an item already picked),
 *   relevance being the score over the list's best score; lambda 1 keeps the ranking;
 * - `categoryCap`: at most `maxPerCategory` items per category (the path cut at `depth`,
 *   default the whole path); items without a category are not capped.
 */
export type Diversity =
  | { readonly kind: 'mmr'; readonly lambda: number; readonly similarity: (a: number, b: number) => number }
  | { readonly kind: 'categoryCap'; readonly maxPerCategory: number; readonly depth?: number | undefined };

export interface Ranked {
  readonly item: number;
  readonly score: number;
}

/**
 * Up to `count` of `ranked` (best first), diversified against them and against `picked`,
 * the items already chosen. Returns the new picks in order.
 */
export function diversify<T extends Ranked>(ranked: readonly T[], count: number, diversity: Diversity, meta: (item: number) => ItemMeta | undefined, picked: readonly number[] = []): T[] {
  if (diversity.kind === 'categoryCap') return capCategories(ranked, count, diversity.maxPerCategory, diversity.depth, meta, picked);
  const top = Math.max(0, ...ranked.map((r) => r.score));
  const chosen: T[] = [];
  const chosenItems = [...picked];
  const left = [...ranked];
  while (chosen.length < count && left.length > 0) {
    let bestIndex = 0;
    let bestValue = -Infinity;
    left.forEach((candidate, index) => {
      const relevance = top > 0 ? candidate.score / top : 0;
      const redundancy = chosenItems.length === 0 ? 0 : Math.max(...chosenItems.map((item) => diversity.similarity(candidate.item, item)));
      const value = diversity.lambda * relevance - (1 - diversity.lambda) * redundancy;
      if (value > bestValue) {
        bestValue = value;
        bestIndex = index;
      }
    });
    const [next] = left.splice(bestIndex, 1);
    chosen.push(next!);
    chosenItems.push(next!.item);
  }
  return chosen;
}

function capCategories<T extends Ranked>(ranked: readonly T[], count: number, max: number, depth: number | undefined, meta: (item: number) => ItemMeta | undefined, picked: readonly number[]): T[] {
  const keyOf = (item: number): string | undefined => {
    const path = meta(item)?.category;
    return path === undefined || path.length === 0 ? undefined : JSON.stringify(depth === undefined ? path : path.slice(0, depth));
  };
  const used = new Map<string, number>();
  const take = (item: number): boolean => {
    const key = keyOf(item);
    if (key === undefined) return true;
    const n = used.get(key) ?? 0;
    if (n >= max) return false;
    used.set(key, n + 1);
    return true;
  };
  for (const item of picked) take(item);
  const chosen: T[] = [];
  for (const candidate of ranked) {
    if (chosen.length >= count) break;
    if (take(candidate.item)) chosen.push(candidate);
  }
  return chosen;
}
