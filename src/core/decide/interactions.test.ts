import { describe, expect, it } from 'vitest';
import { checkCaps, emptyCapState, type CapState } from './caps.js';
import cases from './interactions.cases.json' with { type: 'json' };
import { applyInteraction, interactionEvents, readInteraction, type Interaction } from './interactions.js';
import type { UnreadableSink } from '../common/readNumber.js';

type EventInput = Parameters<typeof readInteraction>[0];

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const at = (iso: string): number => Date.parse(iso);
const T0 = at('2026-03-20T12:00:00Z');

function interaction(kind: Interaction['kind'], over: Partial<Interaction> = {}): Interaction {
  return { kind, decisionId: 'd-1', actionId: 'promo', placementId: 'home', channel: 'web', value: 0, at: T0, timeZone: null, ...over };
}

describe('interactionEvents', () => {
  it('names the four events and what they are', () => {
    expect(interactionEvents).toEqual({
      'Decision Viewed': 'impression',
      'Decision Clicked': 'click',
      'Decision Dismissed': 'dismiss',
      'Decision Converted': 'conversion',
    });
  });
});

describe('readInteraction (interactions.cases.json)', () => {
  it.each(cases.read as [string, EventInput, Interaction][])('%s', (_name, event, expected) => {
    expect(readInteraction(event)).toEqual(expected);
  });
  it.each(cases.notAnInteraction as [string, EventInput][])('null for %s', (_name, event) => {
    expect(readInteraction(event)).toBeNull();
  });
});

describe('readInteraction, unreadable values', () => {
  const converted = (properties: Record<string, unknown>): EventInput => ({ type: 'track', name: 'Decision Converted', timestamp: T0, properties: { decisionId: 'd', actionId: 'a', placement: 'p', ...properties } });

  it('reports a value that is present but not a number, and the conversion still counts', () => {
    const sink: UnreadableSink = [];
    expect(readInteraction(converted({ value: 'ten', revenue: { amount: 7 } }), sink)?.value).toBe(0);
    expect(sink).toEqual([{ path: 'properties.value', reason: 'malformed_string' }, { path: 'properties.revenue', reason: 'wrong_type' }]);
  });

  it('reports nothing for a missing value, a number, a numeric string, or an event that is not a conversion', () => {
    const sink: UnreadableSink = [];
    readInteraction(converted({}), sink);
    readInteraction(converted({ value: 3, revenue: 'x' }), sink);
    readInteraction(converted({ revenue: '-1.5e2' }), sink);
    readInteraction({ ...converted({ value: 'x' }), name: 'Decision Clicked' }, sink);
    expect(sink).toEqual([]);
  });
});

describe('readInteraction, limits', () => {
  const event = (properties: Record<string, unknown>): EventInput => ({ type: 'track', name: 'Decision Viewed', timestamp: T0, properties: { decisionId: 'd', actionId: 'a', placement: 'p', ...properties } });

  it('ids of up to 200 characters', () => {
    expect(readInteraction(event({ decisionId: 'x'.repeat(200) }))?.decisionId).toBe('x'.repeat(200));
    expect(readInteraction(event({ decisionId: 'x'.repeat(201) }))).toBeNull();
    expect(readInteraction(event({ actionId: 'x'.repeat(201) }))).toBeNull();
    expect(readInteraction(event({ placement: 'x'.repeat(201) }))).toBeNull();
  });

  it('a channel of up to 40 characters; a longer one is web', () => {
    expect(readInteraction(event({ channel: 'c'.repeat(40) }))?.channel).toBe('c'.repeat(40));
    expect(readInteraction(event({ channel: 'c'.repeat(41) }))?.channel).toBe('web');
  });

  it('a value that is not finite counts as 0, without falling back to revenue', () => {
    expect(readInteraction(event({ value: Number.POSITIVE_INFINITY, revenue: 5 }))?.value).toBe(0);
    expect(readInteraction(event({ value: Number.NaN, revenue: 5 }))?.value).toBe(0);
    expect(readInteraction(event({ revenue: Number.NEGATIVE_INFINITY }))?.value).toBe(0);
  });

  it('a negative value is kept (a refund)', () => {
    expect(readInteraction({ ...event({ value: -15 }), name: 'Decision Converted' })?.value).toBe(-15);
  });

  it('the time is the event\'s timestamp', () => {
    expect(readInteraction({ ...event({}), timestamp: 42 })?.at).toBe(42);
  });
});

