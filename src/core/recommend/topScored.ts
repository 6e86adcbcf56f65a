import type { ScoredItem } from './Recommender.js';

/**
 * The `k` best of a score table, best first; ties go to the lower item index so that the same
 * scores always give the same list. Items in `exclude` and scores that are not positive are
 * left out. `because` (optional) names the history item behind each score.
 *
 * @example topScored(new Map([[3, 0.5], [1, 0.9]]), 1) // [{ item: 1, score: 0.9 }]
 */
export function topScored(
  scores: ReadonlyMap<number, number>,
  k: number,
  exclude?: ReadonlySet<number>,
  because?: ReadonlyMap<number, number>,
): ScoredItem[] {
  if (k <= 0) return [];
  // A short sorted list of the best so far: a long score table (content similarity over a
  // large category) is not sorted whole for the few items asked.
  const ranked: ScoredItem[] = [];
  for (const [item, score] of scores) {
    if (!(score > 0) || exclude?.has(item) === true) continue;
    if (ranked.length === k && compareScored({ item, score }, ranked[k - 1]!) >= 0) continue;
    const reason = because?.get(item);
    const entry = reason === undefined ? { item, score } : { item, score, because: reason };
    let at = ranked.length;
    while (at > 0 && compareScored(entry, ranked[at - 1]!) < 0) at--;
    ranked.splice(at, 0, entry);
    if (ranked.length > k) ranked.pop();
  }
  return ranked;
}

/** Best first, then the lower item index: the one order every recommender here returns. */
export function compareScored(a: ScoredItem, b: ScoredItem): number {
  return b.score - a.score || a.item - b.item;
}
