import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RuleValue } from '../rules/values.js';
import {
  decayedScore, distinctCount, lifetimeEdge, lifetimeNumeric, windowedEdge, windowedNumeric,
  type Aggregator, type FeatureState,
} from './aggregators.js';
import { parseDuration } from './duration.js';

/**
 * The aggregators on their own, with an injected clock: every read takes its `now`.
 * The same behaviours through declared features are in compileFeatures.test.ts.
 */
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const t0 = Date.parse('2024-03-01T09:15:00Z');
const settings = { seed: 20240301, numRuns: 200 } as const;

/** Applies `[value, time]` pairs in the given order. */
function feed(aggregator: Aggregator, events: readonly (readonly [RuleValue, number])[], state?: FeatureState, weight = 1): FeatureState | undefined {
  let current = state;
  for (const [value, t] of events) current = aggregator.add(current, value, weight, t);
  return current;
}

function bucketCount(state: FeatureState | undefined): number {
  if (state === undefined) return 0;
  if ('b' in state) return state.b.length / 2;
  if ('e' in state) return state.e.length;
  return 0;
}

describe('parseDuration', () => {
  it.each([
    ['30m', 30 * minute], ['1h', hour], ['24h', day], ['7d', 7 * day], ['30d', 30 * day], ['90d', 90 * day], ['2w', 14 * day], ['99999m', 99_999 * minute],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '0d', '00h', '7', 'd', '7 d', '7D', '1y', '1.5h', '-1h', '100000d', ' 7d', '7d ', 'lifetime'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('lifetime count, sum, min, max', () => {
  it('reads the empty value before any event (0 for count and sum, null for min and max)', () => {
    expect(lifetimeNumeric('count').read(undefined, t0)).toBe(0);
    expect(lifetimeNumeric('sum').read(undefined, t0)).toBe(0);
    expect(lifetimeNumeric('min').read(undefined, t0)).toBeNull();
    expect(lifetimeNumeric('max').read(undefined, t0)).toBeNull();
  });

  it('combines every value ever added, whatever the time of reading', () => {
    const values: [number, number][] = [[3, t0], [-2, t0 + day], [10, t0 + 400 * day], [1, t0 - 50 * day]];
    expect(lifetimeNumeric('count').read(feed(lifetimeNumeric('count'), values.map(([, t]) => [1, t])), t0 + 10_000 * day)).toBe(4);
    expect(lifetimeNumeric('sum').read(feed(lifetimeNumeric('sum'), values), t0 + 10_000 * day)).toBe(12);
    expect(lifetimeNumeric('min').read(feed(lifetimeNumeric('min'), values), t0 + 10_000 * day)).toBe(-2);
    expect(lifetimeNumeric('max').read(feed(lifetimeNumeric('max'), values), t0 + 10_000 * day)).toBe(10);
  });

  it('merges two states', () => {
    for (const [kind, expected] of [['count', 5], ['sum', 5], ['min', 2], ['max', 3]] as const) {
      const aggregator = lifetimeNumeric(kind);
      expect(aggregator.read(aggregator.merge({ v: 2 }, { v: 3 }), t0)).toBe(expected);
    }
  });
});

describe('windowed count, sum, min, max', () => {
  it('a 7-day count still has the event at 6 days 23 hours and drops it when the eighth day passes', () => {
    const count = windowedNumeric('count', 7 * day);
    const state = feed(count, [[1, t0]]);
    expect(count.read(state, t0)).toBe(1);
    expect(count.read(state, t0 + 6 * day + 23 * hour)).toBe(1);
    expect(count.read(state, t0 + 8 * day)).toBe(0);
  });

  it('drops an event between one window and one window plus a bucket (1/24 of the window) after it, wherever it falls in its bucket', () => {
    fc.assert(fc.property(
      fc.constantFrom(hour, day, 7 * day, 30 * day, 90 * day),
      fc.integer({ min: 0, max: 4_000_000_000_000 }),
      (windowMs, t) => {
        const count = windowedNumeric('count', windowMs);
        const state = feed(count, [[1, t]]);
        expect(count.read(state, t)).toBe(1);
        expect(count.read(state, t + windowMs - 1)).toBe(1);
        expect(count.read(state, t + windowMs + windowMs / 24)).toBe(0);
      },
    ), settings);
  });

  it.each([
    ['1h', hour], ['24h', day], ['7d', 7 * day], ['30d', 30 * day], ['90d', 90 * day],
  ])('a %s window keeps recent events and expires old ones as the clock moves', (_name, windowMs) => {
    const count = windowedNumeric('count', windowMs);
    const sum = windowedNumeric('sum', windowMs);
    const events: [number, number][] = [[5, t0], [7, t0 + windowMs / 2], [11, t0 + windowMs * 1.5]];
    const counted = feed(count, events.map(([, t]) => [1, t]));
    const summed = feed(sum, events);
    // Just after the last event: the first event is more than a window plus a bucket old.
    const now = t0 + windowMs * 1.5 + 1;
    expect(count.read(counted, now)).toBe(2);
    expect(sum.read(summed, now)).toBe(18);
    // Two windows (plus a bucket) after the last event: nothing left.
    expect(count.read(counted, now + windowMs + windowMs / 24)).toBe(0);
    expect(sum.read(summed, now + windowMs + windowMs / 24)).toBe(0);
  });

  it('windowed min and max fall back to the remaining values, then to null, as buckets expire', () => {
    const min = windowedNumeric('min', day);
    const max = windowedNumeric('max', day);
    const events: [number, number][] = [[1, t0], [100, t0 + 2 * hour], [50, t0 + 12 * hour], [20, t0 + 20 * hour]];
    const low = feed(min, events);
    const high = feed(max, events);
    expect(min.read(low, t0 + 20 * hour)).toBe(1);
    expect(max.read(high, t0 + 20 * hour)).toBe(100);
    // 1 (t0) is gone after 25 hours, 100 (t0 + 2h) after 27 hours.
    expect(min.read(low, t0 + 25 * hour + 1)).toBe(20);
    expect(max.read(high, t0 + 25 * hour + 1)).toBe(100);
    expect(max.read(high, t0 + 27 * hour + 1)).toBe(50);
    expect(min.read(low, t0 + 50 * hour)).toBeNull();
    expect(max.read(high, t0 + 50 * hour)).toBeNull();
  });

  it('reads the empty value for an empty state or one of another shape', () => {
    expect(windowedNumeric('count', day).read(undefined, t0)).toBe(0);
    expect(windowedNumeric('sum', day).read({ v: 3 }, t0)).toBe(0);
    expect(windowedNumeric('max', day).read(undefined, t0)).toBeNull();
  });

  it('ignores a late event older than the window (relative to the newest event) and counts one inside it', () => {
    const count = windowedNumeric('count', 7 * day);
    let state = feed(count, [[1, t0 + 20 * day]]);
    state = count.add(state, 1, 1, t0);               // 20 days late: outside the window
    expect(count.read(state, t0 + 20 * day)).toBe(1);
    expect(bucketCount(state)).toBe(1);
    state = count.add(state, 1, 1, t0 + 15 * day);    // 5 days late: inside
    expect(count.read(state, t0 + 20 * day)).toBe(2);
    expect(count.read(state, t0 + 22 * day + 8 * hour)).toBe(1);
  });

  it('keeps at most 25 buckets, whatever the order of events', () => {
    fc.assert(fc.property(
      fc.constantFrom('count', 'sum', 'min', 'max'),
      fc.constantFrom(hour, 7 * day, 90 * day),
      fc.array(fc.tuple(fc.integer({ min: -100, max: 100 }), fc.integer({ min: 0, max: 400 * day })), { maxLength: 300 }),
      (kind, windowMs, events) => {
        const aggregator = windowedNumeric(kind, windowMs);
        const state = feed(aggregator, events.map(([v, t]) => [v, t0 + t]));
        expect(bucketCount(state)).toBeLessThanOrEqual(25);
      },
    ), settings);
  });

  it('merges buckets as if one state had seen both streams', () => {
    const sum = windowedNumeric('sum', day);
    const a = feed(sum, [[1, t0], [2, t0 + 3 * hour]])!;
    const b = feed(sum, [[10, t0 + hour], [20, t0 + 20 * hour]])!;
    const merged = sum.merge(a, b);
    expect(sum.read(merged, t0 + 20 * hour)).toBe(33);
    expect(sum.read(merged, t0 + 25 * hour)).toBe(32);   // t0 (09:15, bucket 09:00-10:00) has left the window
    expect(sum.read(a, t0 + 20 * hour)).toBe(3);         // the inputs are not changed
    expect(sum.read(b, t0 + 20 * hour)).toBe(30);
    // Buckets that the merged newest event puts out of reach are dropped.
    const later = sum.merge(a, feed(sum, [[20, t0 + 30 * hour]])!);
    expect(sum.read(later, t0 + 30 * hour)).toBe(20);
    expect(bucketCount(later)).toBe(1);
  });
});

describe('lifetime first and last', () => {
  it('keeps the value of the earliest or latest event by event time, late events included', () => {
    const first = lifetimeEdge('first');
    const last = lifetimeEdge('last');
    const events: [string, number][] = [['b', t0 + day], ['c', t0 + 2 * day], ['a', t0], ['late', t0 + hour]];
    expect(first.read(feed(first, events), t0 + 900 * day)).toBe('a');
    expect(last.read(feed(last, events), t0 + 900 * day)).toBe('c');
    expect(first.read(undefined, t0)).toBeNull();
  });

  it('merges by time', () => {
    const first = lifetimeEdge('first');
    const last = lifetimeEdge('last');
    expect(first.read(first.merge({ s: 'x', t: 5 }, { s: 'y', t: 3 }), t0)).toBe('y');
    expect(last.read(last.merge({ s: 'x', t: 5 }, { s: 'y', t: 3 }), t0)).toBe('x');
  });
});

describe('windowed first and last', () => {
  it('expire as their buckets leave the window', () => {
    const first = windowedEdge('first', 7 * day);
    const last = windowedEdge('last', 7 * day);
    const events: [string, number][] = [['monday', t0], ['wednesday', t0 + 2 * day], ['friday', t0 + 4 * day]];
    const f = feed(first, events);
    const l = feed(last, events);
    expect(first.read(f, t0 + 4 * day)).toBe('monday');
    expect(last.read(l, t0 + 4 * day)).toBe('friday');
    expect(first.read(f, t0 + 8 * day)).toBe('wednesday');
    expect(first.read(f, t0 + 10 * day)).toBe('friday');
    expect(last.read(l, t0 + 10 * day)).toBe('friday');
    expect(first.read(f, t0 + 12 * day)).toBeNull();
    expect(last.read(l, t0 + 12 * day)).toBeNull();
  });

  it('take the earliest or latest event inside one bucket, whatever their arrival order', () => {
    const first = windowedEdge('first', day);
    const last = windowedEdge('last', day);
    const events: [string, number][] = [['middle', t0 + 20 * minute], ['early', t0 + minute], ['late', t0 + 40 * minute]];
    expect(first.read(feed(first, events), t0 + hour)).toBe('early');
    expect(last.read(feed(last, events), t0 + hour)).toBe('late');
  });

  it('ignore a late event older than the window and keep at most 25 buckets', () => {
    const last = windowedEdge('last', day);
    let state = feed(last, [['now', t0 + 10 * day]]);
    state = last.add(state, 'old', 1, t0);
    expect(bucketCount(state)).toBe(1);
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 30 * day }), { maxLength: 200 }),
      (times) => {
        const s = feed(last, times.map((t) => [t, t0 + t]));
        expect(bucketCount(s)).toBeLessThanOrEqual(25);
      },
    ), settings);
  });
});

