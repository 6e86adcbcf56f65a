/**
 * CUPED (regression adjustment with a pre-period covariate, Deng et al. 2013), as GrowthBook's
 * gbstats computes it for mean and proportion metrics.
 *
 * Per arm the collector keeps `PairSums`: X = the post-period metric (`sum`, `sumSquares`),
 * Y = the pre-period covariate (`sumY`, `sumY2`) and the cross-product `sumXY`.
 *
 * - θ is pooled over both arms: θ = cov(post, pre)/var(pre) on the summed sums (n − 1
 *   denominators for means; proportions use p(1 − p) and the covariance Σxy/n − x̄ȳ).
 *   θ = 0 (no adjustment) when the pooled pre or post variance is 0.
 * - Adjusted arm mean ȳ − θ·x̄ and per-unit variance v_post + θ²·v_pre − 2θ·cov.
 * - Absolute effect: difference of adjusted means, variance Σ v_adj/n.
 * - Relative effect: (adj_t − adj_c)/|m_c| with m_c the *unadjusted* control post mean, and
 *   GrowthBook's delta-method variance
 *   v_adj,t/(n_t·m_c²) + (v_post,c·(m_t/m_c)² − 2θ·cov_c·(m_t/m_c) + θ²·v_pre,c)/(n_c·m_c²),
 *   m_t the unadjusted treatment post mean (the control term is the variance of
 *   (m_t/m_c)·ȳ_c − θ·x̄_c, scaled by 1/m_c²).
 * - Welch–Satterthwaite degrees of freedom from the adjusted per-unit variances; p-values and
 *   intervals as in `frequentist.ts`.
 */
import { pairMomentsFromSums, type ArmSummary, type PairSums } from './SufficientStats.js';
import { tTestOfEffect, welchDegreesOfFreedom, type Alternative, type Difference, type Effect, type Estimator, type TTestResult } from './frequentist.js';

/** `mean`: sample variances with n − 1; `proportion`: 0/1 data, p(1 − p) and n denominators. */
export type CupedMetric = 'mean' | 'proportion';

/** The moments CUPED needs of one arm (or of both arms pooled). */
export interface CupedMoments {
  readonly n: number;
  /** Unadjusted post-period mean. */
  readonly postMean: number;
  readonly postVariance: number;
  readonly preMean: number;
  readonly preVariance: number;
  /** Per-unit covariance of post and pre. */
  readonly covariance: number;
}

/** An arm after adjustment: `mean` and `variance` are the adjusted ones (an `ArmSummary`). */
export interface CupedArm extends ArmSummary, CupedMoments {}

export interface CupedOptions {
  /** Default `relative` (denominator: the unadjusted control mean). */
  readonly difference?: Difference;
  /** Default 0.05. */
  readonly alpha?: number;
  /** Default `two-sided`. */
  readonly alternative?: Alternative;
  /** Default `mean`. */
  readonly metric?: CupedMetric;
  /** A fixed θ instead of the pooled estimate (0 disables the adjustment). */
  readonly theta?: number;
}

export interface CupedResult extends TTestResult {
  readonly theta: number;
  readonly control: CupedArm;
  readonly treatment: CupedArm;
  /**
   * 1 − (variance of the adjusted estimate)/(variance of the unadjusted one, same formula
   * with θ = 0): the share of variance removed, ≈ ρ² for a well-correlated covariate.
   */
  readonly varianceReduction: number;
}

/** Moments of post and pre from an arm's sums. */
export function cupedMoments(s: PairSums, metric: CupedMetric = 'mean'): CupedMoments {
  if (!(s.n >= 2)) throw new RangeError(`CUPED needs n >= 2 per arm, got ${s.n}`);
  const m = pairMomentsFromSums(s);
  if (metric === 'proportion') {
    return {
      n: m.n,
      postMean: m.meanX,
      postVariance: m.meanX * (1 - m.meanX),
      preMean: m.meanY,
      preVariance: m.meanY * (1 - m.meanY),
      covariance: m.cXY / m.n,
    };
  }
  const d = m.n - 1;
  return { n: m.n, postMean: m.meanX, postVariance: m.m2X / d, preMean: m.meanY, preVariance: m.m2Y / d, covariance: m.cXY / d };
}

function addPairSums(a: PairSums, b: PairSums): PairSums {
  return {
    n: a.n + b.n,
    sum: a.sum + b.sum,
    sumSquares: a.sumSquares + b.sumSquares,
    sumY: a.sumY + b.sumY,
    sumY2: a.sumY2 + b.sumY2,
    sumXY: a.sumXY + b.sumXY,
  };
}

