import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinFeatureFields, builtinFeatures } from '../features/builtinFeatures.js';
import type { FeatureDefinition } from '../features/FeatureDefinition.js';
import type { RuleInput, RuleSchema } from '../rules/compileRule.js';
import { RuleError } from '../rules/RuleError.js';
import { sessionFields } from '../session/SessionState.js';
import { SegmentDefinitionError, SegmentSet, type ChangedInputs, type Memberships, type SegmentOptions } from './compileSegments.js';
import type { SegmentDefinition } from './SegmentDefinition.js';
import { timeDependentFields } from './timeDependentFields.js';

/**
 * Segments over a realistic workspace schema (built-in and declared features, the built-in
 * session fields, open traits and context). Every call takes its time as a parameter.
 */
const minute = 60_000;
const day = 24 * 60 * minute;
const t0 = Date.parse('2024-03-01T09:15:00Z');
const settings = { seed: 20240305, numRuns: 200 } as const;

const schema: RuleSchema = {
  fields: { ...builtinFeatureFields, 'features.orders_90d': 'number', 'features.category_affinity': 'object', ...sessionFields },
  closedRoots: ['features', 'session'],
  consentPurposes: ['analytics', 'personalization', 'marketing'],
};

const segment = (id: string, rule: string): SegmentDefinition => ({ id, name: `Segment ${id}`, rule });
const segments = (definitions: Record<string, string>, options?: SegmentOptions): SegmentSet =>
  new SegmentSet(Object.entries(definitions).map(([id, rule]) => segment(id, rule)), schema, options);

function definitionError(definitions: readonly SegmentDefinition[], over: RuleSchema = schema): SegmentDefinitionError {
  try {
    new SegmentSet(definitions, over);
  } catch (error) {
    if (error instanceof SegmentDefinitionError) return error;
    throw error;
  }
  throw new Error('compiled without an error');
}

interface Data {
  features?: Record<string, unknown>;
  session?: Record<string, unknown>;
  profile?: Record<string, unknown>;
  context?: Record<string, unknown>;
  consent?: readonly string[];
}
function input(data: Data, now: number): RuleInput {
  const consent = new Set(data.consent ?? []);
  return {
    features: data.features ?? {},
    session: data.session ?? {},
    profile: data.profile ?? {},
    context: data.context ?? {},
    now,
    hasConsent: (purpose) => consent.has(purpose),
  };
}

const nothing: ChangedInputs = { features: new Set(), profile: false, session: false, consent: false };
const changed = (over: { features?: readonly string[]; profile?: boolean; session?: boolean; consent?: boolean }): ChangedInputs => ({
  ...nothing, ...over, features: new Set(over.features ?? []),
});
const ids = (memberships: Memberships) => Object.keys(memberships).sort();

