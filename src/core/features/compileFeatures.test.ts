import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { UnreadableSink } from '../common/readNumber.js';
import type { CallType } from '../events/callTypes.js';
import { RuleError } from '../rules/RuleError.js';
import type { RuleValue } from '../rules/values.js';
import type { FeatureState } from './aggregators.js';
import { compileFeatures, FeatureDefinitionError, type FeatureEvent, type FeatureStates } from './compileFeatures.js';
import type { FeatureDefinition } from './FeatureDefinition.js';

/**
 * Declared features over event streams, with an injected clock: every update takes the
 * event's time and every read takes `now`, so nothing here waits or reads a real clock.
 */
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const t0 = Date.parse('2024-03-01T09:15:00Z');
const settings = { seed: 20240302, numRuns: 150 } as const;

function event(type: CallType, name: string | null, at: number, properties: Record<string, unknown> = {}): FeatureEvent {
  const body: Record<string, unknown> = { type, properties, timestamp: new Date(at).toISOString(), messageId: `m-${at}` };
  if (type === 'track') body['event'] = name;
  else if (name !== null) body['name'] = name;
  return { type, name, timestamp: at, body };
}
const track = (name: string, at: number, properties: Record<string, unknown> = {}) => event('track', name, at, properties);

function updateAll(definitions: readonly FeatureDefinition[], events: readonly FeatureEvent[], states: FeatureStates = {}): FeatureStates {
  const set = compileFeatures(definitions);
  for (const e of events) set.update(states, e);
  return states;
}

function definitionError(definitions: readonly FeatureDefinition[]): FeatureDefinitionError {
  try {
    compileFeatures(definitions);
  } catch (error) {
    if (error instanceof FeatureDefinitionError) return error;
    throw error;
  }
  throw new Error('compiled without an error');
}

const closeTo = (actual: number, expected: number) => Math.abs(actual - expected) <= 1e-9 * Math.abs(expected);

describe('every aggregate, lifetime and windowed', () => {
  const aggregatesOver = (window: string): FeatureDefinition[] => [
    { name: 'n', aggregate: 'count', events: ['E'], window },
    { name: 'total', aggregate: 'sum', events: ['E'], property: 'properties.value', window },
    { name: 'low', aggregate: 'min', events: ['E'], property: 'properties.value', window },
    { name: 'high', aggregate: 'max', events: ['E'], property: 'properties.value', window },
    { name: 'earliest', aggregate: 'first', events: ['E'], property: 'properties.label', window },
    { name: 'latest', aggregate: 'last', events: ['E'], property: 'properties.label', window },
    { name: 'labels', aggregate: 'distinct_count', events: ['E'], property: 'properties.label', window },
  ];
  const stream = (w: number) => [
    track('E', t0, { value: 5, label: 'a' }),
    track('E', t0 + w / 2, { value: 3, label: 'b' }),
    track('E', t0 + 1.5 * w, { value: 8, label: 'c' }),
  ];

  it.each([
    ['1h', hour], ['24h', day], ['7d', 7 * day], ['30d', 30 * day], ['90d', 90 * day],
  ])('over %s: counts the events inside the window and none once it has passed', (window, w) => {
    const set = compileFeatures(aggregatesOver(window));
    const states = updateAll(aggregatesOver(window), stream(w));
    // The first event is one and a half windows old, the second just under one window.
    expect(set.read(states, t0 + 1.5 * w - 1)).toEqual({ n: 2, total: 11, low: 3, high: 8, earliest: 'b', latest: 'c', labels: 2 });
    expect(set.read(states, t0 + 2.5 * w + w / 24)).toEqual({ n: 0, total: 0, low: null, high: null, earliest: null, latest: null, labels: 0 });
  });

  it.each(['lifetime', undefined])('over the lifetime (window %j) counts every event whenever it is read', (window) => {
    const definitions = aggregatesOver('lifetime').map((d) => ({ ...d, window }));
    const set = compileFeatures(definitions);
    const states = updateAll(definitions, stream(30 * day));
    const everything = { n: 3, total: 16, low: 3, high: 8, earliest: 'a', latest: 'c', labels: 3 };
    expect(set.read(states, t0 + 45 * day)).toEqual(everything);
    expect(set.read(states, t0 + 3650 * day)).toEqual(everything);
  });

  it('reads empty values for a profile with no state', () => {
    const set = compileFeatures([...aggregatesOver('7d'), { name: 'affinity', aggregate: 'decayed', property: 'properties.label', halfLife: '7d' }]);
    expect(set.read({}, t0)).toEqual({ n: 0, total: 0, low: null, high: null, earliest: null, latest: null, labels: 0, affinity: {} });
  });
});