describe('distinct_count', () => {
  it('counts distinct values as strings, lifetime', () => {
    const distinct = distinctCount(null, 50);
    const state = feed(distinct, [['a', t0], ['b', t0 + 1], ['a', t0 + 2], [1, t0 + 3], ['1', t0 + 4], [true, t0 + 5]]);
    expect(distinct.read(state, t0 + 1000 * day)).toBe(4);
    expect(distinct.read(undefined, t0)).toBe(0);
  });

  it('over a window counts the values seen inside it, by when each was last seen', () => {
    const distinct = distinctCount(7 * day, 50);
    const state = feed(distinct, [['a', t0], ['b', t0 + 2 * day], ['a', t0 + 5 * day]]);
    expect(distinct.read(state, t0 + 6 * day)).toBe(2);
    expect(distinct.read(state, t0 + 9 * day)).toBe(1);   // b last seen 7 days ago
    expect(distinct.read(state, t0 + 12 * day)).toBe(0);
  });

  it('keeps at most maxKeys keys, dropping the least recently seen', () => {
    const distinct = distinctCount(null, 3);
    const state = feed(distinct, [['a', t0], ['b', t0 + 1], ['c', t0 + 2], ['a', t0 + 3], ['d', t0 + 4]]);
    expect(distinct.read(state, t0)).toBe(3);
    expect(state !== undefined && 'd' in state ? state.d.map((k) => k[0]).sort() : []).toEqual(['a', 'c', 'd']);
  });

  it('merges keys with their latest time', () => {
    const distinct = distinctCount(7 * day, 50);
    const a = feed(distinct, [['x', t0], ['y', t0]])!;
    const b = feed(distinct, [['y', t0 + 6 * day], ['z', t0 + 6 * day]])!;
    const merged = distinct.merge(a, b);
    expect(distinct.read(merged, t0 + 6 * day)).toBe(3);
    expect(distinct.read(merged, t0 + 8 * day)).toBe(2);
    expect(distinct.read(a, t0 + 6 * day)).toBe(2);
  });
});

