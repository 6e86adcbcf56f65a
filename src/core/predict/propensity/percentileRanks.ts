import { midranks } from './midranks.js';

/**
 * Each score's percentile rank among all the scores, in (0, 100): the share strictly below plus
 * half the share tied with it (scipy's percentileofscore(kind='mean')), so equal scores get
 * equal ranks and a list's ranks average 50. "Top 10 % most likely to buy" is rank > 90.
 *
 * @example percentileRanks([0.2, 0.5, 0.5, 0.9]) // [12.5, 50, 50, 87.5]
 */
export function percentileRanks(scores: readonly number[]): number[] {
  // A midrank r of n tied values starting after s smaller ones is s + (n + 1)/2, so r − ½ = s + n/2.
  return midranks(scores).map((rank) => (100 * (rank - 0.5)) / scores.length);
}
