/**
 * Bayesian read-out under a normal approximation, as in GrowthBook's `EffectBayesianABTest`
 * and PostHog: the effect (absolute or relative, with the frequentist estimate and standard
 * error) has posterior N(mean, sd²), combined with a normal prior when one is given (a flat,
 * improper prior otherwise).
 *
 *   proper prior N(m₀, v₀): precision = 1/v₀ + 1/se², mean = (m₀/v₀ + est/se²)/precision, sd = 1/√precision
 *   chance to win = P(X > 0) = Φ(mean/sd);  credible interval = mean ± z_{1−α/2}·sd
 *   risk = [E[max(X, 0)], E[max(−X, 0)]]: the expected loss of choosing control, and of choosing
 *   treatment, = [(1 − P0)·E[X | X > 0], −P0·E[X | X < 0]] with P0 = P(X < 0), in closed form
 *   [mean·Φ(mean/sd) + sd·φ(mean/sd), −mean·Φ(−mean/sd) + sd·φ(mean/sd)].
 */
import type { ArmSummary } from './SufficientStats.js';
import { normalCdf, normalPdf, normalQuantile } from './distributions.js';
import { effectOf, type Difference, type Effect } from './frequentist.js';

/** A normal prior on the effect, on the scale of `difference`. */
export interface NormalPrior {
  readonly mean: number;
  readonly variance: number;
}

export interface BayesianOptions {
  /** Default `relative`. */
  readonly difference?: Difference;
  /** The credible interval has probability 1 − alpha. Default 0.05. */
  readonly alpha?: number;
  /** Absent: flat (improper) prior. */
  readonly prior?: NormalPrior;
}

export interface BayesianResult {
  readonly expected: number;
  readonly sd: number;
  readonly ci: readonly [number, number];
  readonly chanceToWin: number;
  /** [risk of choosing control, risk of choosing treatment]. */
  readonly risk: readonly [number, number];
}

/** The read-out for a posterior N(mean, sd²) of the effect. */
export function normalPosteriorSummary(mean: number, sd: number, alpha = 0.05): BayesianResult {
  if (!(sd > 0)) throw new RangeError(`the posterior sd must be > 0, got ${sd}`);
  const z = mean / sd;
  const half = normalQuantile(1 - alpha / 2) * sd;
  const density = sd * normalPdf(z);
  return {
    expected: mean,
    sd,
    ci: [mean - half, mean + half],
    chanceToWin: normalCdf(z),
    risk: [mean * normalCdf(z) + density, -mean * normalCdf(-z) + density],
  };
}

/** Combines the data (estimate, se) with an optional normal prior. */
export function posterior(estimate: number, se: number, prior?: NormalPrior): { readonly mean: number; readonly sd: number } {
  if (prior === undefined) return { mean: estimate, sd: se };
  if (!(prior.variance > 0)) throw new RangeError(`the prior variance must be > 0, got ${prior.variance}`);
  const precision = 1 / prior.variance + 1 / (se * se);
  return { mean: (prior.mean / prior.variance + estimate / (se * se)) / precision, sd: 1 / Math.sqrt(precision) };
}

/**
 * The read-out of an effect (estimate and variance from any estimator: plain or CUPED-adjusted,
 * as GrowthBook's `EffectBayesianABTest` takes the regression-adjusted mean and variance),
 * combined with the prior if one is given. Throws RangeError when the effect's variance is 0.
 */
export function bayesianOfEffect(effect: Effect, options: Omit<BayesianOptions, 'difference'> = {}): BayesianResult {
  const { alpha = 0.05, prior } = options;
  const post = posterior(effect.estimate, Math.sqrt(effect.variance), prior);
  return normalPosteriorSummary(post.mean, post.sd, alpha);
}

/** The Bayesian read-out of treatment versus control with the plain estimator. */
export function bayesianTest(control: ArmSummary, treatment: ArmSummary, options: BayesianOptions = {}): BayesianResult {
  return bayesianOfEffect(effectOf(control, treatment, options.difference ?? 'relative'), options);
}
