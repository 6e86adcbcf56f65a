import { AttuneError } from '../errors/AttuneError.js';
import type { LoggedFeedback, RewardModel } from './LoggedFeedback.js';

export interface MeanRewardOptions {
  /**
   * Pseudo-observations each mean is shrunk with (default 2, the weight of a Beta(1,1) prior).
   * They sit at the level above, not at 1/2: a Beta(1,1) prior would lift an item with no
   * logged clicks to a 50% click rate, which swamps click rates of a few per thousand.
   */
  readonly priorStrength?: number;
}

/**
 * Fits q̂(a, position): the mean reward of each action at each position in the logs, shrunk
 * towards the action's mean over positions, which is shrunk towards the mean of all rounds
 * (each by `priorStrength` pseudo-observations). Without positions, the action means alone.
 * Context is not read; an action never logged gets the overall mean.
 *
 * @example fitMeanRewardModel({ nActions: 2, rounds }).rewards(rounds[0]!, 0); // [q̂(0), q̂(1)]
 */
export function fitMeanRewardModel(feedback: LoggedFeedback, options: MeanRewardOptions = {}): RewardModel {
  const k = options.priorStrength ?? 2;
  if (!Number.isFinite(k) || k < 0) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `priorStrength must be a number ≥ 0, got ${k}`, field: 'priorStrength' });
  }
  const { nActions, rounds } = feedback;
  const nPositions = rounds.reduce((most, r) => (r.position === undefined ? most : Math.max(most, r.position + 1)), 0);
  const actionSum = new Float64Array(nActions);
  const actionCount = new Float64Array(nActions);
  const cellSum = new Float64Array(nActions * nPositions);
  const cellCount = new Float64Array(nActions * nPositions);
  let total = 0;
  for (const { action, position, reward } of rounds) {
    total += reward;
    actionSum[action]! += reward;
    actionCount[action]! += 1;
    if (position !== undefined) {
      cellSum[position * nActions + action]! += reward;
      cellCount[position * nActions + action]! += 1;
    }
  }
  const overall = rounds.length === 0 ? 0 : total / rounds.length;
  const shrunk = (sum: number, count: number, prior: number): number => (count + k === 0 ? prior : (sum + k * prior) / (count + k));
  const byAction = Float64Array.from(actionSum, (sum, a) => shrunk(sum, actionCount[a]!, overall));
  const byPosition = Array.from({ length: nPositions }, (_, position) =>
    Float64Array.from(byAction, (prior, a) => shrunk(cellSum[position * nActions + a]!, cellCount[position * nActions + a]!, prior)));
  return {
    name: nPositions > 0 ? 'mean reward by action and position' : 'mean reward by action',
    rewards: (round) => (round.position === undefined ? byAction : byPosition[round.position] ?? byAction),
  };
}
