import type { Order } from '../orders/Order.js';
import { isoDateOf } from '../orders/Order.js';
import { featureMatrix, type FeatureMatrix } from './FeatureMatrix.js';

/** The numeric features, in column order. Days are whole days; a purchase is a customer's distinct order day. */
export const purchaseFeatureColumns = [
  'recencyDays', 'purchases', 'logPurchases', 'monetaryTotal', 'logMonetaryTotal', 'monetaryMean', 'logMonetaryMean',
  'tenureDays', 'meanDaysBetween', 'purchasesLast30', 'purchasesLast90', 'spendLast90',
] as const;

export interface TimeSplit {
  /** Customers with at least one order on or before the cut-off, sorted by id. */
  readonly customers: readonly string[];
  /** One row per customer, columns purchaseFeatureColumns; meanDaysBetween is NaN for a one-time buyer. */
  readonly features: FeatureMatrix;
  /** The month (yyyy-mm) of each customer's first purchase: a categorical column (acquisition cohort). */
  readonly firstPurchaseMonth: readonly string[];
  /** 1 when the customer bought in (cutoff, cutoff + horizon], else 0. */
  readonly labels: readonly number[];
}

export interface TimeSplitOptions {
  /** The last day (days since the epoch) whose orders the features may see. */
  readonly cutoffDay: number;
  /** The label window's length in days, starting the day after the cut-off. */
  readonly horizonDays: number;
}

/**
 * Features as of a cut-off and the label of the window after it: the honest way to build
 * training data for "who will buy next", since the features see nothing the model will not
 * have when it scores today's customers. Orders on one day are one purchase (the lifetimes
 * convention); spend adds up over all of them. Customers whose first order is after the
 * cut-off have no features and are left out. The model's churn risk for the same horizon is
 * 1 − the purchase propensity of these customers, all of whom bought before.
 *
 * @example timeSplitLabels(orders, { cutoffDay: dayOf('1997-09-30')!, horizonDays: 273 })
 */
export function timeSplitLabels(orders: readonly Order[], options: TimeSplitOptions): TimeSplit {
  const { cutoffDay, horizonDays } = options;
  if (!Number.isInteger(cutoffDay) || !Number.isInteger(horizonDays) || horizonDays < 1) {
    throw new RangeError(`cutoffDay must be an integer day and horizonDays a positive integer, got ${cutoffDay} and ${horizonDays}`);
  }
  const spendByDay = new Map<string, Map<number, number>>();
  const bought = new Set<string>();
  for (const order of orders) {
    if (order.day <= cutoffDay) {
      const days = spendByDay.get(order.customerId) ?? new Map<number, number>();
      days.set(order.day, (days.get(order.day) ?? 0) + order.amount);
      spendByDay.set(order.customerId, days);
    } else if (order.day <= cutoffDay + horizonDays) bought.add(order.customerId);
  }
  const customers = [...spendByDay.keys()].sort();
  const rows: Float64Array[] = [];
  const firstPurchaseMonth: string[] = [];
  for (const customer of customers) {
    const days = [...spendByDay.get(customer)!.entries()].sort((a, b) => a[0] - b[0]);
    rows.push(purchaseFeatureRow(days, cutoffDay));
    firstPurchaseMonth.push(isoDateOf(days[0]![0]).slice(0, 7));
  }
  return {
    customers,
    features: featureMatrix(purchaseFeatureColumns, rows),
    firstPurchaseMonth,
    labels: customers.map((customer) => (bought.has(customer) ? 1 : 0)),
  };
}

/** One customer's row from their purchase days (ascending, with the day's spend), as of the cut-off day. */
export function purchaseFeatureRow(days: readonly (readonly [number, number])[], cutoffDay: number): Float64Array {
  const first = days[0]![0];
  const last = days[days.length - 1]![0];
  const purchases = days.length;
  const total = days.reduce((sum, [, spend]) => sum + spend, 0);
  const recent = (window: number): (readonly [number, number])[] => days.filter(([day]) => day > cutoffDay - window);
  const values: Record<(typeof purchaseFeatureColumns)[number], number> = {
    recencyDays: cutoffDay - last,
    purchases,
    // Counts and spend are heavy-tailed; their logs let a linear model use them without a few big spenders dominating.
    logPurchases: Math.log(purchases),
    monetaryTotal: total,
    logMonetaryTotal: Math.log1p(total),
    monetaryMean: total / purchases,
    logMonetaryMean: Math.log1p(total / purchases),
    tenureDays: cutoffDay - first,
    meanDaysBetween: purchases > 1 ? (last - first) / (purchases - 1) : Number.NaN,
    purchasesLast30: recent(30).length,
    purchasesLast90: recent(90).length,
    spendLast90: recent(90).reduce((sum, [, spend]) => sum + spend, 0),
  };
  return Float64Array.from(purchaseFeatureColumns, (name) => values[name]);
}