describe('compile errors are SegmentDefinitionErrors naming the segment', () => {
  it('a rule that does not parse carries its RuleError and position', () => {
    const error = definitionError([segment('buyers', 'features.order_count >= 1'), segment('broken', 'features.order_count >=\n  and session.pages > 1')]);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SegmentDefinitionError');
    expect(error.segment).toBe('broken');
    expect(error.field).toBe('rule');
    expect(error.message).toMatch(/^segment "broken": /);
    expect(error.rule).toBeInstanceOf(RuleError);
    expect(error.rule?.kind).toBe('syntax');
    expect(error.rule?.line).toBe(2);
    expect(error.rule?.column).toBe(3);
    expect(error.message).toContain('(line 2, column 3)');
    expect(error.rule?.caret).toBe('  and session.pages > 1\n  ^^^');
  });

  it('a type error points at the offending part', () => {
    const error = definitionError([segment('typo', 'features.order_count >= 2 and\n  session.pages == "ten"')]);
    expect(error.rule?.kind).toBe('type');
    expect([error.rule?.line, error.rule?.column]).toEqual([2, 3]);
    expect(error.message).toContain('session.pages is a number and "ten" is a string');
  });

  it('two segments with one id', () => {
    const error = definitionError([segment('vip', 'profile.traits.plan == "pro"'), segment('other', 'true'), segment('vip', 'features.revenue > 1000')]);
    expect(error.segment).toBe('vip');
    expect(error.field).toBe('id');
    expect(error.rule).toBeUndefined();
    expect(error.message).toBe('segment "vip": two segments have this id');
  });

  it('in_segment of an unknown segment, with the closest known id', () => {
    const error = definitionError([segment('vip', 'profile.traits.plan == "pro"'), segment('vip_shoes', 'in_segment("vpi") and session.section == "shoes"')]);
    expect(error.segment).toBe('vip_shoes');
    expect(error.rule?.kind).toBe('unknown-name');
    expect(error.message).toContain('unknown segment "vpi"; did you mean "vip"?');
    expect(error.rule?.column).toBe(12);
  });

  it('a cycle of two segments, and a segment that reads itself', () => {
    const cycle = definitionError([segment('a', 'in_segment("b") or features.order_count > 3'), segment('b', 'in_segment("a")')]);
    expect(cycle.segment).toBe('a');
    expect(cycle.field).toBe('rule');
    expect(cycle.message).toContain('a -> b -> a');
    const longer = definitionError([segment('x', 'true'), segment('a', 'in_segment("b")'), segment('b', 'in_segment("c")'), segment('c', 'in_segment("a") and in_segment("x")')]);
    expect(longer.message).toContain('a -> b -> c -> a');
    const self = definitionError([segment('loop', 'not in_segment("loop")')]);
    expect(self.segment).toBe('loop');
    expect(self.message).toContain('loop -> loop');
  });

  it('an unknown feature or session field when the schema closes those roots', () => {
    const feature = definitionError([segment('buyers', 'features.orders_count >= 1')]);
    expect(feature.rule?.kind).toBe('unknown-name');
    expect(feature.message).toContain('unknown field "features.orders_count"; did you mean "features.order_count"?');
    const session = definitionError([segment('browsers', 'session.page > 3')]);
    expect(session.message).toContain('did you mean "session.pages"?');
    // Traits and the context are open; an open schema accepts any feature.
    expect(() => segments({ open: 'profile.traits.anything == 1 and context.whatever == 2' })).not.toThrow();
    expect(() => new SegmentSet([segment('any', 'features.orders_count >= 1')], {})).not.toThrow();
  });

  it('an unknown consent purpose', () => {
    const error = definitionError([segment('mail', 'has_consent("marketting")')]);
    expect(error.message).toContain('did you mean "marketing"?');
  });

  it('a segment may not read the event being counted: nothing would re-evaluate it', () => {
    const error = definitionError([segment('clicked', 'event.properties.button == "buy"')]);
    expect(error.rule?.kind).toBe('unknown-name');
    expect(error.message).toContain('unknown name "event"');
    // Even when the workspace's schema lists every root.
    expect(definitionError([segment('clicked', 'event.type == "track"')], { ...schema, roots: ['profile', 'event'] }).message).toContain('unknown name "event"');
  });

  it('in_segment takes an id in quotes, so that its dependencies are known', () => {
    const error = definitionError([segment('vip', 'true'), segment('mirror', 'in_segment(profile.traits.tier)')]);
    expect(error.segment).toBe('mirror');
    expect(error.rule?.kind).toBe('type');
    expect(error.rule?.column).toBe(12);
    expect(error.message).toContain('in_segment() takes a segment id in quotes');
    expect(definitionError([segment('vip', 'true'), segment('x', 'features.order_count > 1 or in_segment(lower("VIP"))')]).segment).toBe('x');
  });

  it('the first faulty definition is reported', () => {
    expect(definitionError([segment('ok', 'true'), segment('first', 'session.nope'), segment('second', '(')]).segment).toBe('first');
  });
});

