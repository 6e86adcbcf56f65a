import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FeatureDefinition } from '../features/FeatureDefinition.js';
import type { MembershipChange, Memberships } from '../segments/compileSegments.js';
import type { SegmentDefinition } from '../segments/SegmentDefinition.js';
import { compileKnowledgeModel, type KnowledgeModel } from './KnowledgeModel.js';
import { applyEventKnowledge, emptyKnowledge, personalizes, ruleInputFor, type KnowledgeEvent, type KnowledgeState, type ProfileFacts } from './KnowledgeState.js';

/**
 * The precise segment update (only the segments whose read values moved since the last
 * evaluation, `changedValues`) against evaluating every segment on every event: random
 * workspaces (windowed, lifetime, decayed and derived features; session fields; traits;
 * consent; the clock; in_segment chains; whole-root reads; context) and random event streams
 * (gaps from seconds to weeks, some late, consent and trait changes, re-evaluations between
 * events as a sweep or a new rule would run them) must give the same memberships, the same
 * entries and exits, at the same times.
 */

const T0 = Date.parse('2026-03-01T00:00:00Z');
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

const features: FeatureDefinition[] = [
  { name: 'pages_1h', aggregate: 'count', types: ['page'], window: '1h' },
  { name: 'views_24h', aggregate: 'count', events: ['Product Viewed'], window: '24h' },
  { name: 'views', aggregate: 'count', events: ['Product Viewed'] },
  { name: 'spend_7d', aggregate: 'sum', events: ['Order Completed'], property: 'properties.revenue', window: '7d' },
  { name: 'last_category', aggregate: 'last', events: ['Product Viewed'], property: 'properties.category' },
  { name: 'categories_7d', aggregate: 'distinct_count', events: ['Product Viewed'], property: 'properties.category', window: '7d' },
  { name: 'affinity', aggregate: 'decayed', events: ['Product Viewed'], property: 'properties.category', halfLife: '1d' },
];

/** Atoms of segment i (it may read segments 0..i-1). */
const atom = (i: number): fc.Arbitrary<string> => fc.oneof(
  fc.tuple(fc.constantFrom('pages_1h', 'views_24h', 'views', 'categories_7d', 'order_count', 'frequency', 'priced_order_count'), fc.constantFrom('>=', '<', '=='), fc.integer({ min: 0, max: 3 }))
    .map(([f, op, n]) => `features.${f} ${op} ${n}`),
  fc.tuple(fc.constantFrom('spend_7d', 'revenue', 'monetary', 'average_order_value'), fc.integer({ min: 0, max: 80 })).map(([f, n]) => `features.${f} > ${n}`),
  fc.tuple(fc.constantFrom('days_since_last_order', 'recency_days', 'days_since_first_seen', 'days_since_last_seen'), fc.integer({ min: 0, max: 10 })).map(([f, n]) => `features.${f} <= ${n}`),
  fc.constantFrom('features.last_category == "shoes"', '(features.affinity.shoes ?? 0) > 1', 'features[profile.traits.metric] > 1', 'features.last_seen > "2026-03-05"', 'profile.first_seen < "2026-03-02"'),
  fc.constantFrom('session.active', 'session.is_new', 'session.returning', 'session.section == "cart"', 'len(session.search_terms) > 0', 'session.device_type == "mobile"', 'session.entry_channel == "direct"'),
  fc.tuple(fc.constantFrom('pages', 'events', 'count', 'duration_seconds'), fc.integer({ min: 0, max: 4 })).map(([f, n]) => `session.${f} > ${n * (f === 'duration_seconds' ? 300 : 1)}`),
  fc.constantFrom('profile.traits.plan == "pro"', 'profile.id == "p1"', 'days_since(profile.traits.created) < 3', 'hours_since(features.last_order_at) < 30', `now() > ${T0 + 5 * day}`),
  fc.constantFrom('has_consent("marketing")', 'has_consent("analytics")', 'context.locale == "de"'),
  ...(i === 0 ? [] : [fc.integer({ min: 0, max: i - 1 }).map((j) => `in_segment("s${j}")`)]),
);
const rule = (i: number): fc.Arbitrary<string> => fc.tuple(fc.array(fc.tuple(fc.boolean(), atom(i)), { minLength: 1, maxLength: 3 }), fc.constantFrom('and', 'or'))
  .map(([atoms, join]) => atoms.map(([negate, a]) => (negate ? `not (${a})` : a)).join(` ${join} `));
const definitions: fc.Arbitrary<SegmentDefinition[]> = fc.integer({ min: 1, max: 10 })
  .chain((n) => fc.tuple(...[...Array(n).keys()].map(rule)))
  .map((rules) => rules.map((r, i) => ({ id: `s${i}`, name: `s${i}`, rule: r })));

type Step =
  | { readonly kind: 'event'; readonly gap: number; readonly event: string; readonly category: string; readonly revenue: number | null; readonly consent: Readonly<Record<string, boolean>> | null; readonly mobile: boolean }
  | { readonly kind: 'identify'; readonly gap: number; readonly plan: string; readonly created: number; readonly metric: string }
  | { readonly kind: 'reevaluate'; readonly gap: number }
  // The state as stored before `e` existed: its next event takes the coarse path.
  | { readonly kind: 'stored'; readonly gap: number };

