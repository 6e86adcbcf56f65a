import type { InteractionData } from '../Recommender.js';

/** One ranking to judge: what the recommender is told, and what it should find. */
export interface EvaluationCase {
  /** The user's training items (or the session so far), oldest first. */
  readonly history: readonly number[];
  /** The user's index in the training data, when there is one. */
  readonly user?: number | undefined;
  /** Items removed from the ranking (the training items under the split protocols). */
  readonly exclude?: ReadonlySet<number> | undefined;
  /** The test items the recommender can rank (those in the training data's item table). */
  readonly relevant: ReadonlySet<number>;
  /** Every test item of the case, rankable or not: the denominator of recall and MAP. */
  readonly relevantCount: number;
}

/** A protocol's output: the data to train on and the cases to judge the trained models by. */
export interface EvaluationSplit {
  readonly train: InteractionData;
  readonly cases: readonly EvaluationCase[];
}
