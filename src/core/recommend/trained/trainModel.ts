import { AttuneError } from '../../errors/AttuneError.js';
import { EASE_MAX_ITEMS, easeNormalizedDefaults, trainEaseModel } from '../ease/trainEase.js';
import { evaluateRecommender } from '../evaluate/evaluateRecommender.js';
import type { EvaluationCase } from '../evaluate/EvaluationCase.js';
import { leaveLastOut } from '../evaluate/protocols.js';
import { trainItemKnnModel } from '../itemKnn/itemKnn.js';
import { popularTrainer } from '../popularity/popularity.js';
import type { InteractionData } from '../Recommender.js';
import { trainedRecommender } from './trainedRecommender.js';
import type { ModelMetrics, TrainedModel, TrainedModelKind } from './TrainedModel.js';

/** What a training job does, in order: train on the holdout split and judge it, then train on everything. */
export type TrainingStep = 'holdout' | 'final';

export interface TrainModelOptions {
  /** `auto` (default): EASE with normalisation up to EASE_MAX_ITEMS items, item-kNN above. */
  readonly kind?: 'auto' | TrainedModelKind;
  /** Metrics at k (default 10). */
  readonly k?: number;
  /** Users judged at most, taken evenly over the users (default 5,000): bounds the evaluation's time. */
  readonly maxEvaluatedUsers?: number;
  /** Neighbours per item for item-kNN (default 100). */
  readonly neighbours?: number;
  readonly onProgress?: (step: TrainingStep, fraction: number) => void;
}

export interface TrainModelResult {
  readonly model: TrainedModel;
  readonly metrics: ModelMetrics;
  /** Said when the kind was not the one asked for (a catalog too large for EASE). */
  readonly notice: string | undefined;
}

/** The kind `auto` picks, and why when it is not EASE. */
export function chooseKind(itemCount: number, asked: 'auto' | TrainedModelKind): { kind: TrainedModelKind; notice: string | undefined } {
  if (asked === 'item-knn') return { kind: 'item-knn', notice: undefined };
  if (itemCount <= EASE_MAX_ITEMS) return { kind: 'ease-norm', notice: undefined };
  const detail = `EASE takes at most ${EASE_MAX_ITEMS.toLocaleString('en')} items (its item-item matrix is items^2 floats); this workspace has ${itemCount.toLocaleString('en')}`;
  if (asked === 'ease-norm') throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${detail}: train item-knn instead`, field: '/kind' });
  return { kind: 'item-knn', notice: `${detail}: trained item-knn instead` };
}

function train(data: InteractionData, kind: TrainedModelKind, options: TrainModelOptions, onProgress: (fraction: number) => void): TrainedModel {
  if (kind === 'item-knn') return { kind, itemIds: data.itemIds, knn: trainItemKnnModel(data, { neighbours: options.neighbours ?? 100, onProgress }) };
  return { kind, itemIds: data.itemIds, ease: trainEaseModel(data, { ...easeNormalizedDefaults, weighted: true, onProgress }) };
}

/** At most `max` cases, taken at an even stride (deterministic: no random generator needed). */
function evenly(cases: readonly EvaluationCase[], max: number): EvaluationCase[] {
  if (cases.length <= max) return [...cases];
  const stride = cases.length / max;
  return Array.from({ length: max }, (_, i) => cases[Math.floor(i * stride)]!);
}

/**
 * Trains the collaborative model of a workspace: first on a leave-last-out split, judged
 * (nDCG and hit rate at k, beside popularity on the same split), then on all the data; the
 * model served is the second, the metrics are the first's. Pure: the same data gives the same
 * model and figures.
 *
 * @example const { model, metrics } = trainRecommenderModel(data); // model.kind 'ease-norm' up to 20,000 items
 */
export function trainRecommenderModel(data: InteractionData, options: TrainModelOptions = {}): TrainModelResult {
  if (data.itemIds.length === 0 || data.interactions.length === 0) {
    throw new AttuneError('ATTUNE_MODEL_NO_DATA', { detail: 'no item interactions (Product Viewed, Product Added, Order Completed) to learn from' });
  }
  const { kind, notice } = chooseKind(data.itemIds.length, options.kind ?? 'auto');
  const k = options.k ?? 10;
  const progress = options.onProgress ?? (() => undefined);
  const split = leaveLastOut(data);
  const cases = evenly(split.cases, options.maxEvaluatedUsers ?? 5_000);
  let metrics: ModelMetrics = { protocol: 'leave-last-out', k, judgedUsers: 0, ndcg: 0, hitRate: 0, popularNdcg: 0, popularHitRate: 0 };
  if (cases.length > 0) {
    const holdout = trainedRecommender(kind, train(split.train, kind, options, (f) => progress('holdout', f)));
    const judged = evaluateRecommender(holdout, cases, k, data.itemIds.length);
    const popular = evaluateRecommender(popularTrainer.train(split.train), cases, k, data.itemIds.length);
    metrics = { ...metrics, judgedUsers: cases.length, ndcg: judged.ndcg, hitRate: judged.hitRate, popularNdcg: popular.ndcg, popularHitRate: popular.hitRate };
  }
  progress('holdout', 1);
  const model = train(data, kind, options, (f) => progress('final', f));
  progress('final', 1);
  return { model, metrics, notice };
}
