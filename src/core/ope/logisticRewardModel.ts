import { AttuneError } from '../errors/AttuneError.js';
import { choleskySolve } from '../numeric/choleskySolve.js';
import { sigmoid, softplus } from '../predict/propensity/fitLogistic.js';
import type { LoggedFeedback, LoggedRound, RewardModel } from './LoggedFeedback.js';

export interface LogisticRewardOptions {
  /** Ridge penalty λ on every coefficient (default 1), in units of the standardised features. */
  readonly l2?: number;
  /** Newton steps at most (default 25); it stops earlier once no coefficient moves by 1e-8. */
  readonly maxIterations?: number;
}

/**
 * Fits q̂(x, a, position) = σ(logit(r̄) + β_a · z), one ridge-penalised logistic regression per
 * action, where z is [1, one-hot position (the first position is the baseline), the round's
 * context standardised over the logs] and r̄ the mean reward of all rounds: the penalty pulls
 * every action towards r̄, so an action with few or no rows predicts about r̄. Rewards must lie
 * in [0, 1] (clicks); every round's context must have the same length (none at all is fine:
 * then it is a smoothed mean by action and position). Newton steps on the penalised
 * log-likelihood, (H + λI)⁻¹ g by Cholesky, each O(rows · width²).
 *
 * @example fitLogisticRewardModel(logs, { l2: 1 }).rewards(logs.rounds[0]!, 0) // q̂ of every action
 */
export function fitLogisticRewardModel(feedback: LoggedFeedback, options: LogisticRewardOptions = {}): RewardModel {
  const l2 = options.l2 ?? 1;
  const maxIterations = options.maxIterations ?? 25;
  if (!(l2 > 0)) throw invalid(`l2 must be positive, got ${l2}`, 'l2');
  const { nActions, rounds } = feedback;
  const features = featureMap(rounds);
  const total = rounds.reduce((sum, r) => sum + r.reward, 0);
  const mean = Math.min(Math.max(rounds.length === 0 ? 0.5 : total / rounds.length, 1e-6), 1 - 1e-6);
  const offset = Math.log(mean / (1 - mean));
  const byAction: number[][] = Array.from({ length: nActions }, () => []);
  rounds.forEach((round, index) => byAction[round.action]?.push(index));
  const beta = byAction.map((rows) => newton(rows.map((i) => rounds[i]!), features, offset, l2, maxIterations));
  const z = new Float64Array(features.width);
  return {
    name: 'logistic regression per action (position, context)',
    rewards: (round) => {
      features.fill(round, z);
      return Float64Array.from(beta, (b) => sigmoid(offset + dot(b, z)));
    },
  };
}

interface FeatureMap {
  readonly width: number;
  fill(round: LoggedRound, z: Float64Array): void;
}

/** z = [1, one-hot position ≥ 1, standardised context]; constant context columns stay 0. */
function featureMap(rounds: readonly LoggedRound[]): FeatureMap {
  const d = rounds[0]?.context?.length ?? 0;
  const nPositions = rounds.reduce((most, r) => (r.position === undefined ? most : Math.max(most, r.position + 1)), 0);
  const center = new Float64Array(d);
  const spread = new Float64Array(d);
  rounds.forEach((round, index) => {
    const x = round.context ?? [];
    if (x.length !== d) throw invalid(`round ${index}: context has ${x.length} values, the first round's ${d}`, 'context', index);
    if (!(round.reward >= 0 && round.reward <= 1)) throw invalid(`round ${index}: a logistic model needs rewards in [0, 1], got ${round.reward}`, 'reward', index);
    for (let j = 0; j < d; j += 1) center[j]! += x[j]! / rounds.length;
  });
  for (const round of rounds) for (let j = 0; j < d; j += 1) spread[j]! += (round.context![j]! - center[j]!) ** 2 / rounds.length;
  const scale = spread.map((v) => (v > 0 ? 1 / Math.sqrt(v) : 0));
  const positionsFrom = 1;
  const contextFrom = 1 + Math.max(0, nPositions - 1);
  return {
    width: contextFrom + d,
    fill(round, z) {
      z.fill(0, 0, contextFrom);
      z[0] = 1;
      if (round.position !== undefined && round.position >= 1 && round.position < nPositions) z[positionsFrom + round.position - 1] = 1;
      const x = round.context ?? [];
      for (let j = 0; j < d; j += 1) z[contextFrom + j] = ((x[j] ?? center[j]!) - center[j]!) * scale[j]!;
    },
  };
}

/**
 * Unlike predict/propensity's fitLogistic, the intercept is penalised too and the linear
 * predictor carries an offset: shrinkage towards the overall rate is what sparse items need.
 */
function newton(rows: readonly LoggedRound[], features: FeatureMap, offset: number, l2: number, maxIterations: number): Float64Array {
  const w = features.width;
  const beta = new Float64Array(w);
  const z = new Float64Array(w);
  for (let iteration = 0; iteration < maxIterations; iteration += 1) {
    const hessian = Array.from({ length: w }, (_, j) => {
      const row = new Float64Array(w);
      row[j] = l2;
      return row;
    });
    const gradient = beta.map((b) => -l2 * b);
    for (const round of rows) {
      features.fill(round, z);
      const p = sigmoid(offset + dot(beta, z));
      const curvature = p * (1 - p);
      for (let j = 0; j < w; j += 1) {
        gradient[j]! += (round.reward - p) * z[j]!;
        const cj = curvature * z[j]!;
        // Only the lower triangle: choleskySolve reads no more.
        if (cj !== 0) for (let k = 0; k <= j; k += 1) hessian[j]![k]! += cj * z[k]!;
      }
    }
    const solved = choleskySolve(hessian, gradient);
    // λI keeps the matrix positive definite; a failure would mean non-finite input.
    if (!solved.ok) throw invalid('the logistic reward model could not be fitted (non-finite features?)', 'context');
    const step = solved.x;
    // A full Newton step can overshoot on nearly separable data (rare clicks): halve it until
    // the penalised log-likelihood improves.
    const before = objective(beta, rows, features, offset, l2, z);
    let scale = 1;
    let trial = beta.map((b, j) => b + step[j]!);
    while (objective(trial, rows, features, offset, l2, z) < before && scale > 1e-6) {
      scale /= 2;
      trial = beta.map((b, j) => b + scale * step[j]!);
    }
    const largest = step.reduce((most, v) => Math.max(most, Math.abs(scale * v)), 0);
    beta.set(trial);
    if (largest < 1e-8) break;
  }
  return beta;
}

/** Σ [y log p + (1 − y) log(1 − p)] − λ/2 ‖β‖², computed stably from the logit. */
function objective(beta: Float64Array, rows: readonly LoggedRound[], features: FeatureMap, offset: number, l2: number, z: Float64Array): number {
  let value = -0.5 * l2 * dot(beta, beta);
  for (const round of rows) {
    features.fill(round, z);
    const eta = offset + dot(beta, z);
    value += round.reward * eta - softplus(eta);
  }
  return value;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += a[i]! * b[i]!;
  return sum;
}

function invalid(detail: string, field: string, index?: number): AttuneError {
  return new AttuneError('ATTUNE_INVALID_REQUEST', { detail, field, ...(index === undefined ? {} : { index }) });
}
