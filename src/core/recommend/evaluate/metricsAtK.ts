/** The ranking metrics of one user (or one session position) at k. */
export interface RankingMetrics {
  /** 1 when at least one relevant item is in the top k. */
  readonly hit: number;
  /** Hits over k. */
  readonly precision: number;
  /** Hits over the number of relevant items (all of them, including any the recommender cannot know). */
  readonly recall: number;
  /** DCG of the top k (binary gains, 1 / log2(rank + 1)) over the ideal DCG of min(k, relevant) hits. */
  readonly ndcg: number;
  /** Average precision: the sum of the precision at each hit, over the number of relevant items. */
  readonly averagePrecision: number;
  /** 1 / the rank of the first hit in the top k, else 0. */
  readonly reciprocalRank: number;
}

/**
 * Metrics at k of a ranked list against the relevant items. `relevantCount` is the number of
 * the user's test items, which may exceed `relevant.size` when some test items cannot be
 * ranked (absent from training): they still count in recall, nDCG's ideal and MAP.
 *
 * @example metricsAtK([3, 1, 2], new Set([1]), 1, 3) // hit 1, precision 1/3, recall 1, ndcg 1/log2(3), AP 1/2, RR 1/2
 */
export function metricsAtK(ranked: readonly number[], relevant: ReadonlySet<number>, relevantCount: number, k: number): RankingMetrics {
  if (!(k >= 1) || !Number.isInteger(k)) throw new RangeError(`metricsAtK: k must be a positive integer, got ${k}`);
  if (relevantCount < relevant.size) throw new RangeError(`metricsAtK: relevantCount ${relevantCount} is below the ${relevant.size} relevant items given`);
  if (relevantCount === 0) return { hit: 0, precision: 0, recall: 0, ndcg: 0, averagePrecision: 0, reciprocalRank: 0 };
  let hits = 0;
  let dcg = 0;
  let precisionSum = 0;
  let reciprocalRank = 0;
  const counted = new Set<number>();
  const depth = Math.min(k, ranked.length);
  for (let rank = 1; rank <= depth; rank++) {
    const item = ranked[rank - 1]!;
    // A list that repeats an item gets credit for it once.
    if (!relevant.has(item) || counted.has(item)) continue;
    counted.add(item);
    hits += 1;
    dcg += 1 / Math.log2(rank + 1);
    precisionSum += hits / rank;
    if (reciprocalRank === 0) reciprocalRank = 1 / rank;
  }
  let ideal = 0;
  for (let rank = 1; rank <= Math.min(k, relevantCount); rank++) ideal += 1 / Math.log2(rank + 1);
  return {
    hit: hits > 0 ? 1 : 0,
    precision: hits / k,
    recall: hits / relevantCount,
    ndcg: dcg / ideal,
    averagePrecision: precisionSum / relevantCount,
    reciprocalRank,
  };
}
