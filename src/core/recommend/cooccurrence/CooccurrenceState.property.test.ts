import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBasket, addToBasket, createCooccurrence, fromPlainCooccurrence, openBasket, pruneCooccurrence,
  toPlainCooccurrence, type CooccurrenceState, type OpenBasket, type PlainCooccurrence,
} from './CooccurrenceState.js';
import { pairSimilarity, similarityMeasures } from './similarity.js';

/**
 * The incremental state must equal a recount from the event log after ANY sequence of
 * events: the engine rebuilds it by replay, and a live server and a rebuilt one must agree.
 * The recount below is written independently (sets and nested loops over finished baskets)
 * and so are the score formulas.
 */
const settings = { seed: 20250113, numRuns: 300 } as const;

/** An event: a view of `item` in session `session`, or a whole order (a basket at once). */
type Event = { readonly kind: 'view'; readonly session: number; readonly item: number } | { readonly kind: 'order'; readonly items: readonly number[] };

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('view' as const), session: fc.integer({ min: 0, max: 8 }), item: fc.integer({ min: 0, max: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('order' as const), items: fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 7 }) }) },
);
const runArb = fc.record({ events: fc.array(eventArb, { maxLength: 120 }), cap: fc.integer({ min: 1, max: 8 }) });

function replay(events: readonly Event[], cap: number): CooccurrenceState {
  const state = createCooccurrence({ maxBasketItems: cap });
  const open = new Map<number, OpenBasket>();
  for (const event of events) {
    if (event.kind === 'order') {
      addBasket(state, event.items);
      continue;
    }
    let basket = open.get(event.session);
    if (basket === undefined) {
      basket = openBasket();
      open.set(event.session, basket);
    }
    addToBasket(state, basket, event.item);
  }
  return state;
}

/** The baskets the events make, each as its counted distinct items (the first `cap`, in arrival order). */
function finishedBaskets(events: readonly Event[], cap: number): number[][] {
  const sessions = new Map<number, number[]>();
  const baskets: number[][] = [];
  for (const event of events) {
    if (event.kind === 'order') baskets.push([...new Set(event.items)].slice(0, cap));
    else sessions.set(event.session, [...(sessions.get(event.session) ?? []), event.item]);
  }
  for (const views of sessions.values()) baskets.push([...new Set(views)].slice(0, cap));
  return baskets.filter((basket) => basket.length > 0);
}

function recount(baskets: readonly number[][]): { baskets: number; items: Map<number, number>; pairs: Map<string, number> } {
  const items = new Map<number, number>();
  const pairs = new Map<string, number>();
  for (const basket of baskets) {
    for (const a of basket) items.set(a, (items.get(a) ?? 0) + 1);
    for (const a of basket) for (const b of basket) if (a < b) pairs.set(`${a},${b}`, (pairs.get(`${a},${b}`) ?? 0) + 1);
  }
  return { baskets: baskets.length, items, pairs };
}

function expectedScore(measure: string, both: number, ca: number, cb: number, n: number): number {
  if (both === 0) return 0;
  if (measure === 'cosine') return both / Math.sqrt(ca) / Math.sqrt(cb);
  if (measure === 'lift') return (both / n) / ((ca / n) * (cb / n));
  return both / (ca + cb - both);
}

/** Sessions' events moved around while each session keeps its own order (what another replay order can do). */
function interleaveDifferently(events: readonly Event[], order: readonly number[]): Event[] {
  const keyed = events.map((event, index) => ({ event, key: event.kind === 'view' ? event.session : 100 + index }));
  const rank = (key: number): number => order[key % order.length]! * 1000 + key;
  return [...keyed].sort((a, b) => rank(a.key) - rank(b.key)).map(({ event }) => event);
}

describe('CooccurrenceState', () => {
  it('equals a batch recount after any sequence of events, scores included', () => {
    fc.assert(fc.property(runArb, ({ events, cap }) => {
      const state = replay(events, cap);
      const batch = recount(finishedBaskets(events, cap));
      expect(state.baskets).toBe(batch.baskets);
      expect(new Map([...state.itemCounts].sort((a, b) => a[0] - b[0]))).toEqual(new Map([...batch.items].sort((a, b) => a[0] - b[0])));
      const plainPairs = toPlainCooccurrence(state).pairs.map(([a, b, count]) => [`${a},${b}`, count] as const);
      expect(new Map(plainPairs)).toEqual(batch.pairs);
      for (let a = 0; a <= 12; a += 1) {
        for (let b = 0; b <= 12; b += 1) {
          if (a === b) continue;
          const both = batch.pairs.get(`${Math.min(a, b)},${Math.max(a, b)}`) ?? 0;
          for (const measure of similarityMeasures) {
            const expected = expectedScore(measure, both, batch.items.get(a) ?? 0, batch.items.get(b) ?? 0, batch.baskets);
            expect(pairSimilarity(state, measure, a, b)).toBeCloseTo(expected, 12);
          }
        }
      }
    }), settings);
  });

  it('does not depend on the order in which baskets interleave', () => {
    fc.assert(fc.property(runArb, fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 20 }), ({ events, cap }, order) => {
      const a = toPlainCooccurrence(replay(events, cap));
      const b = toPlainCooccurrence(replay(interleaveDifferently(events, order), cap));
      expect(b).toEqual(a);
    }), settings);
  });

  it('survives a round trip through plain JSON data', () => {
    fc.assert(fc.property(runArb, ({ events, cap }) => {
      const plain = toPlainCooccurrence(replay(events, cap));
      const again = toPlainCooccurrence(fromPlainCooccurrence(JSON.parse(JSON.stringify(plain)) as PlainCooccurrence));
      expect(again).toEqual(plain);
    }), settings);
  });

  it('prunes exactly the pairs under the threshold, keeping item counts', () => {
    fc.assert(fc.property(runArb, fc.integer({ min: 1, max: 4 }), ({ events, cap }, threshold) => {
      const state = replay(events, cap);
      const before = toPlainCooccurrence(state);
      pruneCooccurrence(state, threshold);
      const after = toPlainCooccurrence(state);
      expect(after.items).toEqual(before.items);
      expect(after.pairs).toEqual(before.pairs.filter(([, , count]) => count >= threshold));
    }), settings);
  });
});