describe('windows expire as the injected clock moves', () => {
  const views7d: FeatureDefinition = { name: 'views_7d', aggregate: 'count', events: ['Product Viewed'], window: '7d' };

  it('a 7-day count still has the event at 6 days 23 hours and drops it when the eighth day passes', () => {
    const set = compileFeatures([views7d]);
    const states: FeatureStates = {};
    set.update(states, track('Product Viewed', t0));
    expect(set.readOne(states, 'views_7d', t0)).toBe(1);
    expect(set.readOne(states, 'views_7d', t0 + 6 * day + 23 * hour)).toBe(1);
    expect(set.readOne(states, 'views_7d', t0 + 8 * day)).toBe(0);
  });

  it('a 7-day count follows a daily visitor: seven or eight days of views, never more', () => {
    const set = compileFeatures([views7d]);
    const states: FeatureStates = {};
    for (let d = 0; d < 30; d++) {
      set.update(states, track('Product Viewed', t0 + d * day));
      // Views 1 hour to 6 days 1 hour old always count; the one 7 days 1 hour old may still.
      const count = set.readOne(states, 'views_7d', t0 + d * day + hour) as number;
      expect(count).toBeGreaterThanOrEqual(Math.min(d + 1, 7));
      expect(count).toBeLessThanOrEqual(Math.min(d + 1, 8));
    }
    expect(set.readOne(states, 'views_7d', t0 + 37 * day + 8 * hour)).toBe(0);
  });

  it('windowed sum, min, max, first and last expire with their events', () => {
    const definitions: FeatureDefinition[] = [
      { name: 'spent_24h', aggregate: 'sum', events: ['Order Completed'], property: 'properties.revenue', window: '24h' },
      { name: 'cheapest_24h', aggregate: 'min', events: ['Order Completed'], property: 'properties.revenue', window: '24h' },
      { name: 'dearest_24h', aggregate: 'max', events: ['Order Completed'], property: 'properties.revenue', window: '24h' },
      { name: 'first_product_24h', aggregate: 'first', events: ['Order Completed'], property: 'properties.product', window: '24h' },
      { name: 'last_product_24h', aggregate: 'last', events: ['Order Completed'], property: 'properties.product', window: '24h' },
    ];
    const set = compileFeatures(definitions);
    const states = updateAll(definitions, [
      track('Order Completed', t0, { revenue: 10, product: 'socks' }),
      track('Order Completed', t0 + 12 * hour, { revenue: 90, product: 'boots' }),
      track('Order Completed', t0 + 20 * hour, { revenue: 40, product: 'laces' }),
    ]);
    expect(set.read(states, t0 + 20 * hour)).toEqual({ spent_24h: 140, cheapest_24h: 10, dearest_24h: 90, first_product_24h: 'socks', last_product_24h: 'laces' });
    expect(set.read(states, t0 + 26 * hour)).toEqual({ spent_24h: 130, cheapest_24h: 40, dearest_24h: 90, first_product_24h: 'boots', last_product_24h: 'laces' });
    expect(set.read(states, t0 + 38 * hour)).toEqual({ spent_24h: 40, cheapest_24h: 40, dearest_24h: 40, first_product_24h: 'laces', last_product_24h: 'laces' });
    expect(set.read(states, t0 + 46 * hour)).toEqual({ spent_24h: 0, cheapest_24h: null, dearest_24h: null, first_product_24h: null, last_product_24h: null });
  });
});

