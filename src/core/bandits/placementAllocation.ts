/**
 * Thompson sampling's allocation for one placement, computed rather than sampled.
 *
 * Thompson sampling draws one value per arm from its posterior and serves the largest, so
 * arm k is served with probability P(arm k is best). Computing that probability (instead of
 * drawing) gives the decision an exact propensity to record, which off-policy evaluation and
 * the inverse-propensity arm estimates need. For Beta posteriors:
 *
 *   P(k best) = ∫₀¹ f_k(x) · Π_{i≠k} F_i(x) dx
 *
 * with f the Beta density and F its distribution function (the regularized incomplete beta).
 * The integral is taken on a grid with break points at every arm's mean ± j·sd/2, so a sharply
 * peaked posterior (thousands of impressions) always falls inside short pieces.
 *
 * The exploration floor mixes the Thompson probabilities with the uniform allocation:
 * share_k = floor + (1 − K·floor) · P(k best). Each arm keeps at least `floor` of the traffic
 * and the recorded share is still the exact probability of the choice, so estimates that
 * weight by 1/share stay unbiased (a floor that clipped sampled values would not).
 */
import { logGamma, regularizedBeta } from '../stats/distributions.js';
import { probabilityOfBest } from '../stats/probabilityOfBest.js';

/** One arm's outcome counts: impressions (trials) and clicks or conversions (successes). */
export interface BetaArmCounts {
  readonly id: string;
  readonly trials: number;
  readonly successes: number;
}

export interface AllocationOptions {
  /** The least share each arm is served, in [0, 1/K]; larger values are capped at 1/K. */
  readonly minExplorationShare: number;
  /** Beta prior; Beta(1, 1) (uniform) unless given. */
  readonly prior?: { readonly alpha: number; readonly beta: number };
}

export interface PlacementAllocation {
  /** Arm id to its share of traffic; shares sum to 1. */
  readonly shares: ReadonlyMap<string, number>;
  /** Arm id to P(arm is best) under the posteriors, before the floor is mixed in. */
  readonly bestProbabilities: ReadonlyMap<string, number>;
}

interface Posterior {
  readonly alpha: number;
  readonly beta: number;
  readonly logNorm: number;
}

/**
 * @example placementAllocation([{ id: 'a', trials: 100, successes: 10 }, { id: 'b', trials: 100, successes: 20 }], { minExplorationShare: 0.01 })
 *   // shares: a ≈ 0.028, b ≈ 0.972
 */
export function placementAllocation(arms: readonly BetaArmCounts[], options: AllocationOptions): PlacementAllocation {
  if (arms.length === 0) return { shares: new Map(), bestProbabilities: new Map() };
  const prior = options.prior ?? { alpha: 1, beta: 1 };
  const posteriors = arms.map((arm) => posteriorOf(arm, prior));
  const best = bestProbabilities(posteriors);
  const floor = Math.min(Math.max(options.minExplorationShare, 0), 1 / arms.length);
  const shares = new Map<string, number>();
  const bestById = new Map<string, number>();
  for (const [index, arm] of arms.entries()) {
    const p = best[index]!;
    bestById.set(arm.id, p);
    shares.set(arm.id, floor + (1 - arms.length * floor) * p);
  }
  return { shares, bestProbabilities: bestById };
}

/** Counts are clamped so that 0 ≤ successes ≤ trials (late outcomes can outrun impressions). */
function posteriorOf(arm: BetaArmCounts, prior: { readonly alpha: number; readonly beta: number }): Posterior {
  const trials = Math.max(0, arm.trials);
  const successes = Math.min(Math.max(0, arm.successes), trials);
  const alpha = prior.alpha + successes;
  const beta = prior.beta + trials - successes;
  return { alpha, beta, logNorm: logGamma(alpha + beta) - logGamma(alpha) - logGamma(beta) };
}

function density(p: Posterior, x: number): number {
  if (x <= 0 || x >= 1) return 0;
  return Math.exp(p.logNorm + (p.alpha - 1) * Math.log(x) + (p.beta - 1) * Math.log1p(-x));
}

/** P(arm k best) for each arm (`stats/probabilityOfBest.ts` on the posteriors' densities). */
function bestProbabilities(posteriors: readonly Posterior[]): number[] {
  return probabilityOfBest(posteriors.map((p) => {
    const n = p.alpha + p.beta;
    return {
      mean: p.alpha / n,
      sd: Math.sqrt((p.alpha * p.beta) / (n * n * (n + 1))),
      density: (x: number) => density(p, x),
      cdf: (x: number) => regularizedBeta(x, p.alpha, p.beta),
    };
  }), 0, 1);
}