describe('decayed score', () => {
  const relative = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.abs(expected));
  const scores = (aggregator: Aggregator, state: FeatureState | undefined, now: number) => aggregator.read(state, now) as Record<string, number>;

  it('halves at its half-life', () => {
    for (const halfLife of [hour, 14 * day, 30 * day]) {
      const decayed = decayedScore(halfLife, 50);
      const state = feed(decayed, [['shoes', t0]], undefined, 8);
      relative(scores(decayed, state, t0)['shoes']!, 8);
      relative(scores(decayed, state, t0 + halfLife)['shoes']!, 4);
      relative(scores(decayed, state, t0 + 2 * halfLife)['shoes']!, 2);
      relative(scores(decayed, state, t0 + halfLife / 2)['shoes']!, 8 / Math.SQRT2);
    }
  });

  it('adds the weights of events, each decayed from its own time', () => {
    const decayed = decayedScore(day, 50);
    let state = decayed.add(undefined, 'shoes', 1, t0);
    state = decayed.add(state, 'shoes', 3, t0 + day);
    state = decayed.add(state, 'bags', 2, t0 + day);
    const now = t0 + 3 * day;
    relative(scores(decayed, state, now)['shoes']!, 1 / 8 + 3 / 4);
    relative(scores(decayed, state, now)['bags']!, 2 / 4);
  });

  it('counts a late event as if it had arrived in order', () => {
    const decayed = decayedScore(day, 50);
    const inOrder = feed(decayed, [['shoes', t0], ['shoes', t0 + day], ['shoes', t0 + 2 * day]]);
    const late = feed(decayed, [['shoes', t0 + 2 * day], ['shoes', t0], ['shoes', t0 + day]]);
    relative(scores(decayed, late, t0 + 5 * day)['shoes']!, scores(decayed, inOrder, t0 + 5 * day)['shoes']!);
    relative(scores(decayed, late, t0 + 5 * day)['shoes']!, (1 + 2 + 4) / 32);
  });

  it('keeps the maxKeys keys with the highest score now', () => {
    const decayed = decayedScore(day, 2);
    let state = decayed.add(undefined, 'old_favourite', 6, t0);   // 6 / 8 = 0.75 three days later
    state = decayed.add(state, 'new', 1, t0 + 3 * day);
    state = decayed.add(state, 'newer', 2, t0 + 3 * day);
    expect(Object.keys(scores(decayed, state, t0 + 3 * day)).sort()).toEqual(['new', 'newer']);
    state = decayed.add(state, 'heavy', 5, t0 + 3 * day);
    expect(Object.keys(scores(decayed, state, t0 + 3 * day)).sort()).toEqual(['heavy', 'newer']);
  });

  it('reads keys such as __proto__ and constructor as own properties without touching any prototype', () => {
    const decayed = decayedScore(day, 50);
    const state = feed(decayed, [['__proto__', t0], ['constructor', t0], ['toString', t0], ['__proto__', t0]]);
    const read = scores(decayed, state, t0);
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect(Object.hasOwn(read, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(read, '__proto__')?.value).toBe(2);
    expect(Object.getOwnPropertyDescriptor(read, 'constructor')?.value).toBe(1);
    expect(Object.keys(read).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    const roundTrip = JSON.parse(JSON.stringify(read)) as Record<string, unknown>;
    expect(Object.hasOwn(roundTrip, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['constructor']).toBe(Object);
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('merges scores as if one state had seen both streams', () => {
    const decayed = decayedScore(day, 50);
    const a = feed(decayed, [['shoes', t0], ['bags', t0 + 2 * day]])!;
    const b = feed(decayed, [['shoes', t0 + day], ['hats', t0 - day]])!;
    const both = feed(decayed, [['hats', t0 - day], ['shoes', t0], ['shoes', t0 + day], ['bags', t0 + 2 * day]]);
    const merged = scores(decayed, decayed.merge(a, b), t0 + 4 * day);
    const expected = scores(decayed, both, t0 + 4 * day);
    expect(Object.keys(merged).sort()).toEqual(Object.keys(expected).sort());
    for (const key of Object.keys(expected)) relative(merged[key]!, expected[key]!);
    expect(Object.keys(scores(decayed, a, t0)).sort()).toEqual(['bags', 'shoes']);
  });
});
