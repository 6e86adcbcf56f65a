/**
 * Planning an experiment: the power for a given effect and sample size, the minimum
 * detectable effect (MDE) for a given power, and the sample size for a given MDE. Normal
 * approximation throughout, as in GrowthBook's power calculator and Spotify's Confidence.
 *
 * The metric has mean μ and per-unit variance σ² in the control; the treatment mean is
 * μ(1 + effect) (relative) or μ + effect (absolute) with the same variance. With n units per arm
 * the standard error of the effect is
 *   absolute: s = sqrt(2σ²/n);   relative (delta method): s = sqrt(σ²/(nμ²) · (1 + (1 + effect)²)).
 * Two-sided power = 1 − Φ(z_{1−α/2} − effect/s) + Φ(−z_{1−α/2} − effect/s); one-sided uses z_{1−α}.
 * Sequential testing (N* given) replaces s by the asymptotic confidence sequence half-width
 * over z_{1−α/2}, evaluated at N = 2n.
 */
import { normalCdf, normalQuantile } from './distributions.js';
import type { Difference } from './frequentist.js';
import { sequentialHalfWidth } from './sequential.js';

export interface DesignInput {
  /** Control mean μ (needed for relative effects). */
  readonly mean: number;
  /** Per-unit variance σ² of the metric. */
  readonly variance: number;
  /** Units in each arm. */
  readonly nPerArm: number;
  /** Default `relative`. */
  readonly difference?: Difference;
  /** Default 0.05. */
  readonly alpha?: number;
  /** Default true. */
  readonly twoSided?: boolean;
  /** The tuning constant N* of a sequential analysis; absent for a fixed-horizon test. Two-sided only. */
  readonly sequentialNStar?: number;
}

function check(input: DesignInput): Required<Omit<DesignInput, 'sequentialNStar'>> & { sequentialNStar: number | undefined } {
  const { mean, variance, nPerArm, difference = 'relative', alpha = 0.05, twoSided = true, sequentialNStar } = input;
  if (!(variance > 0)) throw new RangeError(`variance must be > 0, got ${variance}`);
  if (!(nPerArm > 0)) throw new RangeError(`nPerArm must be > 0, got ${nPerArm}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (difference === 'relative' && mean === 0) throw new RangeError('a relative effect needs a non-zero mean');
  if (sequentialNStar !== undefined && !twoSided) throw new RangeError('sequential power is two-sided only');
  return { mean, variance, nPerArm, difference, alpha, twoSided, sequentialNStar };
}

/** The factor by which sequential testing widens the interval (1 for a fixed horizon). */
function widening(nPerArm: number, alpha: number, nStar: number | undefined): number {
  return nStar === undefined ? 1 : sequentialHalfWidth(1, 2 * nPerArm, nStar, alpha) / normalQuantile(1 - alpha / 2);
}

/** The standard error of the effect estimate when the true effect is `effect`. */
export function effectStandardError(input: DesignInput, effect: number): number {
  const { mean, variance, nPerArm, difference } = check(input);
  return difference === 'absolute'
    ? Math.sqrt((2 * variance) / nPerArm)
    : Math.sqrt((variance / (nPerArm * mean * mean)) * (1 + (1 + effect) ** 2));
}

/** The probability of a significant result when the true effect is `effect` (> 0 or < 0). */
export function power(input: DesignInput, effect: number): number {
  const c = check(input);
  const s = effectStandardError(input, effect) * widening(c.nPerArm, c.alpha, c.sequentialNStar);
  const shift = Math.abs(effect) / s;
  if (!c.twoSided) return normalCdf(shift - normalQuantile(1 - c.alpha));
  const z = normalQuantile(1 - c.alpha / 2);
  return normalCdf(shift - z) + normalCdf(-z - shift);
}

/**
 * The smallest positive effect detected with probability `targetPower` (default 0.8),
 * ignoring the negligible opposite tail, so that effect/s = z_α + z_power (GrowthBook's closed
 * form). Relative: with c = K²σ²/(nμ²) and K the widened z_α + z_power, effect solves
 * (1 − c)e² − 2ce − 2c = 0, e = (c + sqrt(2c − c²))/(1 − c); NaN when c >= 1 (no effect is
 * detectable with that power).
 */
export function minimumDetectableEffect(input: DesignInput, targetPower = 0.8): number {
  const c = check(input);
  if (!(targetPower > 0 && targetPower < 1)) throw new RangeError(`power must be in (0, 1), got ${targetPower}`);
  const zAlpha = normalQuantile(1 - (c.twoSided ? c.alpha / 2 : c.alpha));
  const k = (zAlpha + normalQuantile(targetPower)) * widening(c.nPerArm, c.alpha, c.sequentialNStar);
  if (c.difference === 'absolute') return k * Math.sqrt((2 * c.variance) / c.nPerArm);
  const q = (k * k * c.variance) / (c.nPerArm * c.mean * c.mean);
  return q < 1 ? (q + Math.sqrt(2 * q - q * q)) / (1 - q) : NaN;
}

export interface SampleSizeInput {
  /** The absolute effect to detect. */
  readonly mde: number;
  /** Per-unit variance in the control arm. */
  readonly varianceControl: number;
  /** Per-unit variance in the treatment arm; defaults to the control's. */
  readonly varianceTreatment?: number;
  /** Default 0.05. */
  readonly alpha?: number;
  /** Default 0.8. */
  readonly power?: number;
  /** Default true. */
  readonly twoSided?: boolean;
}

/** Units per arm: n = (z_α + z_power)²·(σ_c² + σ_t²)/mde², rounded up. */
export function sampleSizePerArm(input: SampleSizeInput): number {
  const { mde, varianceControl, varianceTreatment = varianceControl, alpha = 0.05, power: target = 0.8, twoSided = true } = input;
  if (mde === 0) throw new RangeError('the minimum detectable effect must not be 0');
  if (!(alpha > 0 && alpha < 1) || !(target > 0 && target < 1)) throw new RangeError('alpha and power must be in (0, 1)');
  const z = normalQuantile(1 - (twoSided ? alpha / 2 : alpha)) + normalQuantile(target);
  return Math.ceil((z * z * (varianceControl + varianceTreatment)) / (mde * mde));
}

/**
 * Units per arm for a conversion rate: control variance p(1 − p), treatment variance
 * (p + mde)(1 − p − mde), as Spotify's Confidence (and G*Power) compute it.
 */
export function proportionSampleSizePerArm(input: { readonly baseline: number; readonly mde: number; readonly alpha?: number; readonly power?: number; readonly twoSided?: boolean }): number {
  const { baseline: p, mde } = input;
  const q = p + mde;
  if (!(p > 0 && p < 1) || !(q > 0 && q < 1)) throw new RangeError('baseline and baseline + mde must be in (0, 1)');
  return sampleSizePerArm({ ...input, varianceControl: p * (1 - p), varianceTreatment: q * (1 - q) });
}