describe('inputs and dependency order', () => {
  it('records what each rule reads', () => {
    const set = segments({
      vip: 'profile.traits.plan == "pro"',
      rich: 'features.revenue > 1000 and features.order_count >= 2 and in_segment("vip")',
      lapsed: 'days_since(features.last_order_at) > 90',
      german: 'context.locale starts_with "de" and has_consent("personalization")',
      dynamic: 'features["order_count"] > 1',
      shoes: 'session.section == "shoes"',
    });
    expect(set.get('rich')?.inputs).toMatchObject({ profile: false, session: false, consent: false, context: false, clock: false, allFeatures: false });
    expect([...set.get('rich')!.inputs.features].sort()).toEqual(['order_count', 'revenue']);
    expect([...set.get('rich')!.inputs.segments]).toEqual(['vip']);
    expect(set.get('vip')?.inputs).toMatchObject({ profile: true, session: false });
    expect(set.get('lapsed')?.inputs).toMatchObject({ clock: true, context: false });
    expect(set.get('german')?.inputs).toMatchObject({ context: true, consent: true, clock: false });
    expect(set.get('dynamic')?.inputs).toMatchObject({ allFeatures: true });
    expect(set.get('shoes')?.inputs).toMatchObject({ session: true, clock: false });
    expect(set.get('missing')).toBeUndefined();
    expect(set.get('rich')?.name).toBe('Segment rich');
  });

  it('orders a segment after those it reads, whatever the definition order', () => {
    const set = segments({
      top: 'in_segment("middle") and in_segment("base")',
      loner: 'profile.traits.plan == "free"',
      middle: 'in_segment("base") or in_segment("side")',
      side: 'session.pages > 10',
      base: 'features.order_count > 0',
    });
    expect(set.ordered.map((s) => s.id)).toEqual(['base', 'side', 'middle', 'top', 'loner']);
  });

  it('keeps definition order for independent segments and is a topological order for any DAG', () => {
    const dag = fc.integer({ min: 1, max: 10 }).chain((n) => fc.tuple(
      fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
      fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
    ));
    fc.assert(fc.property(dag, ([edges, order]) => {
      // Segment i may read segment j < i only: acyclic by construction, then shuffled.
      const definitions = order.map((i) => {
        const reads = [...Array(i).keys()].filter((j) => edges[i]![j] === true).map((j) => `in_segment("s${j}")`);
        return segment(`s${i}`, reads.length === 0 ? 'true' : reads.join(' or '));
      });
      const set = new SegmentSet(definitions, schema);
      const ordered = set.ordered.map((s) => s.id);
      expect(ordered.slice().sort()).toEqual(definitions.map((d) => d.id).sort());
      for (const [position, id] of ordered.entries()) {
        for (const dependency of set.get(id)!.inputs.segments) expect(ordered.indexOf(dependency)).toBeLessThan(position);
      }
      const roots = definitions.filter((d) => d.rule === 'true').map((d) => d.id);
      const isolated = roots.filter((id) => !definitions.some((d) => d.rule.includes(`"${id}"`)));
      expect(ordered.filter((id) => isolated.includes(id))).toEqual(isolated);
    }), settings);
  });

  it('knows which segments are dynamic (context or clock, transitively)', () => {
    const set = segments({
      german: 'context.locale == "de"',
      german_buyer: 'in_segment("german") and features.order_count > 0',
      german_buyer_vip: 'in_segment("german_buyer") and profile.traits.plan == "pro"',
      lapsed: 'days_since(features.last_order_at) > 90',
      lapsed_vip: 'in_segment("lapsed") and profile.traits.plan == "pro"',
      buyer: 'features.order_count > 0',
      buyer_vip: 'in_segment("buyer") and profile.traits.plan == "pro"',
    });
    expect([...set.dynamic].sort()).toEqual(['german', 'german_buyer', 'german_buyer_vip', 'lapsed', 'lapsed_vip']);
    expect([...set.contextual].sort()).toEqual(['german', 'german_buyer', 'german_buyer_vip']);
  });
});