describe('out-of-order and late events', () => {
  const definitions: FeatureDefinition[] = [
    { name: 'orders_7d', aggregate: 'count', events: ['Order Completed'], window: '7d' },
    { name: 'revenue_7d', aggregate: 'sum', events: ['Order Completed'], property: 'properties.revenue', window: '7d' },
    { name: 'first_order', aggregate: 'first', events: ['Order Completed'], property: 'properties.id' },
    { name: 'last_order', aggregate: 'last', events: ['Order Completed'], property: 'properties.id' },
    { name: 'last_order_7d', aggregate: 'last', events: ['Order Completed'], property: 'properties.id', window: '7d' },
  ];

  it('ignores a late event older than the window and counts one inside it', () => {
    const set = compileFeatures(definitions);
    const states = updateAll(definitions, [track('Order Completed', t0 + 30 * day, { revenue: 100, id: 'now' })]);
    const before = JSON.stringify(states['orders_7d']);
    set.update(states, track('Order Completed', t0, { revenue: 5, id: 'month-old' }));
    expect(JSON.stringify(states['orders_7d'])).toBe(before);
    expect(set.read(states, t0 + 30 * day)).toEqual({ orders_7d: 1, revenue_7d: 100, first_order: 'month-old', last_order: 'now', last_order_7d: 'now' });
    set.update(states, track('Order Completed', t0 + 27 * day, { revenue: 20, id: 'three-days-old' }));
    expect(set.read(states, t0 + 30 * day)).toEqual({ orders_7d: 2, revenue_7d: 120, first_order: 'month-old', last_order: 'now', last_order_7d: 'now' });
    // The late event leaves the window before the newer one.
    expect(set.read(states, t0 + 35 * day)).toMatchObject({ orders_7d: 1, revenue_7d: 100 });
  });

  it('gives the same values whatever the arrival order (read after the newest event)', () => {
    fc.assert(fc.property(streamArbitrary, fc.integer({ min: 0, max: 10 * day }), (stream, delta) => {
      const ordered = [...stream].sort((x, y) => x.timestamp - y.timestamp);
      const shuffled = [...stream].sort((x, y) => hash(x.timestamp) - hash(y.timestamp));
      const now = maxTime(stream) + delta;
      expectSameValues(readAll(updateAll(propertyDefinitions, shuffled), now), readAll(updateAll(propertyDefinitions, ordered), now));
    }), settings);
  });
});

describe('distinct_count', () => {
  it('keeps at most maxKeys values and counts those seen inside its window', () => {
    const definitions: FeatureDefinition[] = [
      { name: 'categories', aggregate: 'distinct_count', events: ['Product Viewed'], property: 'properties.category', maxKeys: 3 },
      { name: 'categories_7d', aggregate: 'distinct_count', events: ['Product Viewed'], property: 'properties.category', window: '7d' },
    ];
    const set = compileFeatures(definitions);
    const states = updateAll(definitions, ['shoes', 'bags', 'hats', 'shoes', 'belts', 'socks'].map((category, i) => track('Product Viewed', t0 + i * 2 * day, { category })));
    // The cap keeps the three seen last (shoes on day 6, belts, socks); the window has hats (day 4) too.
    expect(set.read(states, t0 + 10 * day)).toEqual({ categories: 3, categories_7d: 4 });
    expect(set.read(states, t0 + 14 * day)).toEqual({ categories: 3, categories_7d: 2 });
    const kept = states['categories'];
    expect(kept !== undefined && 'd' in kept ? kept.d.map((k) => k[0]).sort() : null).toEqual(['belts', 'shoes', 'socks']);
  });
});

