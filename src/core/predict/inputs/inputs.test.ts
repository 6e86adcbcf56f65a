import { describe, expect, it } from 'vitest';
import { compileFeatures } from '../../features/compileFeatures.js';
import type { CollectedEvent } from '../../events/CollectedEvent.js';
import { PointInTimeInputs, type InputEvent } from './PointInTimeInputs.js';
import { inputMatrix, MAX_CATEGORIES, numericInputs, resolveInputColumns, withLogCompanions, type ProfileInputValues } from './ProfileInputs.js';

const dayMs = 86_400_000;
const t0 = Date.parse('2026-03-01T00:00:00Z');

function track(name: string, at: number, properties: Record<string, unknown> = {}): InputEvent {
  return { type: 'track', name, timestamp: at, body: { type: 'track', event: name, properties }, traits: null };
}
function identify(at: number, traits: CollectedEvent['traits']): InputEvent {
  return { type: 'identify', name: null, timestamp: at, body: { type: 'identify', traits }, traits };
}

describe('PointInTimeInputs', () => {
  const features = compileFeatures([
    { name: 'views', aggregate: 'count', events: ['Product Viewed'] },
    { name: 'views_7d', aggregate: 'count', events: ['Product Viewed'], window: '7d' },
    { name: 'last_category', aggregate: 'last', events: ['Product Viewed'], property: 'properties.category' },
  ]);
  const cutoff = t0 + 10 * dayMs;
  const chosen = { features: ['views', 'views_7d', 'last_category'], traits: ['plan', 'age'] };

  it('sees only the events up to the cut-off, read as they were then', () => {
    const pit = new PointInTimeInputs(features, cutoff, chosen);
    pit.apply('p1', track('Product Viewed', t0 + 1 * dayMs, { category: 'shoes' }));
    pit.apply('p1', track('Product Viewed', t0 + 9 * dayMs, { category: 'hats' }));
    pit.apply('p1', identify(t0 + 2 * dayMs, { plan: 'free', age: 30 }));
    // After the cut-off: a purchase window's own events must not leak into the inputs.
    pit.apply('p1', track('Product Viewed', cutoff + 1, { category: 'bags' }));
    pit.apply('p1', identify(cutoff + dayMs, { plan: 'pro' }));
    expect(pit.valuesOf('p1')).toEqual({ features: { views: 2, views_7d: 1, last_category: 'hats' }, traits: { plan: 'free', age: 30 } });
  });

  it('reads a windowed feature at the cut-off, not at the last event', () => {
    const pit = new PointInTimeInputs(features, cutoff, chosen);
    pit.apply('p2', track('Product Viewed', t0 + 1 * dayMs));
    expect(pit.valuesOf('p2')!.features['views_7d']).toBe(0);
    expect(pit.valuesOf('p2')!.features['views']).toBe(1);
  });

  it('knows nothing of a profile whose events all came after the cut-off', () => {
    const pit = new PointInTimeInputs(features, cutoff, chosen);
    pit.apply('late', track('Product Viewed', cutoff + dayMs));
    expect(pit.valuesOf('late')).toBeUndefined();
    expect(pit.size).toBe(0);
  });

  it('keeps an earlier trait when a later-written one arrived first (event time decides)', () => {
    const pit = new PointInTimeInputs(features, cutoff, chosen);
    pit.apply('p3', identify(t0 + 5 * dayMs, { plan: 'pro' }));
    pit.apply('p3', identify(t0 + 3 * dayMs, { plan: 'free' }));
    expect(pit.valuesOf('p3')!.traits).toEqual({ plan: 'pro' });
  });
});

