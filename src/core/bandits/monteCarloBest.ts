import type { Random } from '../common/random.js';

/** A draw of one arm's value from its posterior. */
export type ArmSampler = (random: Random) => number;

/** How precise a Monte Carlo P(best) is: its draws and the largest standard error of an arm's estimate. */
export interface MonteCarloPrecision {
  readonly draws: number;
  readonly standardError: number;
}

/** The default precision of a Monte Carlo allocation: every P(best) within a standard error of 0.005. */
export const defaultTargetStandardError = 0.005;

/** Draws for a standard error of at most `target` whatever the probability (p(1 − p) ≤ 1/4). */
export function drawsFor(target: number): number {
  if (!(target > 0) || !Number.isFinite(target)) throw new RangeError(`the target standard error must be finite and > 0, got ${target}`);
  return Math.ceil(0.25 / (target * target));
}

/**
 * P(arm k draws the largest value), estimated from `draws` joint draws: the share of draws each
 * arm wins, with the largest standard error sqrt(p̂(1 − p̂)/draws) over the arms. Equal draws
 * (point-mass posteriors) split the win uniformly at random, so ties favour no arm.
 *
 * @example monteCarloBest([(r) => r.next(), (r) => 0.5 + r.next()], 10_000, seededRandom(1)) // ≈ [0.125, 0.875]
 */
export function monteCarloBest(samplers: readonly ArmSampler[], draws: number, random: Random): { probabilities: number[]; precision: MonteCarloPrecision } {
  if (!(Number.isInteger(draws) && draws > 0)) throw new RangeError(`monteCarloBest needs a positive integer number of draws, got ${draws}`);
  const wins = new Array<number>(samplers.length).fill(0);
  countWins(samplers, draws, random, wins);
  return fromWins(wins);
}

/**
 * Adds `draws` joint draws' winners to `wins` (one count per arm, in sampler order): a caller
 * that must not hold the thread for all the draws at once (a server) runs them in slices.
 */
export function countWins(samplers: readonly ArmSampler[], draws: number, random: Random, wins: number[]): void {
  for (let d = 0; d < draws; d++) {
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    let ties = 0;
    for (let k = 0; k < samplers.length; k++) {
      const value = samplers[k]!(random);
      if (value > bestValue) {
        bestValue = value;
        best = k;
        ties = 1;
      } else if (value === bestValue) {
        // Reservoir choice among equal maxima: each of the tied arms wins with probability 1/ties.
        ties += 1;
        if (random.next() * ties < 1) best = k;
      }
    }
    if (best >= 0) wins[best] = wins[best]! + 1;
  }
}

/** P(best) estimates from win counts, with the largest standard error over the arms. */
export function fromWins(wins: readonly number[]): { probabilities: number[]; precision: MonteCarloPrecision } {
  const draws = wins.reduce((sum, w) => sum + w, 0);
  if (draws === 0) throw new RangeError('fromWins needs at least one draw');
  const probabilities = wins.map((w) => w / draws);
  const standardError = Math.max(0, ...probabilities.map((p) => Math.sqrt((p * (1 - p)) / draws)));
  return { probabilities, precision: { draws, standardError } };
}
