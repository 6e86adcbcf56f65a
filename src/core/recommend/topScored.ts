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
  // The best k kept in order while scanning: a candidate is inserted only when it beats the
  // worst kept, which for k much smaller than the table is rare, so this is near O(n).
  const best: ScoredItem[] = [];
  for (const [item, score] of scores) {
    if (!(score > 0) || exclude?.has(item) === true) continue;
    const candidate = { item, score };
    if (best.length === k && compareScored(candidate, best[k - 1]!) >= 0) continue;
    let at = best.length;
    while (at > 0 && compareScored(candidate, best[at - 1]!) < 0) at--;
    best.splice(at, 0, candidate);
    if (best.length > k) best.pop();
  }
  return best.map(({ item, score }) => {
    const reason = because?.get(item);
    return reason === undefined ? { item, score } : { item, score, because: reason };
  });
}

/** Best first, then the lower item index: the one order every recommender here returns. */
export function compareScored(a: ScoredItem, b: ScoredItem): number {
  return b.score - a.score || a.item - b.item;
}
