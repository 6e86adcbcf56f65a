/**
 * 1-based ranks of the values in ascending order, tied values sharing the mean of their ranks
 * (scipy.stats.rankdata(method='average')): the common ground of the Mann–Whitney AUC and
 * percentile ranks. O(n log n).
 *
 * @example midranks([0.2, 0.5, 0.5, 0.9]) // [1, 2.5, 2.5, 4]
 */
export function midranks(values: readonly number[]): number[] {
  const order = values.map((_value, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Array<number>(values.length).fill(0);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1]!] === values[order[start]!]) end += 1;
    // Positions start..end (ranks start + 1 .. end + 1) are tied: each gets their mean.
    const rank = (start + end + 2) / 2;
    for (let k = start; k <= end; k++) ranks[order[k]!] = rank;
    start = end + 1;
  }
  return ranks;
}