/** Seconds to weeks between events, and some late ones. */
const gap = fc.oneof(fc.integer({ min: 0, max: 5 * minute }), fc.integer({ min: 0, max: 3 * hour }), fc.integer({ min: 0, max: 9 * day }), fc.integer({ min: -hour, max: 0 }));
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({
    kind: fc.constant('event' as const), gap, event: fc.constantFrom('page /cart', 'page /', 'Product Viewed', 'Order Completed', 'Products Searched'),
    category: fc.constantFrom('shoes', 'bags'), revenue: fc.option(fc.integer({ min: 1, max: 60 })),
    consent: fc.option(fc.record({ advertising: fc.boolean(), performance: fc.boolean(), functional: fc.boolean() }), { freq: 6 }), mobile: fc.boolean(),
  }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('identify' as const), gap, plan: fc.constantFrom('free', 'pro'), created: fc.integer({ min: 0, max: 20 }), metric: fc.constantFrom('views', 'pages_1h') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reevaluate' as const), gap }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stored' as const), gap: fc.constant(0) }) },
);

function eventOf(s: Extract<Step, { kind: 'event' }>, at: number): KnowledgeEvent {
  const context = {
    ...(s.consent === null ? {} : { consent: { categoryPreferences: s.consent } }),
    userAgent: s.mobile ? 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148' : 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
  };
  if (s.event.startsWith('page')) {
    const path = s.event.slice(5);
    return { type: 'page', name: null, timestamp: at, body: { type: 'page', properties: { path, url: `https://shop.example${path}` }, context }, traitsChanged: false };
  }
  const properties = { category: s.category, query: 'boots', ...(s.revenue === null ? {} : { revenue: s.revenue }) };
  return { type: 'track', name: s.event, timestamp: at, body: { type: 'track', event: s.event, properties, context, timestamp: new Date(at).toISOString() }, traitsChanged: false };
}

/** Every stored segment evaluated from scratch on the state `applyEventKnowledge` left, as the reference. */
function evaluateAll(model: KnowledgeModel, state: KnowledgeState, reference: Memberships, facts: ProfileFacts, at: number): { memberships: Memberships; changes: MembershipChange[] } {
  if (!personalizes(state, model)) {
    return { memberships: {}, changes: Object.keys(reference).map((id) => ({ segment: id, kind: 'leave', at, reason: 'consent' })) };
  }
  return model.segments.update(reference, ruleInputFor(state, facts, model, at), 'all', at);
}

const describeChange = (c: MembershipChange): string => `${c.kind} ${c.segment} @${c.at}${c.reason === undefined ? '' : ` ${c.reason}`}`;

describe('the precise segment update agrees with evaluating every segment on every event', () => {
  it('same memberships, entry times and changes over random workspaces and event streams', () => {
    fc.assert(fc.property(definitions, fc.array(step, { minLength: 1, maxLength: 40 }), (segments, steps) => {
      const model = compileKnowledgeModel({ features, segments });
      const state = emptyKnowledge();
      let reference: Memberships = {};
      let traits: Record<string, unknown> = {};
      let now = T0;
      let firstSeen = Number.POSITIVE_INFINITY;
      let lastSeen = Number.NEGATIVE_INFINITY;
      for (const s of steps) {
        now += s.gap;
        if (s.kind === 'stored') {
          delete state.e;
          continue;
        }
        if (s.kind === 'reevaluate') {
          // As reevaluateProfiles does (a sweep, a new rule): every segment at the clock's time.
          if (!personalizes(state, model) || state.s === null) continue;
          const facts = { id: 'p1', traits, firstSeen, lastSeen };
          const { memberships } = model.segments.update(state.m, ruleInputFor(state, facts, model, now), 'all', now);
          state.m = memberships;
          state.e = now;
          reference = evaluateAll(model, state, reference, facts, now).memberships;
          expect(state.m).toEqual(reference);
          continue;
        }
        let event: KnowledgeEvent;
        if (s.kind === 'identify') {
          traits = { plan: s.plan, created: new Date(T0 + s.created * day).toISOString(), metric: s.metric };
          event = { type: 'identify', name: null, timestamp: now, body: { type: 'identify', traits }, traitsChanged: true };
        } else event = eventOf(s, now);
        firstSeen = Math.min(firstSeen, now);
        lastSeen = Math.max(lastSeen, now);
        const facts = { id: 'p1', traits, firstSeen, lastSeen };
        const update = applyEventKnowledge(state, event, facts, model);
        const expected = evaluateAll(model, state, reference, facts, now);
        reference = expected.memberships;
        expect(Object.entries(state.m).sort()).toEqual(Object.entries(reference).sort());
        expect(update.segments.map(describeChange).sort()).toEqual(expected.changes.map(describeChange).sort());
      }
    }), { numRuns: 400, seed: 20261208 });
  });
});
