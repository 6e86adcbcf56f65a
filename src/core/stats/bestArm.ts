/**
 * Which arm is best, without sampling.
 *
 * - `bestArmProbabilities`: arms with independent normal posteriors N(μ_k, σ_k²);
 *   P(arm k best) = ∫ φ_k(x) Π_{i≠k} Φ((x − μ_i)/σ_i) dx (GrowthBook's bandit weights, there
 *   by quadrature). Computed per arm in z = (x − μ_k)/σ_k over [−12, 12], split at the points
 *   where the other arms' Φ change fastest, each piece by adaptive Simpson.
 * - `betaBernoulliProbBBeatsA`: P(p_B > p_A) for independent Beta posteriors, by Evan Miller's
 *   exact closed form (integer α of the summed side):
 *   P = Σ_{i=0}^{α_B−1} B(α_A + i, β_A + β_B) / ((β_B + i)·B(1 + i, β_B)·B(α_A, β_A)),
 *   in logs with `logGamma`. Sums over the arm with the smaller α (P(B > A) = 1 − P(A > B)).
 */
import { adaptiveSimpson } from './adaptiveSimpson.js';
import { logGamma, normalCdf, normalPdf } from './distributions.js';

export interface NormalArm {
  readonly mean: number;
  /** Posterior standard deviation; must be > 0. */
  readonly sd: number;
}

const Z_RANGE = 12;

/**
 * P(arm k has the largest value) for each arm, in input order, under independent normals.
 * Throws `RangeError` for no arms, a non-finite mean or an sd that is not > 0.
 */
export function bestArmProbabilities(arms: readonly NormalArm[]): number[] {
  if (arms.length === 0) throw new RangeError('bestArmProbabilities needs at least one arm');
  for (const [i, arm] of arms.entries()) {
    if (!Number.isFinite(arm.mean)) throw new RangeError(`arm ${i} mean is not finite: ${arm.mean}`);
    if (!(arm.sd > 0) || !Number.isFinite(arm.sd)) throw new RangeError(`arm ${i} sd must be finite and > 0, got ${arm.sd}`);
  }
  return arms.map((k, index) => {
    const others = arms.filter((_, i) => i !== index);
    const integrand = (z: number): number => {
      const x = k.mean + k.sd * z;
      let product = normalPdf(z);
      for (const o of others) product *= normalCdf((x - o.mean) / o.sd);
      return product;
    };
    // Break points: a uniform grid plus each other arm's mean ± j·sd (in z), so that a steep Φ
    // (an arm much more certain than arm k) always falls inside a short piece.
    const points = new Set<number>();
    for (let z = -Z_RANGE; z <= Z_RANGE; z += 0.5) points.add(z);
    for (const o of others) {
      for (let j = -8; j <= 8; j++) {
        const z = (o.mean + j * o.sd - k.mean) / k.sd;
        if (z > -Z_RANGE && z < Z_RANGE) points.add(z);
      }
    }
    const sorted = [...points].sort((a, b) => a - b);
    let total = 0;
    for (let i = 1; i < sorted.length; i++) total += adaptiveSimpson(integrand, sorted[i - 1]!, sorted[i]!, 1e-14);
    return Math.min(1, Math.max(0, total));
  });
}

/** Parameters of a Beta posterior. */
export interface BetaPosterior {
  readonly alpha: number;
  readonly beta: number;
}

/** Beta(prior.alpha + successes, prior.beta + trials − successes); the prior defaults to Beta(1, 1). */
export function betaPosterior(successes: number, trials: number, prior: BetaPosterior = { alpha: 1, beta: 1 }): BetaPosterior {
  if (!(successes >= 0 && trials >= successes)) throw new RangeError(`need 0 <= successes <= trials, got ${successes} of ${trials}`);
  return { alpha: prior.alpha + successes, beta: prior.beta + trials - successes };
}

const logBeta = (a: number, b: number): number => logGamma(a) + logGamma(b) - logGamma(a + b);

/** Miller's sum over i < b.alpha; b.alpha must be a positive integer. */
function millerSum(a: BetaPosterior, b: BetaPosterior): number {
  let total = 0;
  const constant = logBeta(a.alpha, a.beta);
  for (let i = 0; i < b.alpha; i++) {
    total += Math.exp(logBeta(a.alpha + i, a.beta + b.beta) - Math.log(b.beta + i) - logBeta(1 + i, b.beta) - constant);
  }
  return total;
}

/**
 * P(p_B > p_A) for p_A ~ Beta(a), p_B ~ Beta(b), exactly (Evan Miller's formula). One of the
 * two α parameters must be a positive integer (it is with integer counts and a Beta(1, 1) or
 * other integer prior); the sum runs over the smaller integer one, so it takes min(α) terms.
 */
export function betaBernoulliProbBBeatsA(a: BetaPosterior, b: BetaPosterior): number {
  for (const [role, p] of [['a', a], ['b', b]] as const) {
    if (!(p.alpha > 0 && p.beta > 0) || !Number.isFinite(p.alpha) || !Number.isFinite(p.beta)) {
      throw new RangeError(`${role}: Beta parameters must be finite and > 0, got (${p.alpha}, ${p.beta})`);
    }
  }
  const bInteger = Number.isInteger(b.alpha);
  const aInteger = Number.isInteger(a.alpha);
  if (!aInteger && !bInteger) throw new RangeError('one of the alpha parameters must be an integer');
  const sumOverB = bInteger && (!aInteger || b.alpha <= a.alpha);
  const p = sumOverB ? millerSum(a, b) : 1 - millerSum(b, a);
  return Math.min(1, Math.max(0, p));
}
