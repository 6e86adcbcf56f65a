/**
 * Always-valid (sequential) inference: GrowthBook's asymptotic confidence sequences
 * (Waudby-Smith et al., "Time-uniform central limit theory", eq. 15). The interval may be
 * looked at after every new unit without inflating the false-positive rate, at the price of
 * being wider than the fixed-horizon interval. The tuning constant N* is the total sample size
 * at which the interval is narrowest relative to the fixed one; pick roughly the expected size.
 *
 * With N the total units in the two arms compared and se the standard error of the effect:
 *   ρ = sqrt((−2·ln α + ln(−2·ln α + 1)) / N*)
 *   half-width = se·√N · sqrt(2(Nρ² + 1)/(N²ρ²) · ln(√(Nρ² + 1)/α))
 *   p = min(1, √(Nρ² + 1) · exp(−est²·Nρ² / (2·se²·(Nρ² + 1))))   (the α at which the interval touches 0, ρ fixed)
 */
import type { ArmSummary } from './SufficientStats.js';
import { effectOf, type Difference, type Effect } from './frequentist.js';

/** ρ for the given significance level and tuning constant N*. */
export function asymptoticRho(alpha: number, nStar: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(nStar > 0)) throw new RangeError(`N* must be > 0, got ${nStar}`);
  return Math.sqrt((-2 * Math.log(alpha) + Math.log(-2 * Math.log(alpha) + 1)) / nStar);
}

/** Half-width of the asymptotic confidence sequence after `n` units in total. */
export function sequentialHalfWidth(se: number, n: number, nStar: number, alpha: number): number {
  const rho = asymptoticRho(alpha, nStar);
  const nr2 = n * rho * rho;
  return se * Math.sqrt(n) * Math.sqrt(((2 * (nr2 + 1)) / (n * n * rho * rho)) * Math.log(Math.sqrt(nr2 + 1) / alpha));
}

/** The always-valid p-value: the smallest α whose interval (ρ fixed at `alpha`) excludes 0. */
export function sequentialPValue(estimate: number, se: number, n: number, nStar: number, alpha: number): number {
  if (se === 0) return estimate === 0 ? 1 : 0;
  const rho = asymptoticRho(alpha, nStar);
  const nr2 = n * rho * rho;
  const exponent = -(estimate * estimate * nr2) / (2 * se * se * (nr2 + 1));
  return Math.min(1, Math.sqrt(nr2 + 1) * Math.exp(exponent));
}

export interface SequentialOptions {
  readonly difference?: Difference;
  readonly alpha?: number;
  /** The tuning constant N*, a total sample size (both arms). */
  readonly nStar: number;
}

export interface SequentialResult {
  readonly estimate: number;
  readonly se: number;
  readonly ci: readonly [number, number];
  readonly pValue: number;
}

/**
 * The two-sided always-valid interval and p-value of an effect measured on `n` units in
 * total, whichever estimator gave it (plain or CUPED-adjusted: GrowthBook runs its sequential
 * test on the regression-adjusted statistic too). The interval excludes 0 exactly when p < α.
 */
export function sequentialOfEffect(effect: Effect, n: number, options: Omit<SequentialOptions, 'difference'>): SequentialResult {
  const { alpha = 0.05, nStar } = options;
  const { estimate } = effect;
  const se = Math.sqrt(Math.max(0, effect.variance));
  const half = sequentialHalfWidth(se, n, nStar, alpha);
  return { estimate, se, ci: [estimate - half, estimate + half], pValue: sequentialPValue(estimate, se, n, nStar, alpha) };
}

/** The two-sided always-valid interval and p-value for treatment versus control (plain estimator). */
export function sequentialTest(control: ArmSummary, treatment: ArmSummary, options: SequentialOptions): SequentialResult {
  return sequentialOfEffect(effectOf(control, treatment, options.difference ?? 'relative'), control.n + treatment.n, options);
}
