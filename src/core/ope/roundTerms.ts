import { AttuneError } from '../errors/AttuneError.js';
import { propensityOf, type EvaluationPolicy, type LoggedFeedback, type RewardModel } from './LoggedFeedback.js';

/**
 * Per-round terms of every estimator over the usable rounds (those with a positive
 * propensity), computed once so that each estimate and each bootstrap resample is a sum.
 */
export interface RoundTerms {
  /** r_t */
  readonly reward: Float64Array;
  /** The importance weight as the estimators use it: min(π_e(a_t)/p_t, W). */
  readonly weight: Float64Array;
  /** weight · r_t (inverse propensity scoring) */
  readonly ipw: Float64Array;
  /** Σ_a π_e(a) q̂(a) (direct method) */
  readonly dm: Float64Array;
  /** dm + weight · (r_t − q̂(a_t)) (doubly robust) */
  readonly dr: Float64Array;
  /** The unclipped weights π_e(a_t)/p_t, for the diagnostics. */
  readonly rawWeight: Float64Array;
  readonly propensityMissing: number;
  readonly propensityZero: number;
  readonly propensityLow: number;
  readonly clippedRounds: number;
}

export interface TermOptions {
  readonly clip: number;
  readonly lowPropensity: number;
}

const sumTolerance = 1e-6;

/** Builds the per-round terms, refusing logs or policies that break their contract. */
export function roundTerms(feedback: LoggedFeedback, policy: EvaluationPolicy, model: RewardModel, options: TermOptions): RoundTerms {
  const { nActions, rounds } = feedback;
  const usable: number[] = [];
  let propensityMissing = 0;
  let propensityZero = 0;
  let propensityLow = 0;
  rounds.forEach((round, index) => {
    checkRound(round.action, round.reward, nActions, index);
    const p = propensityOf(round);
    if (p === undefined) propensityMissing += 1;
    else if (!(p >= 0 && p <= 1)) throw invalid(`round ${index}: propensity must be in [0, 1], got ${p}`, index, 'propensity');
    else if (p === 0) propensityZero += 1;
    else {
      if (p < options.lowPropensity) propensityLow += 1;
      usable.push(index);
    }
  });
  const n = usable.length;
  const terms = {
    reward: new Float64Array(n), weight: new Float64Array(n), ipw: new Float64Array(n),
    dm: new Float64Array(n), dr: new Float64Array(n), rawWeight: new Float64Array(n),
  };
  let clippedRounds = 0;
  usable.forEach((index, t) => {
    const round = rounds[index]!;
    const pi = policy(round, index);
    const q = model.rewards(round, index);
    const direct = directTerm(pi, q, nActions, index);
    const raw = pi[round.action]! / round.propensity!;
    const w = Math.min(raw, options.clip);
    if (raw > options.clip) clippedRounds += 1;
    terms.reward[t] = round.reward;
    terms.rawWeight[t] = raw;
    terms.weight[t] = w;
    terms.ipw[t] = w * round.reward;
    terms.dm[t] = direct;
    terms.dr[t] = direct + w * (round.reward - q[round.action]!);
  });
  return { ...terms, propensityMissing, propensityZero, propensityLow, clippedRounds };
}

/** Σ_a π_e(a) q̂(a), checking that π_e is a distribution over the actions. */
function directTerm(pi: ArrayLike<number>, q: ArrayLike<number>, nActions: number, index: number): number {
  if (pi.length !== nActions) throw invalid(`round ${index}: the evaluation policy gave ${pi.length} probabilities for ${nActions} actions`, index, 'policy');
  if (q.length !== nActions) throw invalid(`round ${index}: the reward model gave ${q.length} rewards for ${nActions} actions`, index, 'rewardModel');
  let mass = 0;
  let value = 0;
  for (let a = 0; a < nActions; a += 1) {
    const p = pi[a]!;
    if (!(p >= 0)) throw invalid(`round ${index}: the evaluation policy's probability of action ${a} is ${p}`, index, 'policy');
    mass += p;
    value += p * q[a]!;
  }
  if (Math.abs(mass - 1) > sumTolerance) throw invalid(`round ${index}: the evaluation policy's probabilities sum to ${mass}, not 1`, index, 'policy');
  return value;
}

function checkRound(action: number, reward: number, nActions: number, index: number): void {
  if (!Number.isInteger(action) || action < 0 || action >= nActions) throw invalid(`round ${index}: action must be an integer from 0 to ${nActions - 1}, got ${action}`, index, 'action');
  if (!Number.isFinite(reward)) throw invalid(`round ${index}: reward must be a finite number, got ${reward}`, index, 'reward');
}

function invalid(detail: string, index: number, field: string): AttuneError {
  return new AttuneError('ATTUNE_INVALID_REQUEST', { detail, index, field });
}
