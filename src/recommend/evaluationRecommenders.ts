import { EASE_MAX_ITEMS, easeNormalizedTrainer, easeTrainer, type EaseOptions } from '../core/recommend/ease/trainEase.js';
import { itemKnnTrainer } from '../core/recommend/itemKnn/itemKnn.js';
import { popularTrainer, trendingTrainer } from '../core/recommend/popularity/popularity.js';
import type { InteractionData, Recommender } from '../core/recommend/Recommender.js';

export type Protocol = 'split' | 'loo' | 'session';

/** One recommender to evaluate: trained on the protocol's training data, with progress in [0, 1] when it is slow. */
export interface EvaluationEntry {
  readonly name: string;
  /** Reports progress (a bar on a terminal) when true. */
  readonly slow: boolean;
  applies(protocol: Protocol, data: InteractionData): boolean;
  train(data: InteractionData, onProgress: (fraction: number) => void): Recommender;
}

const ease = (trainer: typeof easeTrainer): EvaluationEntry => ({
  name: trainer.name,
  slow: true,
  applies: (_protocol, data) => data.itemIds.length <= EASE_MAX_ITEMS,
  train: (data, onProgress) => trainer.train(data, { onProgress } satisfies EaseOptions),
});

/**
 * The recommenders `attune eval recommend` compares, popularity (the baseline) first. Add a
 * recommender here (the session recommenders name the session protocol in `applies`).
 */
export const evaluationRecommenders: EvaluationEntry[] = [
  { name: 'popular', slow: false, applies: () => true, train: (data) => popularTrainer.train(data) },
  { name: 'trending', slow: false, applies: (protocol) => protocol !== 'split', train: (data) => trendingTrainer.train(data) },
  { name: 'item-knn', slow: true, applies: () => true, train: (data, onProgress) => itemKnnTrainer.train(data, { onProgress }) },
  ease(easeTrainer),
  ease(easeNormalizedTrainer),
];
