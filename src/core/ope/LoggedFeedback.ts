/**
 * One logged decision of a bandit: what the logging policy showed, where, what came of it and
 * how likely the logging policy was to show it. Actions are indices 0..nActions-1.
 */
export interface LoggedRound {
  readonly action: number;
  /** The slot the action was shown in (0-based), when the logs have slots. */
  readonly position?: number;
  readonly reward: number;
  /**
   * The logging policy's probability of this action (at this position): the propensity.
   * Missing (undefined, null or NaN) and zero propensities are counted in the diagnostics,
   * and such rounds are left out of every estimate (no importance weight exists for them).
   */
  readonly propensity?: number | null;
  /** Features of the round (user, time, ...), for reward models that read them. */
  readonly context?: readonly number[];
}

/** The logs of one logging policy. */
export interface LoggedFeedback {
  readonly nActions: number;
  readonly rounds: readonly LoggedRound[];
}

/**
 * The evaluation policy π_e, as the probability it would choose each action in a logged round
 * (its context and position): an array of nActions probabilities summing to 1. `index` is the
 * round's place in the logs, for policies given as a precomputed table.
 */
export type EvaluationPolicy = (round: LoggedRound, index: number) => ArrayLike<number>;

/**
 * A reward model q̂(x, a): the expected reward of each action in a logged round (its context
 * and position), as an array of nActions numbers. Used by the direct method and doubly robust.
 */
export interface RewardModel {
  readonly name: string;
  rewards(round: LoggedRound, index: number): ArrayLike<number>;
}

/**
 * The policy that picks each of n actions with equal probability in every round and position.
 *
 * @example uniformPolicy(4)(round, 0); // [0.25, 0.25, 0.25, 0.25]
 */
export function uniformPolicy(nActions: number): EvaluationPolicy {
  const probabilities = new Float64Array(nActions).fill(1 / nActions);
  return () => probabilities;
}

/** The usable propensity of a round, or undefined when it is missing or not a number. */
export function propensityOf(round: LoggedRound): number | undefined {
  const p = round.propensity;
  return p === undefined || p === null || Number.isNaN(p) ? undefined : p;
}
