import { describe, expect, it } from 'vitest';
import cases from './consentKnowledge.cases.json' with { type: 'json' };
import { defaultConsentSettings, type ConsentSettings } from '../consent/ConsentState.js';
import { seededRandom } from '../common/random.js';
import { decide } from '../decide/decide.js';
import type { DecisionEnvironment, DecisionRequest } from '../decide/decisionSteps.js';
import { compileDecisionModel } from '../decide/compileDecisionModel.js';
import { recordPurchase } from '../predict/purchases/PurchaseSummary.js';
import { predictionsOf } from '../predict/traits/predictionsOf.js';
import { compileKnowledgeModel, type KnowledgeModel } from './KnowledgeModel.js';
import {
  applyEventKnowledge, currentSegments, emptyKnowledge, mergeKnowledge, ruleInputFor,
  type KnowledgeEvent, type KnowledgeState, type ProfileFacts,
} from './KnowledgeState.js';

/** Consent enforcement: without `personalization`, nothing personal is computed or read. */
const minute = 60_000;
const T0 = Date.parse('2026-03-20T12:00:00Z');
const facts: ProfileFacts = { id: 'p1', traits: { plan: 'gold' }, firstSeen: T0, lastSeen: T0 };
const features = [{ name: 'views', aggregate: 'count' as const, events: ['Product Viewed'] }];
const segments = [
  { id: 'vip', name: 'VIP', rule: 'profile.traits.plan == "gold"' },
  { id: 'browser', name: 'Browser', rule: 'features.views >= 2' },
];

function modelWith(defaults: Record<string, boolean> | null): KnowledgeModel {
  const consent: ConsentSettings = defaults === null ? defaultConsentSettings : { ...defaultConsentSettings, defaults: { ...defaultConsentSettings.defaults, ...defaults } };
  return compileKnowledgeModel({ features, segments, consent });
}

interface CaseEvent { readonly at: number; readonly event: string; readonly consent?: Readonly<Record<string, boolean>> }

function eventOf(e: CaseEvent): KnowledgeEvent {
  const properties = e.event === 'Order Completed' ? { order_id: 'o1', revenue: 20, products: [{ product_id: 'a' }] } : { product_id: 'a' };
  const context = e.consent === undefined ? {} : { consent: { categoryPreferences: e.consent } };
  return { type: 'track', name: e.event, timestamp: T0 + e.at * minute, body: { type: 'track', event: e.event, properties, context }, traitsChanged: false };
}

/** A rule input's root as a record (they are typed unknown: rules read them by path). */
const fields = (root: unknown): Readonly<Record<string, unknown>> => root as Readonly<Record<string, unknown>>;
const minutes = (at: number): number => (at - T0) / minute;
const personalParts = (s: KnowledgeState): string[] => [
  ...(Object.keys(s.f).length > 0 ? ['f'] : []), ...(Object.keys(s.m).length > 0 ? ['m'] : []),
  ...(s.o !== undefined ? ['o'] : []), ...(s.r !== undefined ? ['r'] : []), ...(s.h !== undefined ? ['h'] : []),
];

describe('applyEventKnowledge with consent (consentKnowledge.cases.json)', () => {
  type Expected = { views: number | null; segments: string[]; changes: string[]; personal: boolean; parts: string[] };
  it.each(cases.cases as [string, Record<string, boolean> | null, CaseEvent[], Expected][])('%s', (_name, defaults, events, expected) => {
    const model = modelWith(defaults);
    const state = emptyKnowledge();
    const changes: string[] = [];
    for (const e of events) {
      for (const c of applyEventKnowledge(state, eventOf(e), facts, model).segments) changes.push(`${c.kind} ${c.segment}@${minutes(c.at)}${c.reason === undefined ? '' : ` ${c.reason}`}`);
    }
    const now = T0 + Math.max(...events.map((e) => e.at)) * minute;
    const input = ruleInputFor(state, facts, model, now);
    const personal = input.hasConsent?.('personalization');
    const views = fields(input.features)['views'] ?? null;
    expect({ views, segments: Object.keys(state.m), changes, personal, parts: personalParts(state) }).toEqual(expected);
    // Rules read no features without consent, and the stored memberships are what rules see.
    expect(currentSegments(state, facts, model, now).map((s) => s.id)).toEqual(expected.segments);
    // A replay of the same events from nothing gives the same state (rebuild, recovery).
    const replayed = emptyKnowledge();
    for (const e of events) applyEventKnowledge(replayed, eventOf(e), facts, model);
    expect(replayed).toEqual(state);
  });
});

