import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toPlainCooccurrence } from '../cooccurrence/CooccurrenceState.js';
import { emptyItemHistory, itemsSince, recordItemEvent, type ItemEvent } from '../history/itemHistory.js';
import { OnlineItemModels, type ModelCounter } from './OnlineItemModels.js';

const day = 86_400_000;
type Step = { readonly session: number; readonly event: ItemEvent };

const stepArb: fc.Arbitrary<Step> = fc.record({
  session: fc.integer({ min: 0, max: 5 }),
  event: fc.record({
    kind: fc.constantFrom('view' as const, 'cart' as const, 'purchase' as const),
    items: fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { minLength: 1, maxLength: 4 }),
    timestamp: fc.integer({ min: 0, max: 30 * day }),
  }),
});

/** Feeds events as applyEventKnowledge would: each session's history gives the items before. */
function run(steps: readonly Step[], persistEvery = 0): { models: OnlineItemModels; stored: Map<string, ModelCounter> } {
  const models = new OnlineItemModels();
  const stored = new Map<string, ModelCounter>();
  const histories = new Map<number, ReturnType<typeof emptyItemHistory>>();
  steps.forEach(({ session, event }, i) => {
    const history = histories.get(session) ?? emptyItemHistory();
    histories.set(session, history);
    models.apply(event, event.kind === 'purchase' ? [] : itemsSince(history, -Infinity));
    recordItemEvent(history, event);
    if (persistEvery > 0 && i % persistEvery === 0) for (const row of models.take()) stored.set(row.key, row);
  });
  for (const row of models.take()) stored.set(row.key, row);
  return { models, stored };
}

function plain(models: OnlineItemModels) {
  const byId = (state: typeof models.viewed) => {
    const p = toPlainCooccurrence(state);
    return {
      baskets: p.baskets,
      items: Object.fromEntries(p.items.map(([i, n]) => [models.ids.id(i), n])),
      pairs: Object.fromEntries(p.pairs.map(([a, b, n]) => [[models.ids.id(a), models.ids.id(b)].sort().join('+'), n])),
    };
  };
  const trending = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => {
    const i = models.ids.find(id);
    return [id, i === undefined ? [0, 0] : [models.trending('viewed', i, 40 * day), models.trending('bought', i, 40 * day)]];
  }));
  return { viewed: byId(models.viewed), bought: byId(models.bought), trending };
}

describe('OnlineItemModels', () => {
  it('reads back from its written counters as the same state, whenever the counters were taken', () => {
    fc.assert(fc.property(fc.array(stepArb, { maxLength: 60 }), fc.integer({ min: 0, max: 7 }), (steps, every) => {
      const { models, stored } = run(steps, every);
      const again = OnlineItemModels.fromCounters([...stored.values()]);
      const a = plain(models);
      const b = plain(again);
      expect(b.viewed).toEqual(a.viewed);
      expect(b.bought).toEqual(a.bought);
      for (const id of Object.keys(a.trending)) {
        expect(b.trending[id]![0]).toBeCloseTo(a.trending[id]![0]!, 9);
        expect(b.trending[id]![1]).toBeCloseTo(a.trending[id]![1]!, 9);
      }
    }), { seed: 7, numRuns: 200 });
  });

  it('counts sessions and orders as baskets: viewed together within a session, bought together within an order', () => {
    const models = new OnlineItemModels();
    models.apply({ kind: 'view', items: ['a'], timestamp: 0 }, []);
    models.apply({ kind: 'view', items: ['b'], timestamp: 1 }, ['a']);
    // A second view of a in the same session changes nothing.
    models.apply({ kind: 'view', items: ['a'], timestamp: 2 }, ['a', 'b']);
    models.apply({ kind: 'purchase', items: ['a', 'c', 'a'], timestamp: 3 }, []);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => models.ids.find(id)!);
    expect(models.viewed.baskets).toBe(1);
    expect(models.popularity('viewed', a!)).toBe(1);
    expect(models.viewed.pairs.get(a!)?.get(b!)).toBe(1);
    expect(models.bought.pairs.get(a!)?.get(c!)).toBe(1);
    expect(models.popularity('bought', a!)).toBe(1);
  });

  it('trending halves per half-life, whatever the order of arrival', () => {
    const h = 7 * day;
    const forward = new OnlineItemModels();
    const backward = new OnlineItemModels();
    const times = [0, h, 3 * h];
    for (const t of times) forward.apply({ kind: 'view', items: ['x'], timestamp: t }, []);
    for (const t of [...times].reverse()) backward.apply({ kind: 'view', items: ['x'], timestamp: t }, []);
    const expected = 2 ** -3 + 2 ** -2 + 1;
    expect(forward.trending('viewed', 0, 3 * h)).toBeCloseTo(expected, 12);
    expect(backward.trending('viewed', 0, 3 * h)).toBeCloseTo(expected, 12);
    expect(forward.trending('viewed', 0, 4 * h)).toBeCloseTo(expected / 2, 12);
  });
});
