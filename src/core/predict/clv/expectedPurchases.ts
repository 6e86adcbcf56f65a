import { hyp2f1 } from '../../numeric/hyp2f1.js';
import type { BgNbdParameters } from './BgNbdParameters.js';
import type { PurchaseHistory } from './CustomerSummary.js';

/**
 * The expected number of purchases in the next `t` weeks of a customer with this history,
 * under the BG/NBD model (FHL 2005, eq. 10; lifetimes' `conditional_expected_number_of_purchases_up_to_time`).
 * The hypergeometric term 2F1(r + x, b + x; a + b + x - 1; z) is taken through Euler's
 * transformation, 2F1(a + b - 1 - r, a - 1; a + b + x - 1; z) (1 - z)^(a - 1 - r - x): its
 * series converges fast for any x, where the plain one overflows for large x. With x = 0 and
 * T = 0 it is the expectation for a new customer (eq. 9).
 *
 * @example expectedPurchases({ r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 }, { frequency: 2, recency: 30.43, T: 38.86 }, 39) // ≈ 1.226
 */
export function expectedPurchases(params: BgNbdParameters, history: PurchaseHistory, t: number): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = params;
  const { frequency: x, recency, T } = history;
  const z = t / (alpha + T + t);
  const c = a + b + x - 1;
  // 2F1(...) ((alpha + T) / (alpha + T + t))^(r + x) = F' (1 - z)^(a - 1), as 1 - z = (alpha + T) / (alpha + T + t).
  const discounted = hyp2f1(c - r - x, a - 1, c, z) * (1 - z) ** (a - 1);
  const numerator = ((a + b + x - 1) / (a - 1)) * (1 - discounted);
  return numerator / (1 + (x > 0 ? (a / (b + x - 1)) * ((alpha + T) / (alpha + recency)) ** (r + x) : 0));
}

/**
 * The probability that a customer with this history has not dropped out (Hardie's note 021):
 * 1 without a repeat purchase, since BG/NBD customers drop out only just after a purchase.
 *
 * @example probabilityAlive(params, { frequency: 0, recency: 0, T: 30 }) // 1
 */
export function probabilityAlive(params: BgNbdParameters, history: PurchaseHistory): number {
  const { r, alpha, a, b } = params;
  const { frequency: x, recency, T } = history;
  if (x === 0) return 1;
  const logOdds = Math.log(a / (b + x - 1)) + (r + x) * Math.log((alpha + T) / (alpha + recency));
  return 1 / (1 + Math.exp(logOdds));
}
