import type { Order } from '../orders/Order.js';
import type { Matrix } from './Matrix.js';

/** Customers as rows of recency, frequency and monetary value. */
export interface RfmRows {
  readonly customerIds: readonly string[];
  /** Columns: recency (days from the last purchase day to `asOfDay`), frequency (distinct purchase days), monetary (total amount). */
  readonly matrix: Matrix;
}

export const rfmFeatures = ['recency', 'frequency', 'monetary'] as const;

/**
 * The RFM table of a list of orders, one row per customer in order of first appearance. With
 * `log1p` each value is replaced by log(1 + value): RFM columns are heavily skewed and k-means
 * on raw spend would cluster on its outliers.
 *
 * @example rfmMatrix(orders, dayOf('1998-06-30')!, true).matrix // rows of [log1p days, log1p days bought, log1p spend]
 */
export function rfmMatrix(orders: readonly Order[], asOfDay: number, log1p = false): RfmRows {
  const byCustomer = new Map<string, { last: number; days: Set<number>; total: number }>();
  for (const order of orders) {
    const seen = byCustomer.get(order.customerId);
    if (seen === undefined) byCustomer.set(order.customerId, { last: order.day, days: new Set([order.day]), total: order.amount });
    else {
      seen.last = Math.max(seen.last, order.day);
      seen.days.add(order.day);
      seen.total += order.amount;
    }
  }
  const data = new Float64Array(byCustomer.size * 3);
  let r = 0;
  for (const { last, days, total } of byCustomer.values()) {
    const values = [asOfDay - last, days.size, total];
    values.forEach((value, c) => {
      data[r * 3 + c] = log1p ? Math.log1p(value) : value;
    });
    r++;
  }
  return { customerIds: [...byCustomer.keys()], matrix: { rows: byCustomer.size, cols: 3, data } };
}
