/**
 * A customer's purchase history as the BG/NBD model reads it (lifetimes' names): `frequency`
 * is the number of repeat purchase days (x), `recency` the time from the first purchase to
 * the last (t_x), `T` the time from the first purchase to the end of the period. Times in weeks.
 */
export interface PurchaseHistory {
  readonly frequency: number;
  readonly recency: number;
  readonly T: number;
}

/** One customer's summary; `monetaryValue` is the mean value of the repeat purchase days (0 without any). */
export interface CustomerSummary extends PurchaseHistory {
  readonly customerId: string;
  readonly monetaryValue?: number;
}

/** A summary over a calibration period, with the purchase days counted in the holdout after it. */
export interface CalibrationCustomer extends CustomerSummary {
  readonly monetaryValue: number;
  readonly holdoutFrequency: number;
}
