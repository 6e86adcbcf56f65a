import type { Random } from '../../common/random.js';
import { normalBestProbabilities } from './normalBest.js';
import type { LinearPrediction } from './LinearModel.js';

/** How a contextual bandit turns predictions into a choice. */
export type ContextualExploration =
  /** Linear Thompson sampling: θ̃ ~ N(θ, v²A⁻¹); `scale` is v. */
  | { readonly kind: 'linTS'; readonly scale: number }
  /** LinUCB: the highest θᵀx + α·sqrt(xᵀA⁻¹x); `alpha` is α. */
  | { readonly kind: 'linUCB'; readonly alpha: number };

export interface ActionPrediction extends LinearPrediction {
  readonly actionId: string;
}

export interface ContextualChoice {
  readonly actionId: string;
  /** Every candidate's probability of being chosen, exactly; they sum to 1. */
  readonly probabilities: ReadonlyMap<string, number>;
}

/**
 * The probability with which each action is chosen. With disjoint models each action's sampled
 * score θ̃ᵀx is a univariate normal N(θᵀx, v²·xᵀA⁻¹x), independent across actions, so linear
 * Thompson sampling chooses action k with P(its normal is the largest): computed by quadrature
 * (`normalBest.ts`), not estimated, and the choice is drawn from those probabilities (the same
 * distribution as drawing θ̃). LinUCB is deterministic (ties by action id). Either way the
 * exploration floor mixes in the uniform choice, so every action keeps `floor` and the recorded
 * probability stays exact.
 *
 * @example contextualProbabilities([{ actionId: 'a', mean: 0.1, spread: 0.5 }, { actionId: 'b', mean: 0.3, spread: 0.5 }], { kind: 'linTS', scale: 0.25 }, 0.01)
 */
export function contextualProbabilities(predictions: readonly ActionPrediction[], exploration: ContextualExploration, floor: number): Map<string, number> {
  const probabilities = new Map<string, number>();
  const shares = choiceProbabilities(predictions, exploration, floor);
  for (const [index, prediction] of predictions.entries()) probabilities.set(prediction.actionId, shares[index]!);
  return probabilities;
}

/**
 * `contextualProbabilities` in the predictions' order, for predictions of distinct actions (a
 * placement's candidates): a decision reads them by index, without building a map.
 *
 * @example choiceProbabilities([{ actionId: 'a', mean: 0, spread: 1 }], { kind: 'linTS', scale: 0.25 }, 0.01) // [1]
 */
export function choiceProbabilities(predictions: readonly ActionPrediction[], exploration: ContextualExploration, floor: number): number[] {
  const k = predictions.length;
  // Typed columns, as a decision's score step passes them: the quadrature then sees one kind
  // of array from every caller (a rank call's and a decision's), not two.
  const means = new Float64Array(k);
  const spreads = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    means[i] = predictions[i]!.mean;
    spreads[i] = predictions[i]!.spread;
  }
  return choiceProbabilitiesOf(predictions, means, spreads, exploration, floor);
}

/**
 * `choiceProbabilities` with the predictions as columns: action i's prediction is (means[i],
 * spreads[i]). A decision fills reused columns, not an object per action. The same numbers.
 *
 * @example choiceProbabilitiesOf([{ actionId: 'a' }], [0], [1], { kind: 'linTS', scale: 0.25 }, 0.01) // [1]
 */
export function choiceProbabilitiesOf(actions: readonly { readonly actionId: string }[], means: ArrayLike<number>, spreads: ArrayLike<number>, exploration: ContextualExploration, floor: number): number[] {
  const k = actions.length;
  if (k === 0) return [];
  const share = Math.min(Math.max(floor, 0), 1 / k);
  const best = exploration.kind === 'linTS' ? thompson(means, spreads, k, exploration.scale) : upperConfidence(actions, means, spreads, exploration.alpha);
  for (let index = 0; index < k; index++) best[index] = share + (1 - k * share) * best[index]!;
  return best;
}

function thompson(means: ArrayLike<number>, spreads: ArrayLike<number>, k: number, scale: number): number[] {
  if (k === 1) return [1];
  // A spread of 0 (x = 0 but for the intercept of a saturated model) would be a point mass;
  // a tiny sd keeps the quadrature defined and changes nothing measurable.
  const sds = new Float64Array(k);
  for (let i = 0; i < k; i++) sds[i] = Math.max(scale * Math.sqrt(spreads[i]!), 1e-9);
  return normalBestProbabilities(means, sds);
}

function upperConfidence(actions: readonly { readonly actionId: string }[], means: ArrayLike<number>, spreads: ArrayLike<number>, alpha: number): number[] {
  let bestIndex = 0;
  let bestBound = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < actions.length; index++) {
    const bound = means[index]! + alpha * Math.sqrt(spreads[index]!);
    const better = bound > bestBound || (bound === bestBound && actions[index]!.actionId < actions[bestIndex]!.actionId);
    if (better) [bestIndex, bestBound] = [index, bound];
  }
  return actions.map((_, index) => (index === bestIndex ? 1 : 0));
}

/** Draws one action from its probabilities (in the predictions' order, so the draw is reproducible). */
export function drawAction(probabilities: ReadonlyMap<string, number>, random: Random): string {
  const u = random.next();
  let cumulative = 0;
  let lastPossible = '';
  for (const [actionId, p] of probabilities) {
    if (p <= 0) continue;
    cumulative += p;
    lastPossible = actionId;
    if (u < cumulative) return actionId;
  }
  // Rounding can leave the sum a hair below 1: the last action that can be chosen takes it.
  return lastPossible;
}

/** Chooses an action for a context: probabilities, then a draw. */
export function chooseContextual(predictions: readonly ActionPrediction[], exploration: ContextualExploration, floor: number, random: Random): ContextualChoice {
  if (predictions.length === 0) throw new RangeError('chooseContextual needs at least one action');
  const probabilities = contextualProbabilities(predictions, exploration, floor);
  return { actionId: drawAction(probabilities, random), probabilities };
}
