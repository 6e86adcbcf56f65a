import type { EaseModel } from '../ease/trainEase.js';
import type { ItemKnnModel } from '../itemKnn/itemKnn.js';

/**
 * A collaborative model trained by a job from a workspace's interactions, as it is stored
 * (`modelPayload.ts`) and served (`trainedRecommender.ts`). Its items are its own dense
 * indices: `itemIds[i]` is the catalog id of index i, so the shell maps by id, never by index.
 */
export type TrainedModel =
  | { readonly kind: 'ease-norm'; readonly itemIds: readonly string[]; readonly ease: EaseModel }
  | { readonly kind: 'item-knn'; readonly itemIds: readonly string[]; readonly knn: ItemKnnModel };

export type TrainedModelKind = TrainedModel['kind'];
export const trainedModelKinds: readonly TrainedModelKind[] = ['ease-norm', 'item-knn'];

/** Holdout figures stored with a model version: how well it ranks what users did next, beside popularity. */
export interface ModelMetrics {
  /** `leave-last-out`: each user's latest item is hidden, the rest is the history; full ranking less the history. */
  readonly protocol: 'leave-last-out';
  readonly k: number;
  /** Users judged (those with two items or more, at most `maxEvaluatedUsers`, taken evenly). */
  readonly judgedUsers: number;
  readonly ndcg: number;
  readonly hitRate: number;
  readonly popularNdcg: number;
  readonly popularHitRate: number;
}

/** Bytes of the model's arrays in memory (the payload adds the item id table). */
export function modelBytes(model: TrainedModel): number {
  if (model.kind === 'ease-norm') return model.ease.b.byteLength + model.ease.weights.byteLength;
  return model.knn.offsets.byteLength + model.knn.neighbours.byteLength + model.knn.similarities.byteLength;
}