describe('decayed scores (category affinity)', () => {
  const affinity: FeatureDefinition = { name: 'affinity', aggregate: 'decayed', types: ['page', 'track'], property: 'properties.category', halfLife: '14d' };
  const scores = (states: FeatureStates, now: number) => compileFeatures([affinity]).readOne(states, 'affinity', now) as Record<string, number>;

  it('halves at its half-life', () => {
    const states = updateAll([affinity], [event('page', 'Shoes', t0, { category: 'shoes' })]);
    expect(scores(states, t0)).toEqual({ shoes: 1 });
    expect(closeTo(scores(states, t0 + 14 * day)['shoes']!, 0.5)).toBe(true);
    expect(closeTo(scores(states, t0 + 28 * day)['shoes']!, 0.25)).toBe(true);
    expect(closeTo(scores(states, t0 + 7 * day)['shoes']!, Math.SQRT1_2)).toBe(true);
  });

  it('adds the weight read from the event, a numeric string included, and skips events without one', () => {
    const weighted: FeatureDefinition = { ...affinity, name: 'spend_affinity', weight: 'properties.price' };
    const set = compileFeatures([weighted]);
    const states = updateAll([weighted], [
      track('Product Viewed', t0, { category: 'shoes', price: 10 }),
      track('Product Viewed', t0 + 14 * day, { category: 'shoes', price: '6' }),
      track('Product Viewed', t0 + 14 * day, { category: 'bags' }),
      track('Product Viewed', t0 + 14 * day, { category: 'hats', price: 'free' }),
    ]);
    const read = set.readOne(states, 'spend_affinity', t0 + 28 * day) as Record<string, number>;
    expect(Object.keys(read)).toEqual(['shoes']);
    expect(closeTo(read['shoes']!, (5 + 6) / 2)).toBe(true);
  });

  it('keeps the maxKeys keys with the highest scores', () => {
    const definition: FeatureDefinition = { ...affinity, maxKeys: 2 };
    const states = updateAll([definition], [
      track('Product Viewed', t0, { category: 'shoes' }),
      track('Product Viewed', t0 + day, { category: 'shoes' }),
      track('Product Viewed', t0 + 2 * day, { category: 'bags' }),
      track('Product Viewed', t0 + 3 * day, { category: 'hats' }),
      track('Product Viewed', t0 + 3 * day, { category: 'hats' }),
    ]);
    expect(Object.keys(compileFeatures([definition]).readOne(states, 'affinity', t0 + 3 * day) as object).sort()).toEqual(['hats', 'shoes']);
  });

  it('counts a late event from its own time', () => {
    const states = updateAll([affinity], [track('Product Viewed', t0 + 28 * day, { category: 'shoes' }), track('Product Viewed', t0, { category: 'shoes' })]);
    expect(closeTo(scores(states, t0 + 28 * day)['shoes']!, 1.25)).toBe(true);
  });

  it('reads __proto__ and constructor keys back as own properties and pollutes nothing', () => {
    const properties = JSON.parse('{"category": "__proto__", "__proto__": {"polluted": true}}') as Record<string, unknown>;
    const set = compileFeatures([affinity, { name: 'kinds', aggregate: 'distinct_count', property: 'properties.category' }]);
    const states: FeatureStates = {};
    set.update(states, track('Product Viewed', t0, properties));
    set.update(states, track('Product Viewed', t0, { category: 'constructor' }));
    set.update(states, track('Product Viewed', t0, { category: 'hasOwnProperty' }));
    const values = set.read(states, t0);
    const read = values['affinity'] as Record<string, RuleValue>;
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect(Object.keys(read).sort()).toEqual(['__proto__', 'constructor', 'hasOwnProperty']);
    expect(Object.getOwnPropertyDescriptor(read, '__proto__')?.value).toBe(1);
    expect(Object.getOwnPropertyDescriptor(read, 'constructor')?.value).toBe(1);
    expect(values['kinds']).toBe(3);
    expect(Object.getPrototypeOf(states)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});

describe('filters: events, types, where', () => {
  it('events counts only track calls of those names unless types says otherwise', () => {
    const definitions: FeatureDefinition[] = [
      { name: 'orders', aggregate: 'count', events: ['Order Completed'] },
      { name: 'checkout_pages', aggregate: 'count', events: ['Checkout'], types: ['page', 'screen'] },
      { name: 'pages', aggregate: 'count', types: ['page'] },
      { name: 'everything', aggregate: 'count' },
    ];
    const set = compileFeatures(definitions);
    const states = updateAll(definitions, [
      track('Order Completed', t0),
      track('Order Refunded', t0),
      event('page', 'Order Completed', t0),
      event('page', 'Checkout', t0),
      event('screen', 'Checkout', t0),
      track('Checkout', t0),
      event('page', null, t0),
      event('identify', null, t0),
    ]);
    expect(set.read(states, t0)).toEqual({ orders: 1, checkout_pages: 2, pages: 3, everything: 8 });
  });

  it('where is a rule over the event, evaluated at the event time', () => {
    const definitions: FeatureDefinition[] = [
      { name: 'big_orders', aggregate: 'count', events: ['Order Completed'], where: 'event.properties.revenue >= 100 and event.context.locale starts_with "de"' },
      { name: 'shoe_revenue', aggregate: 'sum', events: ['Order Completed'], property: 'properties.revenue', where: '"shoes" in event.properties.categories' },
      { name: 'recent_signups', aggregate: 'count', types: ['identify'], where: 'hours_since(event.traits.created_at) < 24' },
    ];
    const set = compileFeatures(definitions);
    const order = (revenue: number, locale: string, categories: string[]) => {
      const e = track('Order Completed', t0, { revenue, categories });
      return { ...e, body: { ...e.body, context: { locale } } };
    };
    const identify = (createdAt: number): FeatureEvent => ({ ...event('identify', null, t0), body: { type: 'identify', traits: { created_at: new Date(createdAt).toISOString() } } });
    const states = updateAll(definitions, [
      order(150, 'de-DE', ['shoes']), order(50, 'de-AT', ['shoes', 'bags']), order(500, 'fr-FR', ['bags']), order(100, 'de-CH', []),
      identify(t0 - hour), identify(t0 - 2 * day),
    ]);
    expect(set.read(states, t0 + 400 * day)).toEqual({ big_orders: 2, shoe_revenue: 200, recent_signups: 1 });
  });

  it('update reports whether any feature took the event', () => {
    const set = compileFeatures([{ name: 'orders', aggregate: 'count', events: ['Order Completed'] }]);
    const states: FeatureStates = {};
    expect(set.update(states, track('Product Viewed', t0))).toEqual([]);
    expect(states).toEqual({});
    expect(set.update(states, track('Order Completed', t0))).toEqual(['orders']);
  });
});

describe('property values', () => {
  const definitions: FeatureDefinition[] = [
    { name: 'total', aggregate: 'sum', property: 'properties.amount' },
    { name: 'low', aggregate: 'min', property: 'properties.amount' },
    { name: 'high', aggregate: 'max', property: 'properties.amount', window: '24h' },
    { name: 'latest', aggregate: 'last', property: 'properties.amount' },
    { name: 'nested', aggregate: 'sum', property: 'properties.order.total' },
  ];

  it('sums numeric strings that parse exactly and skips what is not a number (never as 0)', () => {
    const set = compileFeatures(definitions);
    const amounts: unknown[] = ['12.5', ' 3 ', 4, '1e1', '-2', 'abc', '', '  ', '12,50', '0x10', true, null, { n: 1 }, [1], 'Infinity', Number.NaN, undefined];
    const states = updateAll(definitions, amounts.map((amount, i) => track('E', t0 + i, amount === undefined ? {} : { amount })));
    expect(set.readOne(states, 'total', t0 + hour)).toBe(24.5);
    expect(set.readOne(states, 'low', t0 + hour)).toBe(-2);
    expect(set.readOne(states, 'high', t0 + hour)).toBe(12.5);
  });

  it('reports each unreadable value with its path and reason; missing values are not reported', () => {
    const set = compileFeatures([{ name: 'total', aggregate: 'sum', property: 'properties.amount' }, { name: 'low', aggregate: 'min', property: 'properties.amount' }]);
    const states: FeatureStates = {};
    const sink: UnreadableSink = [];
    for (const amount of ['12.50', 'abc', null, { n: 1 }]) set.update(states, track('E', t0, { amount }), sink);
    set.update(states, track('E', t0, {}), sink);
    expect(sink).toEqual([
      { path: 'properties.amount', reason: 'malformed_string' }, { path: 'properties.amount', reason: 'malformed_string' },
      { path: 'properties.amount', reason: 'wrong_type' }, { path: 'properties.amount', reason: 'wrong_type' },
    ]);
    // The unreadable values did not count as 0: the minimum is the one readable value.
    expect(set.readOne(states, 'low', t0)).toBe(12.5);
    expect(set.readOne(states, 'total', t0)).toBe(12.5);
  });

  it('reads a decayed weight the same way, and reports an unreadable one', () => {
    const set = compileFeatures([{ name: 'affinity', aggregate: 'decayed', property: 'properties.category', weight: 'properties.qty', halfLife: '14d' }]);
    const states: FeatureStates = {};
    const sink: UnreadableSink = [];
    set.update(states, track('E', t0, { category: 'shoes', qty: '2' }), sink);
    set.update(states, track('E', t0, { category: 'shoes', qty: 'two' }), sink);
    expect(set.readOne(states, 'affinity', t0)).toEqual({ shoes: 2 });
    expect(sink).toEqual([{ path: 'properties.qty', reason: 'malformed_string' }]);
  });

  it('first and last keep strings, numbers and booleans as they are, and skip objects, lists and missing values', () => {
    const set = compileFeatures(definitions);
    const states: FeatureStates = {};
    const readLatest = (amount: unknown, at: number) => {
      set.update(states, track('E', at, { amount }));
      return set.readOne(states, 'latest', at);
    };
    expect(readLatest('7', t0)).toBe('7');
    expect(readLatest(false, t0 + 1)).toBe(false);
    expect(readLatest({ a: 1 }, t0 + 2)).toBe(false);
    expect(readLatest([1], t0 + 3)).toBe(false);
    expect(readLatest(null, t0 + 4)).toBe(false);
    expect(readLatest(8, t0 + 5)).toBe(8);
  });

  it('reads nested paths, own properties only', () => {
    const set = compileFeatures(definitions);
    const states = updateAll(definitions, [
      track('E', t0, { order: { total: 5 } }),
      track('E', t0, { order: [5] }),
      track('E', t0, { order: Object.create({ total: 5 }) as object }),
      track('E', t0, { order: 'total' }),
    ]);
    expect(set.readOne(states, 'nested', t0)).toBe(5);
  });

  it('readOne of an unknown feature is null; merge keeps only defined features', () => {
    const set = compileFeatures(definitions);
    expect(set.readOne({}, 'nope', t0)).toBeNull();
    expect(set.readOne({}, '__proto__', t0)).toBeNull();
    expect(set.names).toEqual(['total', 'low', 'high', 'latest', 'nested']);
    const merged = set.merge({ total: { v: 1 }, gone: { v: 5 } }, { total: { v: 2 }, other: { v: 3 } });
    expect(merged).toEqual({ total: { v: 3 } });
  });
});

describe('definition errors name the feature and the field', () => {
  const cases: [string, FeatureDefinition[], string, string][] = [
    ['count with a property', [{ name: 'f', aggregate: 'count', property: 'properties.x' }], 'f', 'property'],
    ['sum without a property', [{ name: 'f', aggregate: 'sum' }], 'f', 'property'],
    ['first without a property', [{ name: 'f', aggregate: 'first' }], 'f', 'property'],
    ['distinct_count without a property', [{ name: 'f', aggregate: 'distinct_count' }], 'f', 'property'],
    ['decayed without a halfLife', [{ name: 'f', aggregate: 'decayed', property: 'properties.x' }], 'f', 'halfLife'],
    ['decayed with a window', [{ name: 'f', aggregate: 'decayed', property: 'properties.x', halfLife: '7d', window: '30d' }], 'f', 'window'],
    ['decayed with a malformed halfLife', [{ name: 'f', aggregate: 'decayed', property: 'properties.x', halfLife: '0d' }], 'f', 'halfLife'],
    ['halfLife on count', [{ name: 'f', aggregate: 'count', halfLife: '7d' }], 'f', 'halfLife'],
    ['halfLife on sum', [{ name: 'f', aggregate: 'sum', property: 'properties.x', halfLife: '7d' }], 'f', 'halfLife'],
    ['weight on sum', [{ name: 'f', aggregate: 'sum', property: 'properties.x', weight: 'properties.w' }], 'f', 'weight'],
    ['weight on count', [{ name: 'f', aggregate: 'count', weight: 'properties.w' }], 'f', 'weight'],
    ['a malformed window', [{ name: 'f', aggregate: 'count', window: '7 days' }], 'f', 'window'],
    ['a zero window', [{ name: 'f', aggregate: 'count', window: '0h' }], 'f', 'window'],
    ['a year window', [{ name: 'f', aggregate: 'count', window: '1y' }], 'f', 'window'],
    ['two features of one name', [{ name: 'f', aggregate: 'count' }, { name: 'g', aggregate: 'count' }, { name: 'f', aggregate: 'count', window: '7d' }], 'f', 'name'],
    ['an unknown aggregate', [{ name: 'f', aggregate: 'median' as 'count' }], 'f', 'aggregate'],
    ['a name that is not a rules identifier', [{ name: 'Orders 90d', aggregate: 'count' }], 'Orders 90d', 'name'],
    ['__proto__ as a name', [{ name: '__proto__', aggregate: 'count' }], '__proto__', 'name'],
    ['maxKeys of 0', [{ name: 'f', aggregate: 'distinct_count', property: 'properties.x', maxKeys: 0 }], 'f', 'maxKeys'],
    ['a fractional maxKeys', [{ name: 'f', aggregate: 'decayed', property: 'properties.x', halfLife: '1d', maxKeys: 2.5 }], 'f', 'maxKeys'],
    ['maxKeys on sum', [{ name: 'f', aggregate: 'sum', property: 'properties.x', maxKeys: 10 }], 'f', 'maxKeys'],
  ];

  it.each(cases)('%s', (_name, definitions, feature, field) => {
    const error = definitionError(definitions);
    expect(error.feature).toBe(feature);
    expect(error.field).toBe(field);
    expect(error.message).toContain(`feature "${feature}": ${field}: `);
    expect(error.name).toBe('FeatureDefinitionError');
  });

  it.each([
    ['a syntax error', 'event.properties.category =='],
    ['a value that is not a condition', 'event.properties.revenue + 1'],
    ['another root than event', 'features.orders > 1'],
    ['an unknown function', 'matches(event.name, "x")'],
  ])('a where rule with %s, carrying the rule error', (_name, where) => {
    const error = definitionError([{ name: 'f', aggregate: 'count', where }]);
    expect([error.feature, error.field]).toEqual(['f', 'where']);
    expect(error.rule).toBeInstanceOf(RuleError);
  });

  it('accepts every valid combination', () => {
    expect(() => compileFeatures([
      { name: 'a', aggregate: 'count', window: 'lifetime' },
      { name: 'b', aggregate: 'count', window: '99999m', events: ['x'], types: ['page'], where: 'true' },
      { name: 'c', aggregate: 'distinct_count', property: 'properties.x', maxKeys: 1000, window: '2w' },
      { name: 'd', aggregate: 'decayed', property: 'properties.x', halfLife: '30m', weight: 'properties.w', maxKeys: 1 },
    ])).not.toThrow();
  });
});

// ---- Properties over random event streams ----

/** Every aggregate that merges exactly (decayed: to 1e-9 relative), windowed and lifetime. */
const propertyDefinitions: FeatureDefinition[] = [
  ...['lifetime', '1h', '24h', '7d'].flatMap((window): FeatureDefinition[] => {
    const suffix = window === 'lifetime' ? 'all' : window;
    return [
      { name: `count_${suffix}`, aggregate: 'count', events: ['E'], window },
      { name: `sum_${suffix}`, aggregate: 'sum', events: ['E'], property: 'properties.value', window },
      { name: `min_${suffix}`, aggregate: 'min', events: ['E'], property: 'properties.value', window },
      { name: `max_${suffix}`, aggregate: 'max', events: ['E'], property: 'properties.value', window },
      { name: `first_${suffix}`, aggregate: 'first', events: ['E'], property: 'properties.label', window },
      { name: `last_${suffix}`, aggregate: 'last', events: ['E'], property: 'properties.label', window },
      { name: `distinct_${suffix}`, aggregate: 'distinct_count', events: ['E'], property: 'properties.label', window },
    ];
  }),
  { name: 'affinity', aggregate: 'decayed', events: ['E'], property: 'properties.label', weight: 'properties.weight', halfLife: '1d' },
  { name: 'affinity_slow', aggregate: 'decayed', events: ['E'], property: 'properties.label', halfLife: '30d' },
];
const propertySet = compileFeatures(propertyDefinitions);
const readAll = (states: FeatureStates, now: number) => propertySet.read(states, now);

/** Events at distinct times (so first and last are unambiguous) over 20 days; labels fewer than any cap. */
const streamArbitrary = fc
  .uniqueArray(fc.integer({ min: 0, max: 20 * day }), { maxLength: 60 })
  .chain((times) => fc.tuple(...times.map((t) => fc.record({
    value: fc.integer({ min: -1000, max: 1000 }),
    label: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', '__proto__'),
    weight: fc.integer({ min: 1, max: 5 }),
  }).map(({ value, label, weight }) => track('E', t0 + t, { value, label, weight })))))
  .map((events): FeatureEvent[] => events);

function maxTime(events: readonly FeatureEvent[]): number {
  return events.reduce((m, e) => Math.max(m, e.timestamp), t0);
}

/** A fixed pseudo-random order that does not depend on the input order. */
function hash(n: number): number {
  return Math.imul(n ^ 0x5bd1e995, 0x27d4eb2d) >>> 0;
}

function expectSameValues(actual: Record<string, RuleValue>, expected: Record<string, RuleValue>): void {
  for (const name of Object.keys(expected)) {
    if (name.startsWith('affinity')) {
      const a = actual[name] as Record<string, number>;
      const e = expected[name] as Record<string, number>;
      expect(Object.keys(a).sort()).toEqual(Object.keys(e).sort());
      for (const key of Object.keys(e)) {
        if (!closeTo(Object.getOwnPropertyDescriptor(a, key)?.value as number, Object.getOwnPropertyDescriptor(e, key)?.value as number)) {
          expect.fail(`${name}.${key}: ${String(Object.getOwnPropertyDescriptor(a, key)?.value)} != ${String(Object.getOwnPropertyDescriptor(e, key)?.value)}`);
        }
      }
    } else {
      expect([name, actual[name]]).toEqual([name, expected[name]]);
    }
  }
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
}

function bucketsOf(state: FeatureState): number {
  if ('b' in state) return state.b.length / 2;
  if ('e' in state) return state.e.length;
  return 0;
}

describe('merging the states of two profiles', () => {
  it('equals the state of one profile that saw both streams, read at any later time', () => {
    fc.assert(fc.property(
      streamArbitrary,
      fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
      fc.integer({ min: 0, max: 10 * day }),
      (stream, sides, delta) => {
        const ordered = [...stream].sort((x, y) => x.timestamp - y.timestamp);
        const a = ordered.filter((_, i) => sides[i] === true);
        const b = ordered.filter((_, i) => sides[i] !== true);
        const now = maxTime(stream) + delta;
        const expected = readAll(updateAll(propertyDefinitions, ordered), now);
        expectSameValues(readAll(propertySet.merge(updateAll(propertyDefinitions, a), updateAll(propertyDefinitions, b)), now), expected);
        expectSameValues(readAll(propertySet.merge(updateAll(propertyDefinitions, b), updateAll(propertyDefinitions, a)), now), expected);
      },
    ), settings);
  });

  it('does not change the states it merges', () => {
    const a = updateAll(propertyDefinitions, [track('E', t0, { value: 1, label: 'a', weight: 1 })]);
    const b = updateAll(propertyDefinitions, [track('E', t0 + hour, { value: 2, label: 'b', weight: 1 }), track('E', t0 + 9 * day, { value: 3, label: 'c', weight: 1 })]);
    const [aBefore, bBefore] = [JSON.stringify(a), JSON.stringify(b)];
    propertySet.merge(a, b);
    propertySet.merge(b, a);
    expect([JSON.stringify(a), JSON.stringify(b)]).toEqual([aBefore, bBefore]);
    // Nor do later updates of the merged states, also of features only one side had.
    for (const merged of [propertySet.merge(a, {}), propertySet.merge({}, b), propertySet.merge(a, b)]) {
      propertySet.update(merged, track('E', t0 + 2 * hour, { value: 9, label: 'z', weight: 1 }));
    }
    expect([JSON.stringify(a), JSON.stringify(b)]).toEqual([aBefore, bBefore]);
  });
});

describe('state size and persistence', () => {
  it('keeps at most 25 buckets per windowed feature, for any stream in any order', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 400 * day }), fc.integer({ min: -50, max: 50 })), { maxLength: 300 }),
      (events) => {
        const states = updateAll(propertyDefinitions, events.map(([t, value]) => track('E', t0 + t, { value, label: String(value % 5), weight: 1 })));
        for (const state of Object.values(states)) expect(bucketsOf(state)).toBeLessThanOrEqual(25);
      },
    ), { ...settings, numRuns: 100 });
  });

  it('states survive a JSON round trip and keep working', () => {
    fc.assert(fc.property(
      streamArbitrary,
      fc.nat(),
      fc.integer({ min: 0, max: 10 * day }),
      fc.boolean(),
      (stream, cut, delta, inOrder) => {
        const events = inOrder ? [...stream].sort((x, y) => x.timestamp - y.timestamp) : stream;
        const split = stream.length === 0 ? 0 : cut % (stream.length + 1);
        const direct = updateAll(propertyDefinitions, events);
        const stored = JSON.parse(JSON.stringify(updateAll(propertyDefinitions, events.slice(0, split)))) as FeatureStates;
        const resumed = updateAll(propertyDefinitions, events.slice(split), stored);
        const now = maxTime(stream) + delta;
        expect(readAll(resumed, now)).toEqual(readAll(direct, now));
        expect(JSON.parse(JSON.stringify(readAll(direct, now)))).toEqual(readAll(direct, now));
      },
    ), settings);
  });
});
