import { describe, expect, it } from 'vitest';
import type { ExperimentDefinition } from '../experiments/ExperimentDefinition.js';
import { EXPOSURE_EVENT } from '../experiments/experimentUnits.js';
import { countUnreadable, dataQualityView, distinctUnreadable, mergeDataQuality } from './dataQuality.js';
import { compileKnowledgeModel } from './KnowledgeModel.js';
import { applyEventKnowledge, emptyKnowledge, mergeKnowledge, type KnowledgeEvent, type ProfileFacts } from './KnowledgeState.js';

/** Unreadable numeric values in a profile's knowledge: counted once per event and path, absent while zero. */
const day = 86_400_000;
const T0 = Date.parse('2026-03-20T12:00:00Z');
const hero: ExperimentDefinition = {
  id: 'hero', placement: 'home', primaryMetric: 'rpv',
  arms: [{ id: 'control', weight: 0.5, serve: { kind: 'generic' } }, { id: 'treatment', weight: 0.5, serve: { kind: 'personalized' } }],
};
const model = compileKnowledgeModel({
  features: [
    { name: 'spend', aggregate: 'sum', events: ['Order Completed'], property: 'properties.revenue' },
    { name: 'smallest', aggregate: 'min', events: ['Order Completed'], property: 'properties.revenue' },
  ],
  segments: [],
  experiments: { experiments: [hero], metrics: [{ id: 'rpv', kind: 'mean', event: 'Order Completed', property: 'revenue' }], measurement: { holdoutShare: 0 }, workspaceId: 'ws' },
});
const facts: ProfileFacts = { id: 'p1', traits: {}, firstSeen: T0 - day, lastSeen: T0 };
const track = (name: string, at: number, properties: Record<string, unknown>): KnowledgeEvent =>
  ({ type: 'track', name, timestamp: at, body: { type: 'track', event: name, properties, context: {} }, traitsChanged: false });
const order = (revenue: unknown, at: number) => track('Order Completed', at, { revenue });

describe('data quality in the knowledge', () => {
  it('counts a string revenue in the built-in revenue, a sum feature and a revenue metric; keeps q absent', () => {
    const state = emptyKnowledge();
    applyEventKnowledge(state, track(EXPOSURE_EVENT, T0, { experiment_id: 'hero', variation_id: 'treatment' }), facts, model);
    const update = applyEventKnowledge(state, order('12.50', T0 + 1), facts, model);
    expect(update.unreadable).toEqual([]);
    expect(model.features.read(state.f, T0 + 1)).toMatchObject({ revenue: 12.5, spend: 12.5, smallest: 12.5, order_count: 1 });
    expect(state.x?.['hero']?.v?.['rpv']).toBe(12.5);
    expect(update.experiments.some((c) => c.metricId === 'rpv' && c.after[0] === 12.5)).toBe(true);
    expect(JSON.stringify(state)).not.toContain('"q"');
  });

  it('counts an unreadable value once per event and path, however many features and metrics read it, and never as 0', () => {
    const state = emptyKnowledge();
    applyEventKnowledge(state, track(EXPOSURE_EVENT, T0, { experiment_id: 'hero', variation_id: 'treatment' }), facts, model);
    applyEventKnowledge(state, order(20, T0 + 1), facts, model);
    const bad = applyEventKnowledge(state, order('12,50', T0 + 2), facts, model);
    expect(bad.unreadable).toEqual([{ path: 'properties.revenue', reason: 'malformed_string' }]);
    applyEventKnowledge(state, order({ amount: 3 }, T0 + 3), facts, model);
    expect(state.q).toEqual([['properties.revenue', 2]]);
    // Not dragged to 0: the minimum and the sums are those of the one readable order.
    expect(model.features.read(state.f, T0 + 3)).toMatchObject({ revenue: 20, spend: 20, smallest: 20, order_count: 3 });
    expect(state.x?.['hero']?.v?.['rpv']).toBe(20);
  });

  it('adds the counts of two profiles that merge', () => {
    const a = emptyKnowledge();
    const b = emptyKnowledge();
    applyEventKnowledge(a, order('x', T0), facts, model);
    applyEventKnowledge(b, order('y', T0), facts, model);
    applyEventKnowledge(b, track('Decision Converted', T0, { decisionId: 'd', actionId: 'a', placement: 'p', value: 'ten' }), facts, model);
    const { state } = mergeKnowledge(a, b, facts, model, T0 + 1);
    expect(state.q).toEqual([['properties.revenue', 2], ['properties.value', 1]]);
    expect(mergeKnowledge(emptyKnowledge(), emptyKnowledge(), facts, model, T0).state).not.toHaveProperty('q');
  });
});

describe('dataQuality helpers', () => {
  it('keeps one value per path, in the order first seen', () => {
    expect(distinctUnreadable([])).toEqual([]);
    expect(distinctUnreadable([{ path: 'a', reason: 'wrong_type' }, { path: 'b', reason: 'out_of_range' }, { path: 'a', reason: 'malformed_string' }]))
      .toEqual([{ path: 'a', reason: 'wrong_type' }, { path: 'b', reason: 'out_of_range' }]);
  });

  it('counts and merges without touching its inputs', () => {
    expect(countUnreadable(undefined, [])).toBeUndefined();
    const a: [string, number][] = [['x', 1]];
    const merged = mergeDataQuality(a, [['x', 2], ['y', 1]]);
    expect(merged).toEqual([['x', 3], ['y', 1]]);
    expect(a).toEqual([['x', 1]]);
    expect(mergeDataQuality(undefined, undefined)).toBeUndefined();
  });

  it('sums figures into a view; a path named __proto__ stays data; malformed stored entries are skipped', () => {
    const view = dataQualityView([[['properties.revenue', 2], ['__proto__', 1]], undefined, [['properties.revenue', 1]], [['bad'] as unknown as [string, number]]]);
    expect(view.unreadableNumbers).toBe(4);
    expect(Object.keys(view.byProperty)).toEqual(['properties.revenue', '__proto__']);
    expect(view.byProperty['properties.revenue']).toBe(3);
    expect(Object.getPrototypeOf(view.byProperty)).toBe(Object.prototype);
  });
});