describe('update', () => {
  const realistic = () => segments({
    buyer: 'features.order_count >= 1',
    reader: 'session.pages >= 3',
    vip: 'profile.traits.plan == "pro"',
    mailable: 'has_consent("marketing")',
  });
  const everything: Data = { features: { order_count: 2 }, session: { pages: 5 }, profile: { traits: { plan: 'pro' } }, consent: ['marketing'] };

  it('enters segments with the time given', () => {
    const result = realistic().update({}, input(everything, t0), 'all', t0);
    expect(result.memberships).toEqual({ buyer: t0, reader: t0, vip: t0, mailable: t0 });
    expect(result.changes).toEqual([
      { segment: 'buyer', kind: 'enter', at: t0 },
      { segment: 'reader', kind: 'enter', at: t0 },
      { segment: 'vip', kind: 'enter', at: t0 },
      { segment: 'mailable', kind: 'enter', at: t0 },
    ]);
  });

  it('keeps the time of entry while a profile stays, and records leaving with its time', () => {
    const set = realistic();
    const first = set.update({}, input({ features: { order_count: 1 } }, t0), changed({ features: ['order_count'] }), t0);
    const stay = set.update(first.memberships, input({ features: { order_count: 2 } }, t0 + day), changed({ features: ['order_count'] }), t0 + day);
    expect(stay).toEqual({ memberships: { buyer: t0 }, changes: [] });
    const leave = set.update(stay.memberships, input({ features: { order_count: 0 } }, t0 + 2 * day), changed({ features: ['order_count'] }), t0 + 2 * day);
    expect(leave).toEqual({ memberships: {}, changes: [{ segment: 'buyer', kind: 'leave', at: t0 + 2 * day }] });
  });

  it('never changes the memberships it is given, whether or not one changes', () => {
    const set = realistic();
    const given = Object.freeze({ buyer: t0, reader: t0 });
    const leave = set.update(given, input({ features: { order_count: 1 } }, t0 + day), changed({ session: true }), t0 + day);
    expect(leave).toEqual({ memberships: { buyer: t0 }, changes: [{ segment: 'reader', kind: 'leave', at: t0 + day }] });
    const enter = set.update(given, input(everything, t0 + day), changed({ profile: true }), t0 + day);
    expect(enter.memberships).toEqual({ buyer: t0, reader: t0, vip: t0 + day });
    const none = set.update(given, input(everything, t0 + day), changed({ session: true }), t0 + day);
    expect(none).toEqual({ memberships: { buyer: t0, reader: t0 }, changes: [] });
    expect(given).toEqual({ buyer: t0, reader: t0 });
  });

  it('re-evaluates only the segments that read a changed input', () => {
    const set = realistic();
    // Every rule would match, but nothing it reads is flagged: nobody enters.
    const unrelated = set.update({}, input(everything, t0), changed({ features: ['revenue', 'orders_90d'] }), t0);
    expect(unrelated).toEqual({ memberships: {}, changes: [] });
    expect(set.update({}, input(everything, t0), nothing, t0).changes).toEqual([]);
    const flags: [string, ChangedInputs][] = [
      ['buyer', changed({ features: ['order_count'] })],
      ['reader', changed({ session: true })],
      ['vip', changed({ profile: true })],
      ['mailable', changed({ consent: true })],
    ];
    for (const [id, flag] of flags) {
      expect(set.update({}, input(everything, t0), flag, t0)).toEqual({ memberships: { [id]: t0 }, changes: [{ segment: id, kind: 'enter', at: t0 }] });
    }
    // And no one leaves on an unflagged change either.
    const all = set.update({}, input(everything, t0), 'all', t0).memberships;
    expect(set.update(all, input({}, t0 + day), changed({ features: ['revenue'] }), t0 + day)).toEqual({ memberships: all, changes: [] });
    expect(set.update(all, input({}, t0 + day), changed({ session: true }), t0 + day)).toEqual({
      memberships: { buyer: t0, vip: t0, mailable: t0 }, changes: [{ segment: 'reader', kind: 'leave', at: t0 + day }],
    });
  });

  it('re-evaluates a segment that reads features by a computed name on any feature change', () => {
    const set = segments({ by_name: 'features[profile.traits.metric ?? "order_count"] >= 1' });
    const data: Data = { features: { order_count: 1 } };
    expect(set.update({}, input(data, t0), changed({ features: ['order_count'] }), t0).memberships).toEqual({ by_name: t0 });
    expect(set.update({}, input(data, t0), changed({ features: ['revenue'] }), t0).memberships).toEqual({ by_name: t0 });
    expect(set.update({}, input(data, t0), changed({ session: true }), t0).memberships).toEqual({});
  });

  it('propagates through in_segment chains in one call, in dependency order', () => {
    const set = segments({
      not_vip_buyer: 'not in_segment("vip_buyer")',
      vip_buyer: 'in_segment("buyer") and profile.traits.plan == "pro"',
      buyer: 'features.order_count >= 1',
    });
    const profile = { traits: { plan: 'pro' } };
    const start = set.update({}, input({ profile, features: { order_count: 0 } }, t0), 'all', t0);
    expect(start).toEqual({ memberships: { not_vip_buyer: t0 }, changes: [{ segment: 'not_vip_buyer', kind: 'enter', at: t0 }] });
    const bought = set.update(start.memberships, input({ profile, features: { order_count: 1 } }, t0 + minute), changed({ features: ['order_count'] }), t0 + minute);
    expect(bought.changes).toEqual([
      { segment: 'buyer', kind: 'enter', at: t0 + minute },
      { segment: 'vip_buyer', kind: 'enter', at: t0 + minute },
      { segment: 'not_vip_buyer', kind: 'leave', at: t0 + minute },
    ]);
    expect(bought.memberships).toEqual({ buyer: t0 + minute, vip_buyer: t0 + minute });
    // A dependency that is re-evaluated but does not flip leaves its dependents alone.
    const same = set.update(bought.memberships, input({ profile: { traits: { plan: 'free' } }, features: { order_count: 3 } }, t0 + day), changed({ features: ['order_count'] }), t0 + day);
    expect(same).toEqual({ memberships: bought.memberships, changes: [] });
  });

  it("'all' re-evaluates every stored segment", () => {
    const set = realistic();
    const stale: Memberships = { buyer: t0, vip: t0 };
    const data: Data = { features: { order_count: 0 }, session: { pages: 4 }, profile: { traits: { plan: 'pro' } } };
    expect(set.update(stale, input(data, t0 + day), nothing, t0 + day)).toEqual({ memberships: stale, changes: [] });
    expect(set.update(stale, input(data, t0 + day), 'all', t0 + day)).toEqual({
      memberships: { vip: t0, reader: t0 + day },
      changes: [{ segment: 'buyer', kind: 'leave', at: t0 + day }, { segment: 'reader', kind: 'enter', at: t0 + day }],
    });
  });

  it('never stores a segment that reads the request context, nor one that depends on it', () => {
    const set = segments({
      german: 'context.locale == "de"',
      not_german: 'not in_segment("german")',
      not_german_buyer: 'in_segment("not_german") and features.order_count > 0',
      buyer: 'features.order_count > 0',
    });
    const data: Data = { context: { locale: 'de' }, features: { order_count: 1 } };
    const result = set.update({}, input(data, t0), 'all', t0);
    expect(result).toEqual({ memberships: { buyer: t0 }, changes: [{ segment: 'buyer', kind: 'enter', at: t0 }] });
    // Stale stored memberships of such segments are dropped without a change.
    expect(set.update({ german: t0, not_german: t0, buyer: t0 }, input(data, t0 + day), nothing, t0 + day)).toEqual({ memberships: { buyer: t0 }, changes: [] });
  });

  it('re-evaluates segments that read the clock on every update, and what depends on them', () => {
    const set = segments({
      lapsed: 'days_since(features.last_order_at) >= 30',
      lapsed_vip: 'in_segment("lapsed") and profile.traits.plan == "pro"',
      buyer: 'features.order_count >= 1',
    });
    const data: Data = { features: { order_count: 1, last_order_at: new Date(t0).toISOString() }, profile: { traits: { plan: 'pro' } } };
    const start = set.update({}, input(data, t0), 'all', t0);
    expect(start.memberships).toEqual({ buyer: t0 });
    expect(set.update(start.memberships, input(data, t0 + 29 * day), nothing, t0 + 29 * day)).toEqual({ memberships: start.memberships, changes: [] });
    const later = t0 + 30 * day;
    const lapsed = set.update(start.memberships, input(data, later), nothing, later);
    expect(lapsed).toEqual({
      memberships: { buyer: t0, lapsed: later, lapsed_vip: later },
      changes: [{ segment: 'lapsed', kind: 'enter', at: later }, { segment: 'lapsed_vip', kind: 'enter', at: later }],
    });
    const back = { ...data, features: { order_count: 2, last_order_at: new Date(later + day).toISOString() } };
    expect(set.update(lapsed.memberships, input(back, later + day), changed({ features: ['order_count'] }), later + day).changes).toEqual([
      { segment: 'lapsed', kind: 'leave', at: later + day }, { segment: 'lapsed_vip', kind: 'leave', at: later + day },
    ]);
  });

  it('treats fields that change with time alone (clockFields) like the clock', () => {
    const features: FeatureDefinition[] = [...builtinFeatures, { name: 'orders_90d', aggregate: 'count', events: ['Order Completed'], window: '90d' }];
    const set = segments({
      lapsed: 'features.days_since_last_order > 90',
      frequent: 'features.orders_90d >= 2',
      browsing_shoes: 'session.section == "shoes"',
      loyal: 'features.order_count >= 5',
    }, { clockFields: timeDependentFields(features) });
    expect([...set.dynamic].sort()).toEqual(['browsing_shoes', 'frequent', 'lapsed']);
    const recent: Data = { features: { order_count: 5, orders_90d: 2, days_since_last_order: 1 }, session: { section: 'shoes' } };
    const start = set.update({}, input(recent, t0), 'all', t0);
    expect(ids(start.memberships)).toEqual(['browsing_shoes', 'frequent', 'loyal']);
    // Months later, nothing flagged: the values moved with time alone, and so do the memberships.
    const later: Data = { features: { order_count: 5, orders_90d: 0, days_since_last_order: 120 }, session: { section: null } };
    const result = set.update(start.memberships, input(later, t0 + 120 * day), nothing, t0 + 120 * day);
    expect(result.memberships).toEqual({ loyal: t0, lapsed: t0 + 120 * day });
    expect(set.current(start.memberships, input(later, t0 + 120 * day))).toEqual(['lapsed', 'loyal']);
  });

  it('does not change the memberships it is given', () => {
    const set = realistic();
    const stored: Memberships = { buyer: t0 };
    const result = set.update(stored, input(everything, t0 + day), 'all', t0 + day);
    expect(stored).toEqual({ buyer: t0 });
    expect(result.memberships).not.toBe(stored);
  });

  it('drops memberships of segments that no longer exist', () => {
    const set = realistic();
    expect(set.update({ deleted: t0, buyer: t0 }, input(everything, t0 + day), nothing, t0 + day)).toEqual({ memberships: { buyer: t0 }, changes: [] });
  });
});

