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
 * The integral is taken by adaptive Simpson over pieces split at every arm's mean ± j·sd, so a
 * sharply peaked posterior (thousands of impressions) always falls inside short pieces.
 *
 * The exploration floor mixes the Thompson probabilities with the uniform allocation:
 * share_k = floor + (1 − K·floor) · P(k best). Each arm keeps at least `floor` of the traffic
 * and the recorded share is still the exact probability of the choice, so estimates that
 * weight by 1/share stay unbiased (a floor that clipped sampled values would not).
 */
import { adaptiveSimpson } from '../stats/adaptiveSimpson.js';
import { logGamma, regularizedBeta } from '../stats/distributions.js';

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

/** P(arm k best) for each arm, normalised to sum to 1 (the quadrature's error is far below 1e-9). */
function bestProbabilities(posteriors: readonly Posterior[]): number[] {
  if (posteriors.length === 1) return [1];
  const points = breakPoints(posteriors);
  const raw = posteriors.map((k, index) => {
    const integrand = (x: number): number => {
      let value = density(k, x);
      if (value === 0) return 0;
      for (const [i, other] of posteriors.entries()) {
        if (i !== index) value *= regularizedBeta(x, other.alpha, other.beta);
      }
      return value;
    };
    let total = 0;
    for (let i = 1; i < points.length; i++) total += adaptiveSimpson(integrand, points[i - 1]!, points[i]!, 1e-12, 30);
    return Math.max(0, total);
  });
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((p) => (sum > 0 ? p / sum : 1 / posteriors.length));
}

function breakPoints(posteriors: readonly Posterior[]): number[] {
  const points = new Set<number>([0, 1]);
  for (let x = 0.05; x < 1; x += 0.05) points.add(x);
  for (const p of posteriors) {
    const n = p.alpha + p.beta;
    const mean = p.alpha / n;
    const sd = Math.sqrt((p.alpha * p.beta) / (n * n * (n + 1)));
    for (let j = -10; j <= 10; j++) {
      const x = mean + (j * sd) / 2;
      if (x > 0 && x < 1) points.add(x);
    }
  }
  return [...points].sort((a, b) => a - b);
}
