import { describe, expect, it } from 'vitest';
import { checkCaps, emptyCapState, mergeCapStates, recordClick, recordDismiss, recordImpression, type CapState } from '../decide/caps.js';
import { compileKnowledgeModel } from './KnowledgeModel.js';
import { applyEventKnowledge, emptyKnowledge, mergeKnowledge, type KnowledgeEvent, type KnowledgeState, type ProfileFacts } from './KnowledgeState.js';

/** The frequency-cap part of a profile's knowledge: decision interactions in, cap state out. */
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const at = (iso: string): number => Date.parse(iso);
const T0 = at('2026-03-20T12:00:00Z');
const LA = 'America/Los_Angeles';

const model = compileKnowledgeModel({ features: [], segments: [{ id: 'engaged', name: 'Engaged', rule: 'session.events >= 2' }] });

function facts(traits: Readonly<Record<string, unknown>> = {}): ProfileFacts {
  return { id: 'p1', traits, firstSeen: T0 - 10 * day, lastSeen: T0 };
}

function track(name: string, timestamp: number, properties: Record<string, unknown>, context: Record<string, unknown> = {}): KnowledgeEvent {
  return { type: 'track', name, timestamp, body: { type: 'track', event: name, properties, context }, traitsChanged: false };
}

const props = (actionId = 'promo', over: Record<string, unknown> = {}) => ({ decisionId: 'd-1', actionId, placement: 'home', ...over });

