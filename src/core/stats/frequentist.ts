/**
 * The frequentist comparison of a treatment arm with the control: Welch's t-test with
 * Satterthwaite degrees of freedom on per-arm summaries, for the absolute difference of means
 * or the relative lift (delta method), with confidence intervals and one- or two-sided
 * p-values. Matches GrowthBook's gbstats `TwoSidedTTest` / `OneSidedTreatmentGreaterTTest`.
 */
import type { ArmSummary } from './SufficientStats.js';
import { studentTCdf, studentTQuantile, studentTSf } from './distributions.js';

export type Difference = 'absolute' | 'relative';
/** `greater`: the alternative is treatment > control; `less`: treatment < control. */
export type Alternative = 'two-sided' | 'greater' | 'less';

/** A point estimate of the effect and the variance of that estimate. */
export interface Effect {
  readonly estimate: number;
  readonly variance: number;
}

export interface TTestOptions {
  /** Absolute difference m_t − m_c or relative lift (m_t − m_c)/|m_c|. Default `relative`. */
  readonly difference?: Difference;
  /** Significance level; the interval has coverage 1 − alpha. Default 0.05. */
  readonly alpha?: number;
  /** Default `two-sided`. */
  readonly alternative?: Alternative;
}

export interface TTestResult {
  readonly estimate: number;
  readonly se: number;
  readonly df: number;
  readonly tStatistic: number;
  readonly pValue: number;
  /** One-sided tests have an infinite bound on one side. */
  readonly ci: readonly [number, number];
}

function checkArm(arm: ArmSummary, role: string): void {
  if (!(arm.n >= 2)) throw new RangeError(`${role} needs n >= 2, got ${arm.n}`);
  if (!Number.isFinite(arm.mean)) throw new RangeError(`${role} mean is not finite: ${arm.mean}`);
  if (!(arm.variance >= 0) || !Number.isFinite(arm.variance)) throw new RangeError(`${role} variance must be finite and >= 0, got ${arm.variance}`);
}

/** diff = m_t − m_c; var = var_t/n_t + var_c/n_c. */
export function absoluteEffect(control: ArmSummary, treatment: ArmSummary): Effect {
  return {
    estimate: treatment.mean - control.mean,
    variance: treatment.variance / treatment.n + control.variance / control.n,
  };
}

/**
 * lift = (m_t − m_c)/|m_c|; by the delta method for independent arms
 * var = var_t/(n_t·m_c²) + var_c·m_t²/(n_c·m_c⁴). Throws when the control mean is 0.
 */
export function relativeEffect(control: ArmSummary, treatment: ArmSummary): Effect {
  const mc = control.mean;
  if (mc === 0) throw new RangeError('the relative effect is undefined when the control mean is 0');
  const mt = treatment.mean;
  return {
    estimate: (mt - mc) / Math.abs(mc),
    variance: treatment.variance / (treatment.n * mc * mc) + (control.variance * mt * mt) / (control.n * mc ** 4),
  };
}

/** The effect of the given kind. */
export function effectOf(control: ArmSummary, treatment: ArmSummary, difference: Difference): Effect {
  return difference === 'absolute' ? absoluteEffect(control, treatment) : relativeEffect(control, treatment);
}

/**
 * Welch–Satterthwaite degrees of freedom from the per-arm variances of the means:
 * (v_t/n_t + v_c/n_c)² / ((v_t/n_t)²/(n_t − 1) + (v_c/n_c)²/(n_c − 1)).
 * Falls back to n_t + n_c − 2 when both variances are 0.
 */
export function welchDegreesOfFreedom(control: ArmSummary, treatment: ArmSummary): number {
  const ut = treatment.variance / treatment.n;
  const uc = control.variance / control.n;
  const denominator = (ut * ut) / (treatment.n - 1) + (uc * uc) / (control.n - 1);
  return denominator > 0 ? (ut + uc) ** 2 / denominator : treatment.n + control.n - 2;
}

/**
 * How a comparison estimates its effect: every read-out of the comparison (the t-test, the
 * always-valid interval, the Bayesian posterior) takes its estimate, variance and degrees of
 * freedom from one estimator, so they cannot disagree about what was measured. `plain` is
 * Welch on the arms' summaries; `cuped` (`cuped.ts`) the regression-adjusted one.
 */
export interface Estimator {
  readonly kind: 'plain' | 'cuped';
  /** Units in the two arms together (the sequential interval's N). */
  readonly n: number;
  /** Welch–Satterthwaite degrees of freedom of the per-arm variances the estimator uses. */
  readonly df: number;
  /** False when the control mean is 0: the relative effect is undefined. */
  readonly hasRelative: boolean;
  /** The effect on either scale; throws RangeError for `relative` when `hasRelative` is false. */
  effect(difference: Difference): Effect;
}

/** The plain estimator: `absoluteEffect` / `relativeEffect` of the summaries, Welch df. Throws RangeError for an arm `welchTTest` refuses. */
export function plainEstimator(control: ArmSummary, treatment: ArmSummary): Estimator {
  checkArm(control, 'control');
  checkArm(treatment, 'treatment');
  return {
    kind: 'plain',
    n: control.n + treatment.n,
    df: welchDegreesOfFreedom(control, treatment),
    hasRelative: control.mean !== 0,
    effect: (difference) => effectOf(control, treatment, difference),
  };
}

/**
 * The t-test of an effect with `df` degrees of freedom. Two-sided: p = 2·(1 − T_df(|est/se|)),
 * CI = est ± t_{df,1−α/2}·se. `greater`: p = 1 − T_df(est/se), CI = [est − t_{df,1−α}·se, ∞);
 * `less` mirrors it. The interval excludes 0 exactly when p < α.
 */
export function tTestOfEffect(effect: Effect, df: number, options: Omit<TTestOptions, 'difference'> = {}): TTestResult {
  const { alpha = 0.05, alternative = 'two-sided' } = options;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  const { estimate } = effect;
  const se = Math.sqrt(Math.max(0, effect.variance));
  const tStatistic = se > 0 ? estimate / se : estimate === 0 ? 0 : Math.sign(estimate) * Infinity;
  if (alternative === 'two-sided') {
    const half = studentTQuantile(1 - alpha / 2, df) * se;
    const pValue = Math.min(1, 2 * studentTSf(Math.abs(tStatistic), df));
    return { estimate, se, df, tStatistic, pValue, ci: [estimate - half, estimate + half] };
  }
  const half = studentTQuantile(1 - alpha, df) * se;
  return alternative === 'greater'
    ? { estimate, se, df, tStatistic, pValue: studentTSf(tStatistic, df), ci: [estimate - half, Infinity] }
    : { estimate, se, df, tStatistic, pValue: studentTCdf(tStatistic, df), ci: [-Infinity, estimate + half] };
}

/** Welch's t-test: `tTestOfEffect` on the plain estimator's effect. */
export function welchTTest(control: ArmSummary, treatment: ArmSummary, options: TTestOptions = {}): TTestResult {
  const { difference = 'relative', alpha = 0.05 } = options;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  const estimator = plainEstimator(control, treatment);
  return tTestOfEffect(estimator.effect(difference), estimator.df, options);
}
