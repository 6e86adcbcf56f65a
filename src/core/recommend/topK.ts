import type { ScoredItem } from './Recommender.js';

/**
 * The `k` best items of a dense score array, best first, ties to the smaller index (so results
 * are reproducible), leaving out excluded items and those scoring at or below `floor`
 * (a recommender with nothing to say about an item gives it no place). O(n) for small k.
 */
export function topK(scores: ArrayLike<number>, k: number, exclude?: ReadonlySet<number>, floor = -Infinity): ScoredItem[] {
  if (k <= 0) return [];
  const items: number[] = [];
  const values: number[] = [];
  let worst = -Infinity;
  for (let item = 0; item < scores.length; item++) {
    const score = scores[item]!;
    if (!(score > floor) || (items.length === k && score <= worst)) continue;
    if (exclude?.has(item) === true) continue;
    // Insertion into the short sorted list: later items lose ties, so they go after equals.
    let at = items.length;
    while (at > 0 && values[at - 1]! < score) at--;
    items.splice(at, 0, item);
    values.splice(at, 0, score);
    if (items.length > k) {
      items.pop();
      values.pop();
    }
    if (items.length === k) worst = values[k - 1]!;
  }
  return items.map((item, index) => ({ item, score: values[index]! }));
}
