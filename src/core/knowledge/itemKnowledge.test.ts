import { describe, expect, it } from 'vitest';
import { compileKnowledgeModel } from './KnowledgeModel.js';
import { applyEventKnowledge, emptyKnowledge, mergeKnowledge, type KnowledgeEvent, type ProfileFacts } from './KnowledgeState.js';

/** The item history part of a profile's knowledge: e-commerce events in, recent items out. */
const minute = 60_000;
const T0 = Date.parse('2026-03-20T12:00:00Z');
const model = compileKnowledgeModel({ features: [], segments: [] });
const facts: ProfileFacts = { id: 'p1', traits: {}, firstSeen: T0, lastSeen: T0 };

function track(name: string, timestamp: number, properties: Record<string, unknown>): KnowledgeEvent {
  return { type: 'track', name, timestamp, body: { type: 'track', event: name, properties }, traitsChanged: false };
}

describe('applyEventKnowledge: items', () => {
  it('records views and purchases and returns the session items before the event', () => {
    const state = emptyKnowledge();
    expect(applyEventKnowledge(state, track('Product Viewed', T0, { product_id: 'a' }), facts, model).items).toEqual({ event: { kind: 'view', items: ['a'], timestamp: T0 }, sessionBefore: [] });
    const second = applyEventKnowledge(state, track('Product Viewed', T0 + minute, { product_id: 'b' }), facts, model);
    expect(second.items?.sessionBefore).toEqual(['a']);
    const order = applyEventKnowledge(state, track('Order Completed', T0 + 2 * minute, { products: [{ product_id: 'b' }, { product_id: 'c' }] }), facts, model);
    expect(order.items).toEqual({ event: { kind: 'purchase', items: ['b', 'c'], timestamp: T0 + 2 * minute }, sessionBefore: ['a', 'b'] });
    expect(state.r).toEqual({ v: [['a', 0, T0], ['b', 0, T0 + minute]], p: [['b', T0 + 2 * minute], ['c', T0 + 2 * minute]] });
  });

  it('a view in a new session pairs with nothing of the last one', () => {
    const state = emptyKnowledge();
    applyEventKnowledge(state, track('Product Viewed', T0, { product_id: 'a' }), facts, model);
    const later = applyEventKnowledge(state, track('Product Viewed', T0 + 31 * minute, { product_id: 'b' }), facts, model);
    expect(later.items?.sessionBefore).toEqual([]);
  });

  it('other events leave the history alone', () => {
    const state = emptyKnowledge();
    expect(applyEventKnowledge(state, track('Signed Up', T0, { product_id: 'a' }), facts, model).items).toBeNull();
    expect(state.r).toBeUndefined();
  });

  it('merges with the absorbed profile', () => {
    const a = emptyKnowledge();
    const b = emptyKnowledge();
    applyEventKnowledge(a, track('Product Viewed', T0, { product_id: 'x' }), facts, model);
    applyEventKnowledge(b, track('Product Viewed', T0 + minute, { product_id: 'y' }), facts, model);
    expect(mergeKnowledge(a, b, facts, model, T0 + 2 * minute).state.r).toEqual({ v: [['x', 0, T0], ['y', 0, T0 + minute]], p: [] });
  });
});
