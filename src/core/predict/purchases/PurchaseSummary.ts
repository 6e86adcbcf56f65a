import { readNumber } from '../../common/readNumber.js';
import type { Order } from '../orders/Order.js';

/**
 * What the lifetime-value models need of one profile's orders, kept per profile and updated
 * per event, in the lifetimes convention: orders on the same (UTC) day are one purchase, and
 * spend is the sum of that day's orders. Plain JSON, stored with the profile's knowledge.
 */
export interface PurchaseSummary {
  /** Day number (days since 1970-01-01 UTC) of the first purchase. */
  f: number;
  /** The first purchase day's spend (left out of the repeat spend, as Gamma-Gamma wants). */
  fv: number;
  /** Purchase days, ascending: the most recent `MAX_PURCHASE_DAYS` (the first is `f` in any case). */
  d: number[];
  /** Spend of each day in `d`, in the same order (propensity features read recent spend). */
  s: number[];
  /** Distinct purchase days in all (more than `d` holds once it is full). */
  n: number;
  /** Total spend of readable order values. */
  t: number;
}

/** What the models read: frequency, recency and age in weeks (days / 7), and mean repeat spend. */
export interface RfmSummary {
  /** Repeat purchases: purchase days minus 1. */
  readonly frequency: number;
  /** Weeks from the first to the last purchase. */
  readonly recency: number;
  /** Weeks from the first purchase to `now`'s day (inclusive end, as lifetimes counts T). */
  readonly T: number;
  /** Mean spend of the repeat purchase days; null without a repeat purchase. */
  readonly monetary: number | null;
}

export const MAX_PURCHASE_DAYS = 400;
const dayMs = 86_400_000;

/** The UTC day number of a time in ms. */
export function utcDayOf(ms: number): number {
  return Math.floor(ms / dayMs);
}

/** An order's spend: `properties.revenue`, else `total`, else 0 (an order without a price still counts as a purchase). */
export function orderValue(properties: Readonly<Record<string, unknown>> | null): number {
  if (properties === null) return 0;
  for (const key of ['revenue', 'total']) {
    if (!Object.hasOwn(properties, key)) continue;
    const read = readNumber(properties[key]);
    if (typeof read === 'number' && Number.isFinite(read)) return read;
  }
  return 0;
}

/**
 * Adds one order at `at` worth `value`, in place (or a new summary). Events may arrive late:
 * a day already held is the same purchase; an earlier first day makes the old first a repeat.
 */
export function recordPurchase(summary: PurchaseSummary | undefined, at: number, value: number): PurchaseSummary {
  const day = utcDayOf(at);
  if (summary === undefined) return { f: day, fv: value, d: [day], s: [value], n: 1, t: value };
  summary.t += value;
  if (day === summary.f) summary.fv += value;
  else if (day < summary.f) {
    summary.f = day;
    summary.fv = value;
  }
  insertDay(summary, day, value);
  return summary;
}

/** A new day into the ascending list; days older than a full list's oldest count as new (documented approximation). */
function insertDay(summary: PurchaseSummary, day: number, value: number): void {
  const days = summary.d;
  let i = days.length;
  while (i > 0 && days[i - 1]! > day) i--;
  if (i > 0 && days[i - 1] === day) {
    summary.s[i - 1] = summary.s[i - 1]! + value;
    return;
  }
  summary.n++;
  days.splice(i, 0, day);
  summary.s.splice(i, 0, value);
  if (days.length > MAX_PURCHASE_DAYS) {
    days.splice(0, days.length - MAX_PURCHASE_DAYS);
    summary.s.splice(0, summary.s.length - MAX_PURCHASE_DAYS);
  }
}

/** The summary of a profile that absorbs another: as if one profile had made both sets of orders. */
export function mergePurchaseSummaries(a: PurchaseSummary | undefined, b: PurchaseSummary | undefined): PurchaseSummary | undefined {
  if (a === undefined) return b === undefined ? undefined : copy(b);
  if (b === undefined) return copy(a);
  const spend = new Map<number, number>();
  for (const side of [a, b]) side.d.forEach((day, i) => spend.set(day, (spend.get(day) ?? 0) + (side.s[i] ?? 0)));
  const days = [...spend.keys()].sort((x, y) => x - y);
  const shared = a.d.length + b.d.length - days.length;
  const kept = days.length > MAX_PURCHASE_DAYS ? days.slice(days.length - MAX_PURCHASE_DAYS) : days;
  const first = Math.min(a.f, b.f);
  const fv = (a.f === first ? a.fv : 0) + (b.f === first ? b.fv : 0);
  return {
    f: first, fv, t: a.t + b.t,
    n: a.n + b.n - shared - (a.f === b.f && !(a.d.includes(a.f) && b.d.includes(b.f)) ? 1 : 0),
    d: kept,
    s: kept.map((day) => spend.get(day)!),
  };
}

function copy(s: PurchaseSummary): PurchaseSummary {
  return { f: s.f, fv: s.fv, d: [...s.d], s: [...s.s], n: s.n, t: s.t };
}

/** Frequency, recency, T (weeks) and repeat spend as of `now`; null for a profile without purchases. */
export function rfmOf(summary: PurchaseSummary | undefined, now: number): RfmSummary | null {
  if (summary === undefined) return null;
  const last = summary.d[summary.d.length - 1] ?? summary.f;
  const today = Math.max(utcDayOf(now), last);
  const frequency = summary.n - 1;
  return {
    frequency,
    recency: (last - summary.f) / 7,
    T: (today - summary.f) / 7,
    monetary: frequency > 0 ? (summary.t - summary.fv) / frequency : null,
  };
}

/**
 * The held purchase days as orders (one per day, its spend), for models that read orders: the
 * same as the profile's orders except for days beyond the `MAX_PURCHASE_DAYS` most recent.
 */
export function ordersOfSummary(summary: PurchaseSummary, customerId: string): Order[] {
  return summary.d.map((day, i) => ({ customerId, day, amount: summary.s[i] ?? 0 }));
}
