/**
 * Each score's percentile rank among all the scores, in (0, 100]: the share strictly below plus
 * half the share tied with it (scipy's percentileofscore(kind='mean')), so equal scores get
 * equal ranks and a list's ranks average 50. "Top 10 % most likely to buy" is rank > 90.
 *
 * @example percentileRanks([0.2, 0.5, 0.5, 0.9]) // [12.5, 50, 50, 87.5]
 */
export function percentileRanks(scores: readonly number[]): number[] {
  const n = scores.length;
  const order = scores.map((_score, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const ranks = new Array<number>(n).fill(0);
  for (let start = 0; start < n;) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]!] === scores[order[start]!]) end += 1;
    const rank = (100 * (start + (end - start + 1) / 2)) / n;
    for (let k = start; k <= end; k++) ranks[order[k]!] = rank;
    start = end + 1;
  }
  return ranks;
}
