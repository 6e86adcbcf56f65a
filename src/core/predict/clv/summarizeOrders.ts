import { AttuneError } from '../../errors/AttuneError.js';
import type { Order } from '../orders/Order.js';
import type { CalibrationCustomer } from './CustomerSummary.js';

/** The period ends, in days since the epoch, both inclusive. */
export interface SummaryWindow {
  readonly calibrationEnd: number;
  /** The end of the holdout; by default the last order's day (no holdout when it is calibrationEnd). */
  readonly observationEnd?: number;
}

export interface OrderSummary {
  /** Customers with a purchase by calibrationEnd, by id. */
  readonly customers: readonly CalibrationCustomer[];
  readonly calibrationEnd: number;
  readonly observationEnd: number;
  /** The holdout's length in weeks: (observationEnd - calibrationEnd) / 7. */
  readonly holdoutWeeks: number;
}

const DAYS_PER_WEEK = 7;

/**
 * Summarises orders per customer the way lifetimes' `calibration_and_holdout_data` (freq 'D')
 * with `freq_multiplier` 7 does: the orders of one day are one purchase of their summed value;
 * frequency is the purchase days up to calibrationEnd minus one; recency and T run from the
 * first purchase to the last one and to calibrationEnd, in weeks (days / 7); monetary value is
 * the mean value of the purchase days after the first (0 without any); holdoutFrequency
 * counts the purchase days after calibrationEnd up to observationEnd. Customers whose first
 * purchase comes after calibrationEnd are not in the summary (the model cannot know them yet).
 *
 * @example summarizeOrders(orders, { calibrationEnd: dayOf('1997-09-30')!, observationEnd: dayOf('1998-06-30')! })
 */
export function summarizeOrders(orders: readonly Order[], window: SummaryWindow): OrderSummary {
  const { calibrationEnd } = window;
  const observationEnd = window.observationEnd ?? orders.reduce((last, o) => Math.max(last, o.day), calibrationEnd);
  if (observationEnd < calibrationEnd) {
    throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: 'the observation end comes before the calibration end', field: 'observationEnd' });
  }
  const customers: CalibrationCustomer[] = [];
  for (const [customerId, days] of purchaseDays(orders, observationEnd)) {
    const calibration = [...days].filter(([day]) => day <= calibrationEnd).sort((p, q) => p[0] - q[0]);
    const first = calibration[0];
    if (first === undefined) continue;
    const repeats = calibration.slice(1);
    customers.push({
      customerId,
      frequency: repeats.length,
      recency: (calibration[calibration.length - 1]![0] - first[0]) / DAYS_PER_WEEK,
      T: (calibrationEnd - first[0]) / DAYS_PER_WEEK,
      monetaryValue: repeats.length === 0 ? 0 : repeats.reduce((sum, [, value]) => sum + value, 0) / repeats.length,
      holdoutFrequency: days.size - calibration.length,
    });
  }
  customers.sort((p, q) => (p.customerId < q.customerId ? -1 : p.customerId > q.customerId ? 1 : 0));
  return { customers, calibrationEnd, observationEnd, holdoutWeeks: (observationEnd - calibrationEnd) / DAYS_PER_WEEK };
}

/** Per customer, the value bought on each day up to `end`. */
function purchaseDays(orders: readonly Order[], end: number): Map<string, Map<number, number>> {
  const byCustomer = new Map<string, Map<number, number>>();
  for (const order of orders) {
    if (order.day > end) continue;
    let days = byCustomer.get(order.customerId);
    if (days === undefined) byCustomer.set(order.customerId, (days = new Map()));
    days.set(order.day, (days.get(order.day) ?? 0) + order.amount);
  }
  return byCustomer;
}
