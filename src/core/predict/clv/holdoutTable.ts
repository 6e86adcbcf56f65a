import type { CalibrationCustomer, PurchaseHistory } from './CustomerSummary.js';

/** A model's expected purchases in the next t weeks given a history (expectedPurchases bound to its parameters). */
export type PurchaseExpectation = (history: PurchaseHistory, t: number) => number;

/** One group of customers with the same number of repeat purchases in the calibration period. */
export interface HoldoutRow {
  /** The calibration frequency; the last row holds this many or more. */
  readonly frequency: number;
  readonly customers: number;
  /** Mean expected purchases per customer in the holdout period. */
  readonly expected: number;
  /** Mean actual purchase days per customer in the holdout period. */
  readonly actual: number;
}

/**
 * Expected against actual holdout purchases per calibration frequency (0, 1, ..., `top`+),
 * the check of FHL 2005's figure 5 (lifetimes' `plot_calibration_purchases_vs_holdout_purchases`).
 * Groups without customers are left out.
 *
 * @example holdoutTable((h, t) => expectedPurchases(fit, h, t), summary.customers, summary.holdoutWeeks) // [{ frequency: 0, customers: 1411, expected: 0.24, actual: 0.24 }, ...]
 */
export function holdoutTable(expected: PurchaseExpectation, customers: readonly CalibrationCustomer[], holdoutWeeks: number, top = 7): HoldoutRow[] {
  const groups = Array.from({ length: top + 1 }, () => ({ customers: 0, expected: 0, actual: 0 }));
  for (const customer of customers) {
    const group = groups[Math.min(customer.frequency, top)]!;
    group.customers++;
    group.expected += expected(customer, holdoutWeeks);
    group.actual += customer.holdoutFrequency;
  }
  return groups.flatMap((g, frequency) =>
    g.customers === 0 ? [] : [{ frequency, customers: g.customers, expected: g.expected / g.customers, actual: g.actual / g.customers }]);
}