describe('current', () => {
  const set = segments({
    buyer: 'features.order_count >= 1',
    german: 'context.locale == "de"',
    german_buyer: 'in_segment("german") and in_segment("buyer")',
    german_buyer_at_night: 'in_segment("german_buyer") and context.hour < 6',
    new_signup: 'days_since(profile.traits.signed_up_at) < 7',
    engaged_new_signup: 'in_segment("new_signup") and in_segment("buyer")',
  });
  const profile = { traits: { signed_up_at: new Date(t0).toISOString() } };

  it('adds the segments evaluated on the spot to the stored memberships', () => {
    const stored = set.update({}, input({ features: { order_count: 1 }, profile }, t0), 'all', t0).memberships;
    expect(stored).toEqual({ buyer: t0, new_signup: t0, engaged_new_signup: t0 });
    expect(set.current(stored, input({ features: { order_count: 1 }, profile, context: { locale: 'de', hour: 3 } }, t0 + day)))
      .toEqual(['buyer', 'german', 'german_buyer', 'german_buyer_at_night', 'new_signup', 'engaged_new_signup']);
    expect(set.current(stored, input({ features: { order_count: 1 }, profile, context: { locale: 'fr', hour: 3 } }, t0 + day)))
      .toEqual(['buyer', 'new_signup', 'engaged_new_signup']);
    // A week later the clock segments have lapsed though nothing was stored since.
    expect(set.current(stored, input({ features: { order_count: 1 }, profile, context: { locale: 'de', hour: 12 } }, t0 + 8 * day)))
      .toEqual(['buyer', 'german', 'german_buyer']);
  });

  it('reads stored segments as stored, without evaluating them', () => {
    // The stored membership says buyer although the features say otherwise: only update changes that.
    expect(set.current({ buyer: t0 }, input({ features: { order_count: 0 }, context: { locale: 'de' } }, t0))).toEqual(['buyer', 'german', 'german_buyer']);
    expect(set.current({}, input({ features: { order_count: 5 }, context: { locale: 'de' } }, t0))).toEqual(['german']);
  });

  it('evaluates dynamic segments whatever was stored for them', () => {
    expect(set.current({ german: t0, german_buyer: t0, new_signup: t0 }, input({ profile: { traits: {} } }, t0))).toEqual([]);
  });

  it('drops memberships of deleted segments and lists the rest in dependency order', () => {
    const stored: Memberships = { engaged_new_signup: t0, deleted: t0, buyer: t0, new_signup: t0, constructor: t0 };
    expect(set.current(stored, input({ profile }, t0))).toEqual(['buyer', 'new_signup', 'engaged_new_signup']);
    expect(set.current(stored, input({ profile }, t0))).toEqual(set.ordered.map((s) => s.id).filter((id) => ['buyer', 'new_signup', 'engaged_new_signup'].includes(id)));
  });
});

