import type { Random } from '../../core/common/random.js';
import { sampleBeta, sampleGamma } from './sampling.js';

/**
 * How a customer buys over time, after the BG/NBD and gamma-gamma models that customer-value
 * work assumes of real shops (Fader, Hardie and Lee 2005; docs/predict.md):
 * - purchase rates differ a lot between customers: a latent `engagement` drawn from a gamma
 *   distribution (mean 1, a long right tail) drives both how often a customer visits and how
 *   likely a visit ends in an order, so engaged customers visit more and buy more;
 * - customers leave: after each visit a customer drops out for good with their own
 *   probability, drawn from a beta distribution (BG/NBD drops out after a purchase; here the
 *   visit is the occasion, so what was shown never changes who visits later, see README);
 * - each customer spends at their own level (`value`, gamma-distributed around 1).
 * Together these make a customer's past purchases (how many, how recent) and visits predict
 * their next ones, as in real purchase data.
 */
export const behaviourModel = {
  /** Gamma shape of `engagement` (mean 1): below 1, many customers barely buy and a few buy often. */
  engagementShape: 0.7,
  /** visitRate = clamp(0.05 + visitsPerEngagement x engagement, 0.05, 0.4). */
  visitsPerEngagement: 0.25,
  /** purchasePropensity = clamp(0.04 + propensityPerEngagement x engagement, 0.04, 0.2). */
  propensityPerEngagement: 0.08,
  /** Beta(a, b) of the dropout probability after each visit: mean a / (a + b) = 5%. */
  dropoutA: 1,
  dropoutB: 19,
  /** Gamma shape of `value` (mean 1, clamped to 0.5..3): a customer's own spend level. */
  spendShape: 3,
} as const;

export interface Behaviour {
  readonly engagement: number;
  readonly visitRate: number;
  readonly purchasePropensity: number;
  readonly dropoutProbability: number;
  readonly value: number;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** One customer's hidden buying behaviour, from the world's seeded generator (three gamma-based draws). */
export function drawBehaviour(random: Random): Behaviour {
  const m = behaviourModel;
  const engagement = sampleGamma(m.engagementShape, random) / m.engagementShape;
  return {
    engagement: round(engagement, 4),
    visitRate: round(clamp(0.05 + m.visitsPerEngagement * engagement, 0.05, 0.4), 2),
    purchasePropensity: round(clamp(0.04 + m.propensityPerEngagement * engagement, 0.04, 0.2), 3),
    dropoutProbability: round(sampleBeta(m.dropoutA, m.dropoutB, random), 4),
    value: round(clamp(sampleGamma(m.spendShape, random) / m.spendShape, 0.5, 3), 2),
  };
}
