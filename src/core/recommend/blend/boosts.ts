import type { ItemMeta } from './businessFilters.js';

/**
 * Business boosts, multiplying a recommender's score (so they reorder within a strategy's
 * list but never turn a weak candidate into a strong one from nothing):
 * - margin: score x (1 + weight x margin), margin in [0, 1];
 * - new items: score x factor for items created within `withinSeconds` before `now`.
 */
export interface Boosts {
  readonly marginWeight?: number | undefined;
  readonly newItems?: { readonly withinSeconds: number; readonly factor: number } | undefined;
  /** Unix seconds; the caller's clock. */
  readonly now: number;
}

/** @example boostedScore(0.5, { margin: 0.4 }, { marginWeight: 1, now: 0 }) // 0.7 */
export function boostedScore(score: number, meta: ItemMeta | undefined, boosts: Boosts): number {
  let boosted = score;
  const margin = meta?.margin;
  if (boosts.marginWeight !== undefined && margin !== undefined && Number.isFinite(margin)) {
    boosted *= 1 + boosts.marginWeight * Math.min(1, Math.max(0, margin));
  }
  const created = meta?.createdAt;
  if (boosts.newItems !== undefined && created !== undefined && created <= boosts.now && boosts.now - created <= boosts.newItems.withinSeconds) {
    boosted *= boosts.newItems.factor;
  }
  return boosted;
}
