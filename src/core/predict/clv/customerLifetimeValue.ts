import type { BgNbdParameters } from './BgNbdParameters.js';
import type { PurchaseHistory } from './CustomerSummary.js';
import { expectedPurchases } from './expectedPurchases.js';
import { expectedSpend, type GammaGammaParameters, type SpendHistory } from './fitGammaGamma.js';

export interface LifetimeValueOptions {
  /** The horizon in months; a fractional last month counts its share. */
  readonly months: number;
  /** The discount rate per month (lifetimes' default 0.01). */
  readonly monthlyDiscountRate: number;
  /** Weeks in a month; 4.345 as lifetimes uses for weekly data. */
  readonly weeksPerMonth?: number;
}

export const WEEKS_PER_MONTH = 4.345;

/**
 * A customer's discounted expected spend over the horizon, as lifetimes'
 * `GammaGammaFitter.customer_lifetime_value` computes it: month by month, the BG/NBD expected
 * purchases in that month times the Gamma-Gamma expected purchase value, discounted by
 * (1 + rate)^month. Time is in weeks, like the histories.
 *
 * @example customerLifetimeValue(bgNbd, gammaGamma, { frequency: 2, recency: 30.43, T: 38.86, monetaryValue: 22.35 }, { months: 12, monthlyDiscountRate: 0.01 })
 */
export function customerLifetimeValue(
  purchases: BgNbdParameters,
  spend: GammaGammaParameters,
  customer: PurchaseHistory & SpendHistory,
  options: LifetimeValueOptions,
): number {
  const weeksPerMonth = options.weeksPerMonth ?? WEEKS_PER_MONTH;
  const perPurchase = expectedSpend(spend, customer);
  let value = 0;
  let before = 0;
  for (let month = 1; month - 1 < options.months; month++) {
    const end = Math.min(month, options.months);
    const upTo = expectedPurchases(purchases, customer, end * weeksPerMonth);
    value += (perPurchase * (upTo - before)) / (1 + options.monthlyDiscountRate) ** end;
    before = upTo;
  }
  return value;
}