describe('mergeKnowledge with consent', () => {
  const model = modelWith(null);
  const viewed = (at: number, consent?: Record<string, boolean>) => eventOf({ at, event: 'Product Viewed', ...(consent === undefined ? {} : { consent }) });

  it('a merge whose latest decision refuses personalization keeps nothing personal and leaves the survivor\'s segments', () => {
    const survivor = emptyKnowledge();
    applyEventKnowledge(survivor, viewed(0), facts, model);
    applyEventKnowledge(survivor, viewed(1), facts, model);
    const absorbed = emptyKnowledge();
    applyEventKnowledge(absorbed, viewed(2, { personalization: false }), facts, model);
    const { state, segments: changes } = mergeKnowledge(survivor, absorbed, facts, model, T0 + 3 * minute);
    expect(changes).toEqual([
      { segment: 'vip', kind: 'leave', at: T0 + 3 * minute, reason: 'consent' },
      { segment: 'browser', kind: 'leave', at: T0 + 3 * minute, reason: 'consent' },
    ]);
    expect(personalParts(state)).toEqual([]);
    expect(state.c['personalization']?.[0]).toBe(false);
  });

  it('a merge whose latest decision grants it merges features and evaluates segments', () => {
    const survivor = emptyKnowledge();
    applyEventKnowledge(survivor, viewed(0, { personalization: false }), facts, model);
    const absorbed = emptyKnowledge();
    applyEventKnowledge(absorbed, viewed(1, { personalization: true }), facts, model);
    applyEventKnowledge(absorbed, viewed(2), facts, model);
    const { state, segments: changes } = mergeKnowledge(survivor, absorbed, facts, model, T0 + 3 * minute);
    expect(changes.map((c) => c.segment)).toEqual(['vip', 'browser']);
    expect(fields(ruleInputFor(state, facts, model, T0 + 3 * minute).features)['views']).toBe(2);
  });
});

describe('reading a profile without consent', () => {
  const model = modelWith({ personalization: false });

  it('rules see no features, no predictions and the session of a visitor never seen', () => {
    const state = emptyKnowledge();
    applyEventKnowledge(state, eventOf({ at: 0, event: 'Product Viewed' }), facts, model);
    const input = ruleInputFor(state, facts, model, T0 + minute);
    expect(input.features).toEqual({});
    expect(Object.values(fields(input.predictions)).every((v) => v === null)).toBe(true);
    expect(fields(input.session)['events']).toBe(0);
    // The profile's own facts stay readable: they are what the person gave, not computed.
    expect(fields(input.profile)['traits']).toEqual({ plan: 'gold' });
    // The session is still kept (caps' session windows): only not read.
    expect(state.s?.events).toBe(1);
  });

  it('predictionsOf predicts nothing for a person who withheld personalization', () => {
    const purchases = recordPurchase(undefined, T0 - 30 * 24 * 60 * minute, 10);
    const model = { version: 3, trainedAt: T0, clusters: undefined } as unknown as Parameters<typeof predictionsOf>[0];
    expect(predictionsOf(model, purchases, T0, { personalization: false }).values['model_version']).toBeNull();
    expect(predictionsOf(model, purchases, T0).values['model_version']).toBe(3);
  });
});

describe('decide with consent', () => {
  const knowledge = modelWith(null);
  const model = compileDecisionModel({
    placements: [{ id: 'hero', channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' } }],
    actions: [{ id: 'vip-offer', placements: ['hero'], priority: 0, value: 0, rule: 'in_segment("vip")', variants: { default: { title: 'For {{ profile.traits.plan }}' } } }],
  }, knowledge);
  const env: DecisionEnvironment = { now: T0 + 10 * minute, random: seededRandom(1), newDecisionId: () => 'd-1', budgetUsed: () => undefined };
  const request = (context: Readonly<Record<string, unknown>>): DecisionRequest => ({ placements: [{ id: 'hero' }], context, explain: false });
  const person = (): KnowledgeState => {
    const state = emptyKnowledge();
    applyEventKnowledge(state, eventOf({ at: 0, event: 'Product Viewed' }), facts, knowledge);
    return state;
  };

  it('a refusal carried in the decide call\'s own context falls back at once, in no segment', () => {
    const state = person();
    expect(Object.keys(state.m)).toEqual(['vip']);
    const personal = decide(model, { facts, knowledge: state }, request({}), env);
    expect(personal.placements[0]?.decisions[0]?.actionId).toBe('vip-offer');
    expect(personal.segments()).toEqual(['vip']);
    const refused = decide(model, { facts, knowledge: state }, request({ consent: { categoryPreferences: { personalization: false } } }), env);
    expect(refused.placements[0]?.fallback).toBe('no_consent');
    expect(refused.placements[0]?.decisions[0]?.content).toEqual({ title: 'Welcome' });
    expect(refused.segments()).toEqual([]);
  });

  it('after a withdrawing event, the next decide falls back', () => {
    const state = person();
    applyEventKnowledge(state, eventOf({ at: 1, event: 'Page Seen', consent: { personalization: false } }), facts, knowledge);
    const answer = decide(model, { facts, knowledge: state }, request({}), env);
    expect(answer.placements[0]?.fallback).toBe('no_consent');
    expect(answer.segments()).toEqual([]);
  });
});