describe('applyEventKnowledge: decision interactions', () => {
  it('Decision Viewed records an impression in state.k and returns the interaction', () => {
    const state = emptyKnowledge();
    expect(state.k).toBeUndefined();
    const update = applyEventKnowledge(state, track('Decision Viewed', T0, props(), { timezone: 'Europe/Zurich' }), facts(), model);
    expect(update.interaction).toEqual({ kind: 'impression', decisionId: 'd-1', actionId: 'promo', placementId: 'home', channel: 'web', value: 0, at: T0, timeZone: 'Europe/Zurich' });
    expect(state.k).toEqual({ a: { promo: { t: [T0], n: 1, p: { home: { t: [T0], n: 1 } } } }, c: { web: { '2026-03-20': 1 } } });
    // The rest of the knowledge is updated as for any event.
    expect(state.s?.events).toBe(1);
    expect(update.features).toEqual([]);
  });

  it('Decision Dismissed and Decision Clicked set the cool-down times', () => {
    const state = emptyKnowledge();
    const dismissed = applyEventKnowledge(state, track('Decision Dismissed', T0, props('banner', { channel: 'popup' })), facts(), model);
    expect(dismissed.interaction).toEqual({ kind: 'dismiss', decisionId: 'd-1', actionId: 'banner', placementId: 'home', channel: 'popup', value: 0, at: T0, timeZone: null });
    const clicked = applyEventKnowledge(state, track('Decision Clicked', T0 + minute, props('promo')), facts(), model);
    expect(clicked.interaction?.kind).toBe('click');
    expect(state.k).toEqual({
      a: { banner: { t: [], n: 0, p: {}, d: T0 }, promo: { t: [], n: 0, p: {}, k: T0 + minute } },
      c: {},
    });
    expect(checkCaps(state.k!, { dismissCooldown: '1d' }, { actionId: 'banner', placementId: 'home', channel: 'popup', now: T0 + hour })).toEqual({ ok: false, cap: 'dismissCooldown', detail: 'dismissed 1h ago; cool-down 1d, 23h left' });
    expect(checkCaps(state.k!, { clickCooldown: '1d' }, { actionId: 'promo', placementId: 'home', channel: 'web', now: T0 + minute + hour })).toEqual({ ok: false, cap: 'clickCooldown', detail: 'clicked 1h ago; cool-down 1d, 23h left' });
  });

  it('Decision Converted is returned with its value; the cap state gets nothing but its empty shape', () => {
    const state = emptyKnowledge();
    const update = applyEventKnowledge(state, track('Decision Converted', T0, props('promo', { revenue: 80 })), facts(), model);
    expect(update.interaction).toEqual({ kind: 'conversion', decisionId: 'd-1', actionId: 'promo', placementId: 'home', channel: 'web', value: 80, at: T0, timeZone: null });
    expect(state.k).toEqual(emptyCapState());
  });

  it('other events report no interaction and leave state.k absent', () => {
    const state = emptyKnowledge();
    expect(applyEventKnowledge(state, track('Order Completed', T0, props()), facts(), model).interaction).toBeNull();
    expect(applyEventKnowledge(state, track('Decision Viewed', T0, { actionId: 'promo' }), facts(), model).interaction).toBeNull();
    const page: KnowledgeEvent = { type: 'page', name: 'Decision Viewed', timestamp: T0, body: { type: 'page', name: 'Decision Viewed', properties: props() }, traitsChanged: false };
    expect(applyEventKnowledge(state, page, facts(), model).interaction).toBeNull();
    expect(state.k).toBeUndefined();
    expect('k' in state).toBe(false);
  });

  it('properties or context that are not objects are ignored', () => {
    const state = emptyKnowledge();
    const event: KnowledgeEvent = { type: 'track', name: 'Decision Viewed', timestamp: T0, body: { type: 'track', properties: ['not', 'an', 'object'], context: 'x' }, traitsChanged: false };
    expect(applyEventKnowledge(state, event, facts(), model).interaction).toBeNull();
    expect(state.k).toBeUndefined();
  });

  describe('the time zone of the per-channel day', () => {
    const late = at('2026-01-16T07:30:00Z'); // 23:30 on 2026-01-15 in Los Angeles, 07:30 on 2026-01-16 in UTC

    it('comes from the event\'s context.timezone', () => {
      const state = emptyKnowledge();
      applyEventKnowledge(state, track('Decision Viewed', late, props(), { timezone: LA }), facts(), model);
      expect(state.k?.c).toEqual({ web: { '2026-01-15': 1 } });
    });

    it('falls back to the profile\'s timezone trait', () => {
      const state = emptyKnowledge();
      applyEventKnowledge(state, track('Decision Viewed', late, props()), facts({ timezone: LA }), model);
      expect(state.k?.c).toEqual({ web: { '2026-01-15': 1 } });
    });

    it('an empty context.timezone falls back to the trait too', () => {
      const state = emptyKnowledge();
      applyEventKnowledge(state, track('Decision Viewed', late, props(), { timezone: '' }), facts({ timezone: LA }), model);
      expect(state.k?.c).toEqual({ web: { '2026-01-15': 1 } });
    });

    it('the context wins over the trait', () => {
      const state = emptyKnowledge();
      applyEventKnowledge(state, track('Decision Viewed', late, props(), { timezone: 'Asia/Tokyo' }), facts({ timezone: LA }), model);
      expect(state.k?.c).toEqual({ web: { '2026-01-16': 1 } });
    });

    it('neither: UTC', () => {
      const state = emptyKnowledge();
      applyEventKnowledge(state, track('Decision Viewed', late, props()), facts({ timezone: 42 }), model);
      expect(state.k?.c).toEqual({ web: { '2026-01-16': 1 } });
    });

    it('the day buckets then cap in the profile\'s zone', () => {
      const state = emptyKnowledge();
      applyEventKnowledge(state, track('Decision Viewed', late, props('a')), facts({ timezone: LA }), model);
      applyEventKnowledge(state, track('Decision Viewed', late + 10 * minute, props('b')), facts({ timezone: LA }), model);
      const check = { actionId: 'c', placementId: 'home', channel: 'web', timeZone: LA } as const;
      expect(checkCaps(state.k!, { perChannelPerDay: 2 }, { ...check, now: late + 20 * minute })).toEqual({ ok: false, cap: 'perChannelPerDay', detail: '2 of 2 impressions on channel web on 2026-01-15' });
      expect(checkCaps(state.k!, { perChannelPerDay: 2 }, { ...check, now: late + 40 * minute })).toEqual({ ok: true });
    });
  });
});