describe('resolveInputColumns and inputMatrix', () => {
  const rows: ProfileInputValues[] = [
    { features: { visits: 3, active: true }, traits: { plan: 'pro', tags: ['a'] } },
    { features: { visits: 1, active: false }, traits: { plan: 'free' } },
    { features: { visits: null }, traits: { age: '41' } },
  ];

  it('makes numbers and booleans numeric, text categorical, and leaves out an input no profile has', () => {
    const notes: string[] = [];
    const columns = resolveInputColumns({ features: ['visits', 'active', 'nothing'], traits: ['plan', 'tags', 'age'] }, rows, notes);
    expect(columns).toEqual([
      { source: 'features', name: 'visits', kind: 'numeric' },
      { source: 'features', name: 'active', kind: 'numeric' },
      { source: 'traits', name: 'plan', kind: 'categorical' },
      { source: 'traits', name: 'age', kind: 'categorical' },
    ]);
    expect(notes).toEqual([
      'inputs: no profile has a number or text in features.nothing; it is left out',
      'inputs: no profile has a number or text in traits.tags; it is left out',
    ]);
    const { numeric, categorical } = inputMatrix(columns, [...rows, undefined]);
    expect(numeric.columns).toEqual(['features.visits', 'features.active']);
    expect(numeric.rows.map((r) => [...r])).toEqual([[3, 1], [1, 0], [Number.NaN, Number.NaN], [Number.NaN, Number.NaN]]);
    expect(categorical).toEqual({ 'traits.plan': ['pro', 'free', null, null], 'traits.age': [null, null, '41', null] });
  });

  it('leaves out an input that holds dates, with a note', () => {
    const notes: string[] = [];
    const rows: ProfileInputValues[] = [{ features: { last_order_at: '2026-03-01T10:00:00.000Z' }, traits: {} }, { features: { last_order_at: '2026-04-02' }, traits: {} }];
    expect(resolveInputColumns({ features: ['last_order_at'], traits: [] }, rows, notes)).toEqual([]);
    expect(notes[0]).toMatch(/features.last_order_at holds dates/);
  });

  it('keeps only the most frequent categories of a high-cardinality text input', () => {
    const many: ProfileInputValues[] = Array.from({ length: 100 }, (_v, i) => ({ features: {}, traits: { city: i < 30 ? 'Berlin' : `town-${i}` } }));
    const columns = resolveInputColumns({ features: [], traits: ['city'] }, many, []);
    const values = inputMatrix(columns, many).categorical['traits.city']!;
    expect(new Set(values.filter((v) => v !== null)).size).toBe(MAX_CATEGORIES);
    expect(values.filter((v) => v === 'Berlin')).toHaveLength(30);
  });

  it('gives counts and amounts a log(1 + x) companion, the same at training and at scoring', () => {
    const training: ProfileInputValues[] = [
      { features: { visits: 3, active: true, balance: -2 }, traits: {} },
      { features: { visits: 0, active: false, balance: 5 }, traits: {} },
      { features: { visits: null }, traits: {} },
    ];
    const columns = withLogCompanions(resolveInputColumns({ features: ['visits', 'active', 'balance'], traits: [] }, training, []), training);
    // Only the count: a 0/1 column's log is itself, and a column with a negative value is not a count.
    expect(columns.map((c) => c.log === true)).toEqual([true, false, false]);
    const { numeric } = inputMatrix(columns, training);
    expect(numeric.columns).toEqual(['features.visits', 'features.visits:log', 'features.active', 'features.balance']);
    expect(numeric.rows.map((r) => [...r])).toEqual([[3, Math.log1p(3), 1, -2], [0, 0, 0, 5], [Number.NaN, Number.NaN, Number.NaN, Number.NaN]]);
    // Scoring one profile reads the same columns; a negative value the training never saw is missing, not NaN arithmetic.
    expect(numericInputs(columns, { features: { visits: 7, active: true, balance: 1 }, traits: {} })).toEqual([7, Math.log1p(7), 1, 1]);
    expect(numericInputs(columns, { features: { visits: -1 }, traits: {} })).toEqual([-1, Number.NaN, Number.NaN, Number.NaN]);
  });
});
