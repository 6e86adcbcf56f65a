import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utcDayOf, mergePurchaseSummaries, ordersOfSummary, orderValue, recordPurchase, rfmOf, type PurchaseSummary } from './PurchaseSummary.js';

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);
const hours = 3_600_000;

function summarize(orders: readonly (readonly [number, number])[]): PurchaseSummary | undefined {
  let s: PurchaseSummary | undefined;
  for (const [at, value] of orders) s = recordPurchase(s, at, value);
  return s;
}

/** The batch reading of the lifetimes convention, written independently: group by day, then count. */
function batch(orders: readonly (readonly [number, number])[], now: number): { frequency: number; recency: number; T: number; monetary: number | null } | null {
  if (orders.length === 0) return null;
  const byDay = new Map<number, number>();
  for (const [at, value] of orders) byDay.set(utcDayOf(at), (byDay.get(utcDayOf(at)) ?? 0) + value);
  const days = [...byDay.keys()].sort((a, b) => a - b);
  const first = days[0]!;
  const last = days[days.length - 1]!;
  const repeat = days.slice(1).map((d) => byDay.get(d)!);
  return {
    frequency: days.length - 1,
    recency: (last - first) / 7,
    T: (Math.max(utcDayOf(now), last) - first) / 7,
    monetary: repeat.length === 0 ? null : repeat.reduce((a, b) => a + b, 0) / repeat.length,
  };
}

describe('PurchaseSummary (lifetimes convention)', () => {
  it('counts orders on the same day as one purchase and leaves the first day out of repeat spend', () => {
    const s = summarize([[day('1997-01-01') + 9 * hours, 10], [day('1997-01-01') + 20 * hours, 5], [day('1997-01-15'), 30], [day('1997-02-05'), 50]]);
    expect(rfmOf(s, day('1997-03-05'))).toEqual({ frequency: 2, recency: 5, T: 9, monetary: 40 });
  });

  it('a profile without orders has no summary; one purchase has frequency 0 and no repeat spend', () => {
    expect(rfmOf(undefined, 0)).toBeNull();
    expect(rfmOf(summarize([[day('1997-01-01'), 12]]), day('1997-01-08'))).toEqual({ frequency: 0, recency: 0, T: 1, monetary: null });
  });

  it('reads revenue, then total; unreadable or missing values are worth 0 but still a purchase', () => {
    expect(orderValue({ revenue: '12.5', total: 99 })).toBe(12.5);
    expect(orderValue({ revenue: '12,5', total: 99 })).toBe(99);
    expect(orderValue({})).toBe(0);
    expect(orderValue(null)).toBe(0);
  });

  const order = fc.tuple(fc.integer({ min: 0, max: 200 }).map((d) => d * 86_400_000 + 5 * hours), fc.integer({ min: 0, max: 500 }));
  it('in any arrival order, equals the batch reading of the same orders (property)', () => {
    fc.assert(fc.property(fc.array(order, { maxLength: 40 }), (orders) => {
      const now = 210 * 86_400_000;
      expect(rfmOf(summarize(orders), now)).toEqual(batch(orders, now));
    }));
  });

  it('merging two profiles equals one profile with both sets of orders (property)', () => {
    fc.assert(fc.property(fc.array(order, { maxLength: 20 }), fc.array(order, { maxLength: 20 }), (a, b) => {
      const now = 210 * 86_400_000;
      expect(rfmOf(mergePurchaseSummaries(summarize(a), summarize(b)), now)).toEqual(batch([...a, ...b], now));
    }));
  });

  /** One order per day with the day's total, ascending: what ordersOfSummary must give back. */
  function byDay(orders: readonly (readonly [number, number])[]): { customerId: string; day: number; amount: number }[] {
    const totals = new Map<number, number>();
    for (const [at, value] of orders) totals.set(utcDayOf(at), (totals.get(utcDayOf(at)) ?? 0) + value);
    return [...totals.entries()].sort((x, y) => x[0] - y[0]).map(([d, amount]) => ({ customerId: 'c', day: d, amount }));
  }

  it('keeps each day\'s spend, arrival order and merges notwithstanding (property)', () => {
    fc.assert(fc.property(fc.array(order, { minLength: 1, maxLength: 20 }), fc.array(order, { minLength: 1, maxLength: 20 }), (a, b) => {
      expect(ordersOfSummary(summarize(a)!, 'c')).toEqual(byDay(a));
      expect(ordersOfSummary(mergePurchaseSummaries(summarize(a), summarize(b))!, 'c')).toEqual(byDay([...a, ...b]));
    }));
  });
});
