import { AttuneError } from '../../errors/AttuneError.js';
import type { InteractionData, Recommender, RecommendQuery, RecommenderTrainer, ScoredItem } from '../Recommender.js';
import { topK } from '../topK.js';
import { itemUserCounts, userItems } from '../userItems.js';
import { spdInverse, type Progress, type SpdInverter } from './spdInverse.js';

/** Dense item-item models beyond this many items need more memory and time than EASE is worth: use item-kNN. */
export const EASE_MAX_ITEMS = 20_000;

export interface EaseOptions {
  /** L2 regularisation, in the units of plain EASE (X^T X + lambda I); 500 suits MovieLens 100K. */
  readonly lambda?: number;
  /**
   * Item popularity normalisation: each item's column of X is scaled by (users + 1)^-itemExponent,
   * so that popular items weigh less in the model and in the scores. 0 is plain EASE.
   */
  readonly itemExponent?: number;
  /** User weighting: each user's row of the Gram matrix counts |items|^-userExponent. 0 is plain EASE. */
  readonly userExponent?: number;
  /**
   * X[u][i] is the largest `weight` of the user's interactions with the item (a purchase
   * counting more than a view) instead of 1. Default false: implicit feedback, every item 1.
   */
  readonly weighted?: boolean;
  readonly onProgress?: Progress;
  /**
   * What inverts the regularised Gram matrix: `spdInverse` on this thread unless given (the
   * shell's `startParallelSpdInverse` shares it between threads, with the same result).
   */
  readonly inverse?: SpdInverter;
}

/** The model: B (n x n, zero diagonal) in single precision, and the item weights applied to a history. */
export interface EaseModel {
  readonly itemCount: number;
  readonly weights: Float64Array;
  readonly b: Float32Array;
}

/**
 * EASE (Steck 2019): B = I - P / diag(P) with P = (X^T X + lambda I)^-1, so B[i][i] = 0 and
 * B[i][j] = -P[i][j] / P[j][j]. With `itemExponent` and `userExponent` it is trained on a
 * re-weighted X (see EaseOptions), lambda rescaled by the mean diagonal so that one lambda
 * means the same strength either way.
 */
export function trainEaseModel(data: InteractionData, options: EaseOptions = {}): EaseModel {
  const n = data.itemIds.length;
  if (n > EASE_MAX_ITEMS) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `EASE takes at most ${EASE_MAX_ITEMS} items, got ${n}: use item-kNN`, field: '/items' });
  }
  const lambda = options.lambda ?? 500;
  const lists = userItems(data);
  const support = itemUserCounts(lists, n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) weights[i] = (support[i]! + 1) ** -(options.itemExponent ?? 0);
  const gram = weightedGram(lists, weights, n, options.userExponent ?? 0, options.weighted === true ? strengths(data, lists) : undefined);
  let plainDiagonal = 0;
  let diagonal = 0;
  for (let i = 0; i < n; i++) {
    plainDiagonal += support[i]!;
    diagonal += gram[i * n + i]!;
  }
  const regularisation = plainDiagonal > 0 ? lambda * (diagonal / plainDiagonal) : lambda;
  for (let i = 0; i < n; i++) gram[i * n + i]! += regularisation;
  const inverse = (options.inverse ?? spdInverse)(gram, n, options.onProgress);
  if (!inverse.ok) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `EASE: the regularised Gram matrix is not positive definite at item ${inverse.row}; raise lambda`, field: '/lambda' });
  const p = inverse.inverse;
  const scale = new Float64Array(n);
  for (let j = 0; j < n; j++) scale[j] = -1 / p[j * n + j]!;
  const b = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) b[row + j] = p[row + j]! * scale[j]!;
    b[row + i] = 0;
  }
  return { itemCount: n, weights, b };
}

/** Each user's X values, parallel to `lists`: the largest weight of the user's interactions with the item. */
function strengths(data: InteractionData, lists: readonly (readonly number[])[]): number[][] {
  const n = data.itemIds.length;
  const strongest = new Map<number, number>();
  for (const { user, item, weight } of data.interactions) {
    const key = user * n + item;
    strongest.set(key, Math.max(strongest.get(key) ?? -Infinity, weight));
  }
  return lists.map((items, user) => items.map((item) => strongest.get(user * n + item)!));
}

/**
 * The lower triangle of sum over users of |u|^-userExponent * (w o x_u)(w o x_u)^T (x_u binary
 * unless `values`). Each user's items are taken in increasing order, so the pairs q <= p are
 * exactly the ones before p (half the loop of all pairs, no test) and each row of the 22 MB
 * matrix is written left to right; every entry still adds its users in user order.
 */
function weightedGram(lists: readonly (readonly number[])[], weights: Float64Array, n: number, userExponent: number, values?: readonly (readonly number[])[]): Float64Array {
  const gram = new Float64Array(n * n);
  for (let user = 0; user < lists.length; user++) {
    const items = lists[user]!;
    if (items.length === 0) continue;
    const userWeight = items.length ** -userExponent;
    const x = values?.[user];
    // A user's items are distinct, so sorting the values alone is enough without strengths.
    const order = x === undefined ? null : Array.from(items.keys()).sort((a, b) => items[a]! - items[b]!);
    const sorted = order === null ? Int32Array.from(items).sort() : Int32Array.from(order, (a) => items[a]!);
    const xs = order === null || x === undefined ? new Float64Array(sorted.length).fill(1) : Float64Array.from(order, (a) => x[a]!);
    for (let a = 0; a < sorted.length; a++) {
      const p = sorted[a]!;
      const wp = userWeight * weights[p]! * xs[a]!;
      for (let b = 0; b <= a; b++) gram[p * n + sorted[b]!]! += wp * weights[sorted[b]!]! * xs[b]!;
    }
  }
  return gram;
}

/**
 * Scores a history through the item model (the history vector times B), so a profile that
 * arrived after training is scored from its live history like any other.
 */
export function easeRecommender(name: string, model: EaseModel): Recommender & { readonly model: EaseModel; readonly modelBytes: number } {
  const { itemCount: n, weights, b } = model;
  return {
    name,
    model,
    modelBytes: b.byteLength + weights.byteLength,
    recommend(query: RecommendQuery): ScoredItem[] {
      const scores = new Float64Array(n);
      const seen = new Set<number>();
      for (const item of query.history) {
        if (!(item >= 0 && item < n) || seen.has(item)) continue;
        seen.add(item);
        const w = weights[item]!;
        const row = item * n;
        for (let j = 0; j < n; j++) scores[j]! += w * b[row + j]!;
      }
      if (seen.size === 0) return [];
      return topK(scores, query.k, query.exclude);
    },
  };
}

/** Plain EASE, lambda 500 unless given. */
export const easeTrainer: RecommenderTrainer<EaseOptions> = {
  name: 'ease',
  train: (data, options) => easeRecommender('ease', trainEaseModel(data, options)),
};

/**
 * EASE with item popularity normalisation and user weighting (itemExponent 0.25,
 * userExponent 0.5, lambda 800): chosen on MovieLens 100K (docs/recommend.md), where it beats
 * plain EASE(500) by about 0.006 nDCG@10 on the same splits.
 */
export const easeNormalizedDefaults = { lambda: 800, itemExponent: 0.25, userExponent: 0.5 } as const;

export const easeNormalizedTrainer: RecommenderTrainer<EaseOptions> = {
  name: 'ease-norm',
  train: (data, options) => easeRecommender('ease-norm', trainEaseModel(data, { ...easeNormalizedDefaults, ...options })),
};
