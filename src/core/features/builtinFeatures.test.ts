import { describe, expect, it } from 'vitest';
import { builtinFeatureFields, builtinFeatures, derivedFeatureInputs, derivedFeatures, orderEvent, withBuiltinFeatures } from './builtinFeatures.js';
import { compileFeatures, type FeatureEvent, type FeatureStates } from './compileFeatures.js';
import type { FeatureDefinition } from './FeatureDefinition.js';
import cases from './builtinFeatures.cases.json' with { type: 'json' };

const hour = 3_600_000;
const day = 24 * hour;
const t0 = Date.parse('2024-03-01T09:15:00Z');

function order(at: number, properties: Record<string, unknown>): FeatureEvent {
  return { type: 'track', name: orderEvent, timestamp: at, body: { type: 'track', event: orderEvent, properties, timestamp: new Date(at).toISOString() } };
}

describe('withBuiltinFeatures', () => {
  it('adds the lifetime value basics to a workspace without its own', () => {
    const own: FeatureDefinition = { name: 'views_7d', aggregate: 'count', events: ['Product Viewed'], window: '7d' };
    const names = withBuiltinFeatures([own]).map((d) => d.name);
    expect(names).toEqual(['order_count', 'revenue', 'priced_order_count', 'first_order_at', 'last_order_at', 'unreadable_revenue_orders', 'views_7d']);
    expect(withBuiltinFeatures([])).toEqual(builtinFeatures);
  });

  it('lets a workspace redefine a built-in by name', () => {
    const revenue: FeatureDefinition = { name: 'revenue', aggregate: 'sum', events: [orderEvent, 'Order Updated'], property: 'properties.total' };
    const definitions = withBuiltinFeatures([revenue]);
    expect(definitions.filter((d) => d.name === 'revenue')).toEqual([revenue]);
    expect(definitions).toHaveLength(builtinFeatures.length);
    const set = compileFeatures(definitions);
    const states: FeatureStates = {};
    set.update(states, order(t0, { revenue: 10, total: 12 }));
    expect(set.readOne(states, 'revenue', t0)).toBe(12);
    expect(set.readOne(states, 'order_count', t0)).toBe(1);
  });

  it('compiles, and every built-in and derived field is typed for the rules checker', () => {
    const set = compileFeatures(withBuiltinFeatures([]));
    const derived = derivedFeatures({}, { firstSeen: t0, lastSeen: t0 }, t0);
    expect(Object.keys(builtinFeatureFields).sort()).toEqual([...set.names, ...Object.keys(derived)].map((n) => `features.${n}`).sort());
  });
});

// The incremental segment update compares a derived value across two times by recomputing it
// from these inputs; a derived value missing here would count as stored, never changing, and
// segments reading it would never be re-evaluated (core/knowledge/changedValues.ts).
it('lists the inputs of exactly the values derivedFeatures gives', () => {
  expect(Object.keys(derivedFeatureInputs).sort()).toEqual(Object.keys(derivedFeatures({}, { firstSeen: 0, lastSeen: 0 }, 0)).sort());
});

describe('lifetime value basics and RFM', () => {
  it('count orders, sum revenue, and keep the first and last order times', () => {
    const set = compileFeatures(withBuiltinFeatures([]));
    const states: FeatureStates = {};
    set.update(states, order(t0 + 10 * day, { revenue: 30 }));
    set.update(states, order(t0, { revenue: '20.5' }));          // late, numeric string
    set.update(states, order(t0 + 40 * day, {}));                 // no revenue: an order all the same
    const values = set.read(states, t0 + 50 * day);
    expect(values).toEqual({
      order_count: 3, priced_order_count: 2, revenue: 50.5, unreadable_revenue_orders: 0,
      first_order_at: new Date(t0).toISOString(), last_order_at: new Date(t0 + 40 * day).toISOString(),
    });
    expect(derivedFeatures(values, { firstSeen: t0 - 5 * day, lastSeen: t0 + 45 * day }, t0 + 50 * day + 23 * hour)).toEqual({
      first_seen: new Date(t0 - 5 * day).toISOString(),
      last_seen: new Date(t0 + 45 * day).toISOString(),
      days_since_first_seen: 55,
      days_since_last_seen: 5,
      days_since_last_order: 10,
      recency_days: 10,
      frequency: 3,
      monetary: 50.5,
      average_order_value: 50.5 / 2,
    });
  });

  it('an order whose revenue cannot be read is an order, not one worth 0: the average order value leaves it out', () => {
    const set = compileFeatures(withBuiltinFeatures([]));
    const states: FeatureStates = {};
    set.update(states, order(t0, { revenue: '20' }));
    set.update(states, order(t0 + 1, { revenue: '12,50' }));
    set.update(states, order(t0 + 2, { revenue: { amount: 3 } }));
    set.update(states, order(t0 + 3, {}));                        // no revenue: an order, not one worth 0
    const values = set.read(states, t0 + day);
    expect(values).toMatchObject({ order_count: 4, priced_order_count: 1, revenue: 20, unreadable_revenue_orders: 2 });
    expect(derivedFeatures(values, { firstSeen: t0, lastSeen: t0 }, t0 + day)).toMatchObject({ frequency: 4, monetary: 20, average_order_value: 20 });
    // A clean profile stores nothing for it.
    const clean: FeatureStates = {};
    set.update(clean, order(t0, { revenue: 5 }));
    expect(Object.keys(clean)).not.toContain('unreadable_revenue_orders');
  });

  it('a profile without orders has no recency and no average order value', () => {
    const values = compileFeatures(withBuiltinFeatures([])).read({}, t0);
    expect(values).toEqual({ order_count: 0, priced_order_count: 0, revenue: 0, first_order_at: null, last_order_at: null, unreadable_revenue_orders: 0 });
    expect(derivedFeatures(values, { firstSeen: t0, lastSeen: t0 }, t0 + hour)).toMatchObject({
      days_since_first_seen: 0, days_since_last_seen: 0, days_since_last_order: null, recency_days: null,
      frequency: 0, monetary: 0, average_order_value: null,
    });
  });

  it('days since the last order counts whole days as the clock moves', () => {
    const values = { order_count: 1, revenue: 5, last_order_at: new Date(t0).toISOString() };
    const days = (now: number) => derivedFeatures(values, { firstSeen: t0, lastSeen: t0 }, now)['days_since_last_order'];
    expect(days(t0 + day - 1)).toBe(0);
    expect(days(t0 + day)).toBe(1);
    expect(days(t0 + 90 * day + 12 * hour)).toBe(90);
  });

  it('ignores values of the wrong type (a redefined feature that reads something else)', () => {
    const derived = derivedFeatures({ order_count: '3', revenue: null, last_order_at: 12345 }, { firstSeen: t0, lastSeen: t0 }, t0);
    expect(derived).toMatchObject({ frequency: 0, monetary: 0, days_since_last_order: null, average_order_value: null });
  });
});

type Case = [name: string, orders: Record<string, unknown>[], expected: Record<string, unknown>];

describe('the average order value over priced orders (builtinFeatures.cases.json)', () => {
  it.each(cases.cases as unknown as Case[])('%s', (_name, orders, expected) => {
    const set = compileFeatures(withBuiltinFeatures([]));
    const states: FeatureStates = {};
    orders.forEach((properties, i) => set.update(states, order(t0 + i * 60_000, properties)));
    const values = set.read(states, t0 + day);
    expect({ ...values, ...derivedFeatures(values, { firstSeen: t0, lastSeen: t0 }, t0 + day) }).toMatchObject(expected);
  });
});