/** θ = cov(post, pre)/var(pre) over both arms pooled; 0 when either pooled variance is 0. */
export function pooledTheta(control: PairSums, treatment: PairSums, metric: CupedMetric = 'mean'): number {
  const joint = cupedMoments(addPairSums(control, treatment), metric);
  if (!(joint.preVariance > 0) || !(joint.postVariance > 0)) return 0;
  return joint.covariance / joint.preVariance;
}

/** Adjusted mean ȳ − θ·x̄ and per-unit variance v_post + θ²·v_pre − 2θ·cov. */
export function adjustArm(moments: CupedMoments, theta: number): CupedArm {
  return {
    ...moments,
    mean: moments.postMean - theta * moments.preMean,
    variance: moments.postVariance + theta * theta * moments.preVariance - 2 * theta * moments.covariance,
  };
}

/** The CUPED effect (see the module comment for the formulas). */
export function cupedEffect(control: CupedArm, treatment: CupedArm, theta: number, difference: Difference): Effect {
  const diff = treatment.mean - control.mean;
  if (difference === 'absolute') {
    return { estimate: diff, variance: treatment.variance / treatment.n + control.variance / control.n };
  }
  const mc = control.postMean;
  if (mc === 0) throw new RangeError('the relative effect is undefined when the control mean is 0');
  const r = treatment.postMean / mc;
  const controlTerm = control.postVariance * r * r - 2 * theta * control.covariance * r + theta * theta * control.preVariance;
  return {
    estimate: diff / Math.abs(mc),
    variance: treatment.variance / (treatment.n * mc * mc) + controlTerm / (control.n * mc * mc),
  };
}

/** The CUPED estimator of a comparison: its effects are `cupedEffect` of the adjusted arms. */
export interface CupedEstimator extends Estimator {
  readonly kind: 'cuped';
  readonly metric: CupedMetric;
  readonly theta: number;
  readonly control: CupedArm;
  readonly treatment: CupedArm;
  /** 1 − var(adjusted effect)/var(the same effect with θ = 0) on that scale: the share of variance removed (≈ ρ²). */
  varianceReduction(difference: Difference): number;
}

/**
 * The CUPED estimator: θ pooled over both arms (or `options.theta`), the arms adjusted, Welch
 * df from the adjusted variances. With θ = 0 its effects are the plain ones. Throws RangeError
 * for n < 2, a non-finite θ or a negative adjusted variance.
 */
export function cupedEstimator(control: PairSums, treatment: PairSums, options: Pick<CupedOptions, 'metric' | 'theta'> = {}): CupedEstimator {
  const { metric = 'mean' } = options;
  const theta = options.theta ?? pooledTheta(control, treatment, metric);
  if (!Number.isFinite(theta)) throw new RangeError(`theta must be finite, got ${theta}`);
  const c = adjustArm(cupedMoments(control, metric), theta);
  const t = adjustArm(cupedMoments(treatment, metric), theta);
  for (const [role, arm] of [['control', c], ['treatment', t]] as const) {
    if (!Number.isFinite(arm.mean) || !(arm.variance >= -1e-12 * Math.max(1, arm.postVariance))) {
      throw new RangeError(`${role} adjusted variance must be finite and >= 0, got ${arm.variance}`);
    }
  }
  return {
    kind: 'cuped',
    metric,
    theta,
    control: c,
    treatment: t,
    n: c.n + t.n,
    df: welchDegreesOfFreedom(c, t),
    hasRelative: c.postMean !== 0,
    effect: (difference) => cupedEffect(c, t, theta, difference),
    varianceReduction: (difference) => {
      const unadjusted = cupedEffect(adjustArm(c, 0), adjustArm(t, 0), 0, difference).variance;
      return unadjusted > 0 ? 1 - cupedEffect(c, t, theta, difference).variance / unadjusted : 0;
    },
  };
}

/**
 * Welch's t-test on CUPED-adjusted arms. `control` and `treatment` are `PairSums` with X the
 * post-period metric and Y the pre-period covariate. Throws `RangeError` for n < 2, alpha
 * outside (0, 1), a relative effect on a zero control mean or a negative adjusted variance.
 */
export function cupedTest(control: PairSums, treatment: PairSums, options: CupedOptions = {}): CupedResult {
  const { difference = 'relative', alpha = 0.05 } = options;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  const estimator = cupedEstimator(control, treatment, options);
  return {
    ...tTestOfEffect(estimator.effect(difference), estimator.df, options),
    theta: estimator.theta,
    control: estimator.control,
    treatment: estimator.treatment,
    varianceReduction: estimator.varianceReduction(difference),
  };
}