describe('mergeKnowledge: cap states', () => {
  const base = (k?: CapState): KnowledgeState => (k === undefined ? emptyKnowledge() : { ...emptyKnowledge(), k });

  it('impressions of both profiles count; the later dismiss and click win', () => {
    let survivor = recordImpression(emptyCapState(), { actionId: 'promo', placementId: 'home', channel: 'web', at: T0 - 2 * hour });
    survivor = recordDismiss(survivor, { actionId: 'promo', at: T0 - 3 * hour });
    survivor = recordClick(survivor, { actionId: 'promo', at: T0 - hour });
    let absorbed = recordImpression(emptyCapState(), { actionId: 'promo', placementId: 'side', channel: 'web', at: T0 - 4 * hour });
    absorbed = recordImpression(absorbed, { actionId: 'other', placementId: 'home', channel: 'push', at: T0 - 30 * minute });
    absorbed = recordDismiss(absorbed, { actionId: 'promo', at: T0 - 90 * minute });
    absorbed = recordClick(absorbed, { actionId: 'promo', at: T0 - 5 * hour });
    const survivorCopy = structuredClone(survivor);
    const absorbedCopy = structuredClone(absorbed);

    const { state } = mergeKnowledge(base(survivor), base(absorbed), facts(), model, T0);
    expect(state.k).toEqual({
      a: {
        promo: {
          t: [T0 - 4 * hour, T0 - 2 * hour], n: 2,
          p: { home: { t: [T0 - 2 * hour], n: 1 }, side: { t: [T0 - 4 * hour], n: 1 } },
          d: T0 - 90 * minute,
          k: T0 - hour,
        },
        other: { t: [T0 - 30 * minute], n: 1, p: { home: { t: [T0 - 30 * minute], n: 1 } } },
      },
      c: { web: { '2026-03-20': 2 }, push: { '2026-03-20': 1 } },
    });
    // The inputs are not changed.
    expect(survivor).toEqual(survivorCopy);
    expect(absorbed).toEqual(absorbedCopy);
    // As if one person had seen them all.
    expect(checkCaps(state.k!, { perProfile: [{ max: 2, window: '24h' }] }, { actionId: 'promo', placementId: 'home', channel: 'web', now: T0 })).toEqual({ ok: false, cap: 'perProfile', detail: '2 of 2 impressions in 24h' });
    expect(checkCaps(state.k!, { perChannelPerDay: 2 }, { actionId: 'x', placementId: 'home', channel: 'web', now: T0 })).toEqual({ ok: false, cap: 'perChannelPerDay', detail: '2 of 2 impressions on channel web on 2026-03-20' });
  });

  it('equals mergeCapStates of the two cap states, in either order for the counts', () => {
    const a = recordImpression(emptyCapState(), { actionId: 'x', placementId: 'home', channel: 'web', at: T0 });
    const b = recordDismiss(recordImpression(emptyCapState(), { actionId: 'x', placementId: 'home', channel: 'web', at: T0 + minute }), { actionId: 'x', at: T0 + 2 * minute });
    expect(mergeKnowledge(base(a), base(b), facts(), model, T0).state.k).toEqual(mergeCapStates(a, b));
    expect(mergeKnowledge(base(b), base(a), facts(), model, T0).state.k).toEqual(mergeCapStates(a, b));
  });

  it('only one side has a cap state: a copy of it', () => {
    const only = recordClick(recordImpression(emptyCapState(), { actionId: 'x', placementId: 'home', channel: 'web', at: T0 }), { actionId: 'x', at: T0 + minute });
    const merged = mergeKnowledge(base(), base(only), facts(), model, T0).state.k;
    expect(merged).toEqual(only);
    expect(merged).not.toBe(only);
    expect(mergeKnowledge(base(only), base(), facts(), model, T0).state.k).toEqual(only);
  });

  it('neither side has one: none', () => {
    const { state } = mergeKnowledge(base(), base(), facts(), model, T0);
    expect('k' in state).toBe(false);
  });

  it('day buckets add up and only the latest two days are kept', () => {
    const a: CapState = { a: {}, c: { web: { '2026-03-18': 1, '2026-03-19': 2 } } };
    const b: CapState = { a: {}, c: { web: { '2026-03-19': 3, '2026-03-20': 1 } } };
    expect(mergeKnowledge(base(a), base(b), facts(), model, T0).state.k).toEqual({ a: {}, c: { web: { '2026-03-19': 5, '2026-03-20': 1 } } });
  });

  it('the lifetime count saturates at MAX_CAP (100)', () => {
    const many = (from: number): CapState => {
      let s = emptyCapState();
      for (let i = 0; i < 60; i++) s = recordImpression(s, { actionId: 'x', placementId: 'home', channel: 'web', at: from + i * minute });
      return s;
    };
    const merged = mergeKnowledge(base(many(T0)), base(many(T0 + day)), facts(), model, T0 + 2 * day).state.k;
    expect(merged?.a['x']?.n).toBe(100);
    expect(merged?.a['x']?.t).toHaveLength(100);
    expect(merged?.a['x']?.t[0]).toBe(T0 + 20 * minute);
  });
});
