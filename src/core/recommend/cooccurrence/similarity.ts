import type { CooccurrenceState } from './CooccurrenceState.js';

/**
 * How strongly two items go together, from their counts (c_a, c_b: baskets with each; c_ab:
 * baskets with both; N: baskets):
 * - `cosine`  c_ab / sqrt(c_a c_b): favours pairs that are common together, tempered for popular items;
 * - `lift`    c_ab N / (c_a c_b): how much more often than chance (1 = independent); favours rare pairs;
 * - `jaccard` c_ab / (c_a + c_b - c_ab): the share of baskets with either that hold both.
 */
export type SimilarityMeasure = 'cosine' | 'lift' | 'jaccard';

export const similarityMeasures: readonly SimilarityMeasure[] = ['cosine', 'lift', 'jaccard'];

/** The measure from raw counts; 0 when either item was never seen or the pair never co-occurred. */
export function similarityFromCounts(measure: SimilarityMeasure, both: number, countA: number, countB: number, baskets: number): number {
  if (both <= 0 || countA <= 0 || countB <= 0) return 0;
  switch (measure) {
    case 'cosine': return both / Math.sqrt(countA * countB);
    case 'lift': return (both * baskets) / (countA * countB);
    case 'jaccard': return both / (countA + countB - both);
  }
}

/** The measure for two items of a state. */
export function pairSimilarity(state: CooccurrenceState, measure: SimilarityMeasure, a: number, b: number): number {
  if (a === b) return 0;
  const both = state.pairs.get(a)?.get(b) ?? 0;
  return similarityFromCounts(measure, both, state.itemCounts.get(a) ?? 0, state.itemCounts.get(b) ?? 0, state.baskets);
}