describe('applyInteraction', () => {
  it('an impression counts toward windowed, placement and per-channel caps, in place', () => {
    const state = emptyCapState();
    const returned = applyInteraction(state, interaction('impression', { timeZone: 'Europe/Zurich' }));
    expect(returned).toBe(state);
    expect(state).toEqual({
      a: { promo: { t: [T0], n: 1, p: { home: { t: [T0], n: 1 } } } },
      c: { web: { '2026-03-20': 1 } },
    });
  });

  it('the per-channel day is the local day of the interaction\'s time zone', () => {
    const late = at('2026-01-16T07:30:00Z'); // 23:30 on 2026-01-15 in Los Angeles
    expect(applyInteraction(emptyCapState(), interaction('impression', { at: late, timeZone: 'America/Los_Angeles' })).c).toEqual({ web: { '2026-01-15': 1 } });
    expect(applyInteraction(emptyCapState(), interaction('impression', { at: late, timeZone: null })).c).toEqual({ web: { '2026-01-16': 1 } });
    expect(applyInteraction(emptyCapState(), interaction('impression', { at: late, timeZone: 'Not/AZone' })).c).toEqual({ web: { '2026-01-16': 1 } });
  });

  it('impressions add up per action, placement and channel', () => {
    let state = emptyCapState();
    state = applyInteraction(state, interaction('impression', { at: T0 }));
    state = applyInteraction(state, interaction('impression', { at: T0 + hour, placementId: 'side' }));
    state = applyInteraction(state, interaction('impression', { at: T0 + 2 * hour, actionId: 'other', channel: 'push' }));
    expect(state).toEqual({
      a: {
        promo: { t: [T0, T0 + hour], n: 2, p: { home: { t: [T0], n: 1 }, side: { t: [T0 + hour], n: 1 } } },
        other: { t: [T0 + 2 * hour], n: 1, p: { home: { t: [T0 + 2 * hour], n: 1 } } },
      },
      c: { web: { '2026-03-20': 2 }, push: { '2026-03-20': 1 } },
    });
    expect(checkCaps(state, { perProfile: [{ max: 2, window: '24h' }] }, { actionId: 'promo', placementId: 'home', channel: 'web', now: T0 + 3 * hour })).toEqual({ ok: false, cap: 'perProfile', detail: '2 of 2 impressions in 24h' });
    expect(checkCaps(state, { perPlacement: [{ max: 2, window: '24h' }] }, { actionId: 'promo', placementId: 'home', channel: 'web', now: T0 + 3 * hour })).toEqual({ ok: true });
  });

  it('a dismiss starts the dismiss cool-down; the latest dismiss wins', () => {
    const state = applyInteraction(emptyCapState(), interaction('dismiss', { at: T0 }));
    expect(state).toEqual({ a: { promo: { t: [], n: 0, p: {}, d: T0 } }, c: {} });
    applyInteraction(state, interaction('dismiss', { at: T0 + hour }));
    expect(state.a['promo']?.d).toBe(T0 + hour);
    // A late, older dismiss does not move it back.
    applyInteraction(state, interaction('dismiss', { at: T0 - day }));
    expect(state.a['promo']?.d).toBe(T0 + hour);
    const check = { actionId: 'promo', placementId: 'home', channel: 'web' } as const;
    expect(checkCaps(state, { dismissCooldown: '1d' }, { ...check, now: T0 + day })).toEqual({ ok: false, cap: 'dismissCooldown', detail: 'dismissed 23h ago; cool-down 1d, 1h left' });
    expect(checkCaps(state, { dismissCooldown: '1d' }, { ...check, now: T0 + day + hour })).toEqual({ ok: true });
    // A dismiss is not an impression.
    expect(checkCaps(state, { perProfile: [{ max: 1, window: 'lifetime' }] }, { ...check, now: T0 + day })).toEqual({ ok: true });
  });

  it('a click starts the click cool-down; the latest click wins; it is not a dismiss', () => {
    const state = applyInteraction(emptyCapState(), interaction('click', { at: T0 }));
    expect(state).toEqual({ a: { promo: { t: [], n: 0, p: {}, k: T0 } }, c: {} });
    applyInteraction(state, interaction('click', { at: T0 - hour }));
    expect(state.a['promo']?.k).toBe(T0);
    applyInteraction(state, interaction('click', { at: T0 + 2 * day }));
    expect(state.a['promo']?.k).toBe(T0 + 2 * day);
    const check = { actionId: 'promo', placementId: 'home', channel: 'web', now: T0 + 3 * day } as const;
    expect(checkCaps(state, { clickCooldown: '7d' }, check)).toEqual({ ok: false, cap: 'clickCooldown', detail: 'clicked 1d ago; cool-down 7d, 6d left' });
    expect(checkCaps(state, { dismissCooldown: '7d' }, check)).toEqual({ ok: true });
  });

  it('a conversion changes nothing in the cap state', () => {
    const state: CapState = applyInteraction(emptyCapState(), interaction('impression'));
    const before = structuredClone(state);
    const returned = applyInteraction(state, interaction('conversion', { value: 99 }));
    expect(returned).toBe(state);
    expect(state).toEqual(before);
    expect(applyInteraction(emptyCapState(), interaction('conversion'))).toEqual(emptyCapState());
  });

  it('read and applied: the events of a visit', () => {
    let state = emptyCapState();
    const events: EventInput[] = [
      { type: 'track', name: 'Decision Viewed', timestamp: T0, properties: { decisionId: 'd-1', actionId: 'promo', placement: 'home' }, context: { timezone: 'Asia/Tokyo' } },
      { type: 'track', name: 'Decision Clicked', timestamp: T0 + minute, properties: { decisionId: 'd-1', actionId: 'promo', placement: 'home' } },
      { type: 'track', name: 'Decision Converted', timestamp: T0 + 5 * minute, properties: { decisionId: 'd-1', actionId: 'promo', placement: 'home', revenue: 30 } },
      { type: 'track', name: 'Decision Viewed', timestamp: T0 + 6 * minute, properties: { decisionId: 'd-2', actionId: 'banner', placement: 'side', channel: 'popup' }, context: { timezone: 'Asia/Tokyo' } },
      { type: 'track', name: 'Decision Dismissed', timestamp: T0 + 7 * minute, properties: { decisionId: 'd-2', actionId: 'banner', placement: 'side', channel: 'popup' } },
      { type: 'page', name: 'Decision Viewed', timestamp: T0 + 8 * minute, properties: { decisionId: 'd-3', actionId: 'promo', placement: 'home' } },
    ];
    for (const event of events) {
      const read = readInteraction(event);
      if (read !== null) state = applyInteraction(state, read);
    }
    expect(state).toEqual({
      a: {
        promo: { t: [T0], n: 1, p: { home: { t: [T0], n: 1 } }, k: T0 + minute },
        banner: { t: [T0 + 6 * minute], n: 1, p: { side: { t: [T0 + 6 * minute], n: 1 } }, d: T0 + 7 * minute },
      },
      // 12:00Z is 21:00 on 2026-03-20 in Tokyo.
      c: { web: { '2026-03-20': 1 }, popup: { '2026-03-20': 1 } },
    });
  });
});
