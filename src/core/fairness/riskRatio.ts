import { normalQuantile } from '../stats/distributions.js';

/** A count of successes out of a count of units: a group's exposures, clicks or conversions. */
export interface Proportion {
  readonly successes: number;
  readonly units: number;
}

/** The ratio of two proportions with its two-sided interval; null bounds when it has none. */
export interface RiskRatio {
  readonly ratio: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
  /** The four cells were moved by 0.5 (a zero count): the interval is the corrected one. */
  readonly corrected: boolean;
}

/**
 * The ratio p1/p2 of two independent proportions with the Katz log interval:
 * `exp(ln(p1/p2) ± z·sqrt(1/x1 − 1/n1 + 1/x2 − 1/n2))` (Katz, Baptista, Azen and Pike, 1978;
 * scipy's `relative_risk(...).confidence_interval()` is the same method). Katz was chosen over
 * the score (Koopman) interval because it has a closed form that the four-fifths rule's users
 * can check by hand, and its coverage is close to nominal once each group has a few successes;
 * the report shows the counts beside it, so a small group is seen as such.
 *
 * A zero count has no logarithm: then 0.5 is added to each of the four cells (successes and
 * failures of both groups; Haldane–Anscombe) and the interval is that of the corrected ratio
 * (`corrected: true`), finite where Katz's would be [0, ∞); the ratio shown stays the plain
 * one. With no successes in the reference group the ratio is undefined (null), and so is the
 * interval; a group without units has nothing to say.
 *
 * @example riskRatio({ successes: 10, units: 50 }, { successes: 20, units: 60 }, 0.05) // ratio 0.6, [0.310, 1.161]
 */
export function riskRatio(group: Proportion, reference: Proportion, alpha: number): RiskRatio {
  const none = { ratio: null, lower: null, upper: null, corrected: false };
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`riskRatio needs 0 < alpha < 1, got ${alpha}`);
  if (group.units <= 0 || reference.units <= 0) return none;
  const ratio = reference.successes === 0 ? null : (group.successes / group.units) / (reference.successes / reference.units);
  const corrected = group.successes === 0 || reference.successes === 0;
  const [x1, n1, x2, n2] = corrected
    ? [group.successes + 0.5, group.units + 1, reference.successes + 0.5, reference.units + 1]
    : [group.successes, group.units, reference.successes, reference.units];
  if (ratio === null) return { ...none, corrected };
  const se = Math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2);
  const z = normalQuantile(1 - alpha / 2);
  const center = Math.log((x1 / n1) / (x2 / n2));
  return { ratio, lower: Math.exp(center - z * se), upper: Math.exp(center + z * se), corrected };
}