describe('timeDependentFields', () => {
  it('lists the session, windowed and decayed features, and the derived days-since features', () => {
    const fields = timeDependentFields([
      ...builtinFeatures,
      { name: 'orders_90d', aggregate: 'count', events: ['Order Completed'], window: '90d' },
      { name: 'orders_forever', aggregate: 'count', events: ['Order Completed'], window: 'lifetime' },
      { name: 'affinity', aggregate: 'decayed', property: 'properties.category', halfLife: '14d' },
    ]);
    expect(fields).toEqual([
      'session', 'features.days_since_first_seen', 'features.days_since_last_seen', 'features.days_since_last_order', 'features.recency_days',
      'features.orders_90d', 'features.affinity',
    ]);
  });
});

describe('incremental updates agree with evaluating everything', () => {
  const featureNames = ['f0', 'f1', 'f2', 'f3'] as const;
  const profileValues = ['free', 'pro', 'team'] as const;
  const purposes = ['analytics', 'personalization', 'marketing'] as const;
  const propertySchema: RuleSchema = {
    fields: { 'features.f0': 'number', 'features.f1': 'number', 'features.f2': 'number', 'features.f3': 'number', 'features.t': 'number', 'session.pages': 'number' },
    closedRoots: ['features', 'session'],
    consentPurposes: [...purposes],
  };
  // f3 moves with time alone: it is never flagged as changed.
  const options: SegmentOptions = { clockFields: ['features.f3'] };

  /** An atom of segment i; it may read segments 0..i-1. */
  const atom = (i: number): fc.Arbitrary<string> => fc.oneof(
    fc.tuple(fc.constantFrom(...featureNames), fc.constantFrom('>', '>=', '==', '<'), fc.integer({ min: 0, max: 3 })).map(([f, op, n]) => `features.${f} ${op} ${n}`),
    fc.constant('features[profile.traits.metric] > 1'),
    fc.integer({ min: 0, max: 3 }).map((n) => `session.pages > ${n}`),
    fc.constantFrom(...profileValues).map((p) => `profile.traits.plan == "${p}"`),
    fc.constantFrom(...purposes).map((p) => `has_consent("${p}")`),
    fc.integer({ min: 0, max: 4 }).map((n) => `hours_since(features.t) >= ${n}`),
    fc.constantFrom('de', 'fr').map((l) => `context.locale == "${l}"`),
    ...(i === 0 ? [] : [fc.integer({ min: 0, max: i - 1 }).map((j) => `in_segment("s${j}")`)]),
  );
  const rule = (i: number): fc.Arbitrary<string> => fc.tuple(
    fc.array(fc.tuple(fc.boolean(), atom(i)), { minLength: 1, maxLength: 3 }),
    fc.constantFrom('and', 'or'),
  ).map(([atoms, join]) => atoms.map(([negate, a]) => (negate ? `not (${a})` : a)).join(` ${join} `));
  const definitions = fc.integer({ min: 1, max: 7 }).chain((n) => fc.tuple(...[...Array(n).keys()].map(rule)))
    .chain((rules) => fc.shuffledSubarray(rules.map((r, i) => segment(`s${i}`, r)), { minLength: rules.length, maxLength: rules.length }));

  interface State { features: Record<string, number>; pages: number; plan: string; consent: string[]; locale: string; metric: string }
  const state: fc.Arbitrary<State> = fc.record({
    features: fc.record({ f0: fc.integer({ min: 0, max: 4 }), f1: fc.integer({ min: 0, max: 4 }), f2: fc.integer({ min: 0, max: 4 }), f3: fc.integer({ min: 0, max: 4 }) }),
    pages: fc.integer({ min: 0, max: 4 }),
    plan: fc.constantFrom(...profileValues),
    consent: fc.subarray([...purposes]),
    locale: fc.constantFrom('de', 'fr'),
    metric: fc.constantFrom(...featureNames),
  });
  const steps = fc.array(fc.tuple(state, fc.integer({ min: 0, max: 3 * 3_600_000 })), { maxLength: 12 });

  const inputOf = (s: State, now: number): RuleInput => input({
    features: { ...s.features, t: t0 }, session: { pages: s.pages }, profile: { traits: { plan: s.plan, metric: s.metric } },
    context: { locale: s.locale }, consent: s.consent,
  }, now);
  const changesBetween = (a: State, b: State): ChangedInputs => ({
    features: new Set(featureNames.filter((f) => f !== 'f3' && a.features[f] !== b.features[f])),
    profile: a.plan !== b.plan || a.metric !== b.metric,
    session: a.pages !== b.pages,
    consent: a.consent.join() !== b.consent.join(),
  });

  it('stored memberships after update equal a from-scratch evaluation', () => {
    fc.assert(fc.property(definitions, state, steps, (defs, first, sequence) => {
      const set = new SegmentSet(defs, propertySchema, options);
      let now = t0;
      let previous = first;
      let stored = set.update({}, inputOf(first, now), 'all', now).memberships;
      for (const [next, elapsed] of sequence) {
        now += elapsed;
        const before = stored;
        const result = set.update(stored, inputOf(next, now), changesBetween(previous, next), now);
        stored = result.memberships;
        const scratch = set.update({}, inputOf(next, now), 'all', now).memberships;
        expect(ids(stored)).toEqual(ids(scratch));
        for (const id of Object.keys(stored)) expect(set.contextual.has(id)).toBe(false);
        // The changes are exactly the difference, at now; the others keep their time of entry.
        const entered = ids(stored).filter((id) => !Object.hasOwn(before, id));
        const left = ids(before).filter((id) => !Object.hasOwn(stored, id));
        expect(result.changes.filter((c) => c.kind === 'enter').map((c) => c.segment).sort()).toEqual(entered);
        expect(result.changes.filter((c) => c.kind === 'leave').map((c) => c.segment).sort()).toEqual(left);
        for (const c of result.changes) expect(c.at).toBe(now);
        for (const [id, at] of Object.entries(stored)) expect(at).toBe(entered.includes(id) ? now : before[id]);
        expect(set.current(stored, inputOf(next, now))).toEqual(set.current(scratch, inputOf(next, now)));
        previous = next;
      }
    }), settings);
  });
});
