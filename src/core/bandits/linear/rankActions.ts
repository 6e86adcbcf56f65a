import type { Random } from '../../common/random.js';
import { contextualProbabilities, drawAction, type ContextualExploration } from './contextualChoice.js';
import { predictSparse, sparseOf, type LinearModel } from './LinearModel.js';
import { encodeKeyed, featureKeys, flattenFeatures, type KeyedFeature } from './encodeFeatures.js';

/** A candidate as a rank call sends it: an id and its features (Personalizer's list of objects). */
export interface RankableAction {
  readonly id: string;
  readonly features: readonly unknown[];
}

export interface RankSettings {
  readonly exploration: ContextualExploration;
  /**
   * The share of choices made uniformly at random over the eligible actions (Personalizer's
   * `explorationPercentage`, 0.2 by default): each action keeps at least share / k.
   */
  readonly explorationShare: number;
}

export interface Ranking {
  readonly chosenActionId: string;
  /** Each action's probability of being chosen, in the order of the actions given (0 for excluded ones); they sum to 1. */
  readonly probabilities: readonly number[];
  /** Indexes into the actions: the chosen one first, the other eligible ones by probability, the excluded ones last. */
  readonly order: readonly number[];
}

/**
 * The vector of one (context, action) pair for a shared model: context and action features in
 * their own namespaces, their crosses (so the model learns which action suits which context),
 * and the action id as an action feature (so actions whose features are equal, or missing,
 * still get a weight of their own).
 *
 * @example actionVector([{ timeOfDay: 'Morning' }], { id: 'news', features: [{ type: 'News' }] }, 256)
 */
export function actionVector(context: readonly unknown[], action: RankableAction, dims: number): Float64Array {
  return keyedActionVector(contextKeys(context), action, dims);
}

/** The context's features hashed once, for every action of a rank call. */
function contextKeys(context: readonly unknown[]): KeyedFeature[] {
  return featureKeys('c', flattenFeatures(context));
}

function keyedActionVector(context: readonly KeyedFeature[], action: RankableAction, dims: number): Float64Array {
  return encodeKeyed([context, featureKeys('a', { ...flattenFeatures(action.features), '#id': action.id })], dims, true);
}

/**
 * Ranks the actions for a context with one shared linear model: each eligible action's
 * predicted reward and its uncertainty, the choice probabilities of linear Thompson sampling (or
 * LinUCB) with the exploration share mixed in uniformly, and one draw. The probabilities treat
 * the actions' sampled scores as independent (each its marginal posterior): the draw is made
 * from exactly these probabilities, so the recorded propensity is the true one of the choice.
 *
 * @example rankActions(createLinearModel(64), [{ x: 1 }], [{ id: 'a', features: [] }, { id: 'b', features: [] }], new Set(), { exploration: { kind: 'linTS', scale: 0.5 }, explorationShare: 0.2 }, seededRandom(1))
 */
export function rankActions(model: LinearModel, context: readonly unknown[], actions: readonly RankableAction[], excluded: ReadonlySet<string>, settings: RankSettings, random: Random): Ranking {
  const eligible = actions.flatMap((action, index) => (excluded.has(action.id) ? [] : [index]));
  if (eligible.length === 0) throw new RangeError('rankActions needs at least one action that is not excluded');
  // The context is hashed once; each prediction reads only its vector's non-zero entries
  // (the same sums in the same order as predictLinear). The ridge argument is the prior's for
  // a missing model; this model always exists, so it is not read.
  const keys = contextKeys(context);
  const predictions = eligible.map((index) => ({ actionId: String(index), ...predictSparse(model, sparseOf(keyedActionVector(keys, actions[index]!, model.dims)), 1) }));
  const share = Math.min(Math.max(settings.explorationShare, 0), 1);
  const raw = contextualProbabilities(predictions, settings.exploration, share / eligible.length);
  // Normalised so that they sum to 1 as recorded; the draw uses the very same numbers.
  let total = 0;
  for (const p of raw.values()) total += p;
  const normalised = new Map([...raw].map(([key, p]) => [key, p / total]));
  const chosen = Number(drawAction(normalised, random));
  const probabilities = actions.map((_, index) => normalised.get(String(index)) ?? 0);
  const others = eligible.filter((index) => index !== chosen).sort((a, b) => probabilities[b]! - probabilities[a]! || a - b);
  const order = [chosen, ...others, ...actions.flatMap((action, index) => (excluded.has(action.id) ? [index] : []))];
  return { chosenActionId: actions[chosen]!.id, probabilities, order };
}
