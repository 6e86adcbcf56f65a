import fc from 'fast-check';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import cases from './caps.cases.json' with { type: 'json' };
import {
  CapRules, MAX_CAP, MAX_WINDOW_MS, capRuleProblems, checkCaps, emptyCapState, localDay, recordDismiss, recordImpression,
  type CapCheck, type CapState, type ImpressionInput,
} from './caps.js';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const at = (iso: string): number => Date.parse(iso);
const T0 = at('2026-03-20T12:00:00Z');

const base = { actionId: 'promo', placementId: 'home_hero', channel: 'web', timeZone: 'Europe/Zurich' } as const;
function shown(state: CapState, when: number, over: Partial<ImpressionInput> = {}): CapState {
  return recordImpression(state, { ...base, at: when, ...over });
}
function check(state: CapState, rules: CapRules, now: number, over: Partial<CapCheck> = {}) {
  return checkCaps(state, rules, { ...base, now, ...over });
}

describe('localDay (caps.cases.json)', () => {
  it.each(cases.localDay as [string, string, string | null, string][])('%s', (_name, iso, zone, expected) => {
    expect(localDay(at(iso), zone)).toBe(expected);
  });
});

describe('CapRules', () => {
  const validate = Compile(CapRules);
  it('accepts the documented shape', () => {
    const rules = { perProfile: [{ max: 3, window: '24h' }, { max: 10, window: 'lifetime' }], perPlacement: [{ max: 1, window: 'session' }], perChannelPerDay: 2, dismissCooldown: '7d', budget: 10_000 };
    expect(validate.Check(rules)).toBe(true);
    expect(capRuleProblems(rules)).toEqual([]);
  });
  it.each([
    ['an unknown window', { perProfile: [{ max: 1, window: 'week' }] }],
    ['a zero max', { perProfile: [{ max: 0, window: '1h' }] }],
    ['a max above MAX_CAP', { perProfile: [{ max: MAX_CAP + 1, window: '1h' }] }],
    ['a cool-down that is not a duration', { dismissCooldown: 'lifetime' }],
    ['an unknown field', { perDay: 1 }],
  ])('rejects %s', (_name, rules) => {
    expect(validate.Check(rules)).toBe(false);
  });
  it('reports windows and cool-downs beyond 90d', () => {
    expect(capRuleProblems({ perProfile: [{ max: 1, window: '90d' }], perPlacement: [{ max: 1, window: '13w' }], dismissCooldown: '91d' })).toEqual([
      'perPlacement[0].window: 13w is not a duration of at most 90d',
      'dismissCooldown: 91d is not a duration of at most 90d',
    ]);
  });
});

describe('checkCaps', () => {
  it('passes every cap on an empty state', () => {
    const rules: CapRules = { perProfile: [{ max: 1, window: '24h' }, { max: 1, window: 'lifetime' }, { max: 1, window: 'session' }, { max: 1, window: 'day' }], perPlacement: [{ max: 1, window: '7d' }], perChannelPerDay: 1, dismissCooldown: '1d', budget: 1 };
    expect(check(emptyCapState(), rules, T0, { sessionStart: T0 - hour, budgetUsed: 0 })).toEqual({ ok: true });
  });

  it('perProfile over a rolling window, with an injected clock', () => {
    const rules: CapRules = { perProfile: [{ max: 2, window: '24h' }] };
    const state = shown(shown(emptyCapState(), T0), T0 + hour);
    expect(check(emptyCapState(), rules, T0)).toEqual({ ok: true });
    expect(check(shown(emptyCapState(), T0), rules, T0)).toEqual({ ok: true });
    expect(check(state, rules, T0 + 2 * hour)).toEqual({ ok: false, cap: 'perProfile', detail: '2 of 2 impressions in 24h' });
    // The first impression leaves the window exactly 24h later.
    expect(check(state, rules, T0 + day - 1).ok).toBe(false);
    expect(check(state, rules, T0 + day)).toEqual({ ok: true });
    // Other actions are not counted.
    expect(check(state, rules, T0 + 2 * hour, { actionId: 'other' })).toEqual({ ok: true });
  });

  it('perProfile for the lifetime of the profile', () => {
    const rules: CapRules = { perProfile: [{ max: 3, window: 'lifetime' }] };
    let state = emptyCapState();
    for (const offset of [0, 30 * day, 60 * day]) state = shown(state, T0 + offset);
    expect(check(state, rules, T0 + 60 * day)).toEqual({ ok: false, cap: 'perProfile', detail: '3 of 3 impressions in total' });
    expect(check(state, rules, T0 + 3650 * day).ok).toBe(false);
    expect(check(state, { perProfile: [{ max: 4, window: 'lifetime' }] }, T0 + 3650 * day)).toEqual({ ok: true });
  });

  it('perProfile per session', () => {
    const rules: CapRules = { perProfile: [{ max: 1, window: 'session' }] };
    const state = shown(emptyCapState(), T0);
    expect(check(state, rules, T0 + minute, { sessionStart: T0 - minute })).toEqual({ ok: false, cap: 'perProfile', detail: '1 of 1 impressions this session' });
    expect(check(state, rules, T0 + hour, { sessionStart: T0 + 30 * minute })).toEqual({ ok: true });
    // No live session: the next impression starts one.
    expect(check(state, rules, T0 + minute)).toEqual({ ok: true });
  });

  it('perProfile per calendar day in the profile\'s time zone', () => {
    const rules: CapRules = { perProfile: [{ max: 1, window: 'day' }] };
    // 23:30 and 00:30 in Zurich (CET), one hour apart, are on two days.
    const state = shown(emptyCapState(), at('2026-03-20T22:30:00Z'));
    expect(check(state, rules, at('2026-03-20T23:30:00Z'))).toEqual({ ok: true });
    expect(check(state, rules, at('2026-03-20T22:59:00Z'))).toEqual({ ok: false, cap: 'perProfile', detail: '1 of 1 impressions today' });
    // In New York both instants are on 2026-03-20.
    expect(check(state, rules, at('2026-03-20T23:30:00Z'), { timeZone: 'America/New_York' }).ok).toBe(false);
  });

  it('perPlacement counts the action in the placement asked for', () => {
    const rules: CapRules = { perPlacement: [{ max: 1, window: '7d' }] };
    const state = shown(emptyCapState(), T0);
    expect(check(state, rules, T0 + day)).toEqual({ ok: false, cap: 'perPlacement', detail: '1 of 1 impressions in placement home_hero in 7d' });
    expect(check(state, rules, T0 + day, { placementId: 'sidebar' })).toEqual({ ok: true });
    expect(check(state, rules, T0 + 7 * day)).toEqual({ ok: true });
  });

  describe('perChannelPerDay, in the profile\'s time zone', () => {
    const rules: CapRules = { perChannelPerDay: 2 };
    it('counts every action on the channel, not other channels', () => {
      let state = shown(emptyCapState(), T0, { actionId: 'a' });
      state = shown(state, T0 + hour, { actionId: 'b' });
      state = shown(state, T0 + hour, { actionId: 'c', channel: 'push' });
      expect(check(state, rules, T0 + 2 * hour)).toEqual({ ok: false, cap: 'perChannelPerDay', detail: '2 of 2 impressions on channel web on 2026-03-20' });
      expect(check(state, rules, T0 + 2 * hour, { channel: 'push' })).toEqual({ ok: true });
    });
    it('23:30 and 00:30 local are on different days though 1 hour apart', () => {
      const tz = 'Asia/Kolkata';
      const state = shown(shown(emptyCapState(), at('2026-03-20T17:50:00Z'), { timeZone: tz }), at('2026-03-20T18:00:00Z'), { timeZone: tz }); // 23:20, 23:30 IST
      expect(check(state, rules, at('2026-03-20T18:25:00Z'), { timeZone: tz }).ok).toBe(false); // 23:55
      expect(check(state, rules, at('2026-03-20T19:00:00Z'), { timeZone: tz })).toEqual({ ok: true }); // 00:30 the next day
    });
    it('the 23-hour day when summer time starts (Europe/Zurich)', () => {
      const tz = 'Europe/Zurich';
      // 00:10 CET and 23:50 CEST on 2026-03-29: 22h40m apart, the same local day.
      const state = shown(shown(emptyCapState(), at('2026-03-28T23:10:00Z'), { timeZone: tz }), at('2026-03-29T21:50:00Z'), { timeZone: tz });
      expect(check(state, rules, at('2026-03-29T21:55:00Z'), { timeZone: tz }).ok).toBe(false);
      expect(check(state, rules, at('2026-03-29T22:00:00Z'), { timeZone: tz })).toEqual({ ok: true });
    });
    it('the 25-hour day when summer time ends (America/New_York)', () => {
      const tz = 'America/New_York';
      // 00:10 EDT and 23:50 EST on 2026-11-01: 24h40m apart, the same local day.
      const state = shown(shown(emptyCapState(), at('2026-11-01T04:10:00Z'), { timeZone: tz }), at('2026-11-02T04:50:00Z'), { timeZone: tz });
      expect(check(state, rules, at('2026-11-02T04:55:00Z'), { timeZone: tz })).toEqual({ ok: false, cap: 'perChannelPerDay', detail: '2 of 2 impressions on channel web on 2026-11-01' });
      expect(check(state, rules, at('2026-11-02T05:00:00Z'), { timeZone: tz })).toEqual({ ok: true });
    });
    it('across the date line', () => {
      // 10:00Z is already 2026-03-21 in Kiritimati (+14) and still 2026-03-20 in Pago Pago (-11).
      const state = shown(shown(emptyCapState(), at('2026-03-20T09:00:00Z'), { timeZone: 'Pacific/Kiritimati' }), at('2026-03-20T09:30:00Z'), { timeZone: 'Pacific/Kiritimati' });
      expect(check(state, rules, at('2026-03-20T09:45:00Z'), { timeZone: 'Pacific/Kiritimati' }).ok).toBe(false);
      expect(check(state, rules, at('2026-03-20T10:00:00Z'), { timeZone: 'Pacific/Kiritimati' })).toEqual({ ok: true });
    });
  });

  it('dismissCooldown after a dismiss', () => {
    const rules: CapRules = { dismissCooldown: '1d' };
    const state = recordDismiss(emptyCapState(), { actionId: 'promo', at: T0 });
    expect(check(state, rules, T0 + hour)).toEqual({ ok: false, cap: 'dismissCooldown', detail: 'dismissed 1h ago; cool-down 1d, 23h left' });
    expect(check(state, rules, T0 + day - 1).ok).toBe(false);
    expect(check(state, rules, T0 + day)).toEqual({ ok: true });
    expect(check(state, rules, T0 + hour, { actionId: 'other' })).toEqual({ ok: true });
    // An older dismiss arriving late does not shorten the cool-down.
    recordDismiss(state, { actionId: 'promo', at: T0 - 10 * day });
    expect(check(state, rules, T0 + hour).ok).toBe(false);
  });

  it('budget across all profiles', () => {
    const rules: CapRules = { budget: 1000 };
    expect(check(emptyCapState(), rules, T0, { budgetUsed: 999 })).toEqual({ ok: true });
    expect(check(emptyCapState(), rules, T0, { budgetUsed: 1000 })).toEqual({ ok: false, cap: 'budget', detail: '1000 of 1000 impressions of the budget used' });
    expect(check(emptyCapState(), rules, T0)).toEqual({ ok: false, cap: 'budget', detail: 'budget of 1000 impressions; usage unknown' });
  });

  it('reports the first cap hit, in the order of CapRules', () => {
    const rules: CapRules = { perProfile: [{ max: 1, window: '1h' }], perPlacement: [{ max: 1, window: '1h' }], perChannelPerDay: 1, dismissCooldown: '1h', budget: 1 };
    const state = recordDismiss(shown(emptyCapState(), T0), { actionId: 'promo', at: T0 });
    const now = T0 + minute;
    expect(check(state, rules, now, { budgetUsed: 1 })).toMatchObject({ cap: 'perProfile' });
    expect(check(state, { ...rules, perProfile: [] }, now, { budgetUsed: 1 })).toMatchObject({ cap: 'perPlacement' });
    expect(check(state, { ...rules, perProfile: [], perPlacement: [] }, now, { budgetUsed: 1 })).toMatchObject({ cap: 'perChannelPerDay' });
    expect(check(state, { dismissCooldown: '1h', budget: 1 }, now, { budgetUsed: 1 })).toMatchObject({ cap: 'dismissCooldown' });
    expect(check(state, { budget: 1 }, now, { budgetUsed: 1 })).toMatchObject({ cap: 'budget' });
  });

  it('returns a value, not an exception, for windows beyond 90d', () => {
    expect(check(emptyCapState(), { perProfile: [{ max: 1, window: '100d' }] }, T0)).toEqual({ ok: false, cap: 'perProfile', detail: 'invalid window 100d' });
    expect(check(emptyCapState(), { dismissCooldown: '20w' }, T0)).toEqual({ ok: false, cap: 'dismissCooldown', detail: 'invalid cool-down 20w' });
  });
});

describe('CapState', () => {
  const windows = ['30m', '1h', '24h', '7d', '30d', '90d', 'day', 'lifetime'] as const;
  const stream = fc.array(
    fc.record({
      gap: fc.oneof(fc.integer({ min: 0, max: 10 * minute }), fc.integer({ min: 0, max: 10 * minute }), fc.integer({ min: 0, max: 2 * day })),
      jitter: fc.integer({ min: -hour, max: 0 }),
      actionId: fc.constantFrom('a', 'b', 'c'),
      placementId: fc.constantFrom('p1', 'p2'),
      channel: fc.constantFrom('web', 'push'),
      dismiss: fc.boolean(),
    }),
    { minLength: 1, maxLength: 1500 },
  );

  it('stays bounded and answers as if it kept every impression (long random stream)', () => {
    fc.assert(fc.property(stream, fc.constantFrom('Europe/Zurich', 'America/New_York', 'Pacific/Chatham'), fc.constantFrom(...windows), fc.oneof(fc.integer({ min: 1, max: MAX_CAP }), fc.integer({ min: MAX_CAP - 5, max: MAX_CAP })), (events, timeZone, window, max) => {
      const state = emptyCapState();
      const all: { actionId: string; placementId: string; channel: string; at: number }[] = [];
      let clock = T0;
      for (const e of events) {
        clock += e.gap;
        const when = clock + e.jitter;
        if (e.dismiss) recordDismiss(state, { actionId: e.actionId, at: when });
        recordImpression(state, { actionId: e.actionId, placementId: e.placementId, channel: e.channel, at: when, timeZone });
        all.push({ actionId: e.actionId, placementId: e.placementId, channel: e.channel, at: when });
      }
      // Bounded.
      for (const action of Object.values(state.a)) {
        for (const log of [action, ...Object.values(action.p)]) {
          expect(log.t.length).toBeLessThanOrEqual(MAX_CAP);
          expect(log.n).toBeLessThanOrEqual(MAX_CAP);
          expect(log.t.every((t, i) => t > clock - MAX_WINDOW_MS && (i === 0 || log.t[i - 1]! <= t))).toBe(true);
        }
      }
      for (const days of Object.values(state.c)) expect(Object.keys(days).length).toBeLessThanOrEqual(2);
      // The same answers as a reference that keeps everything.
      const now = clock + hour;
      const inWindow = (t: number): boolean =>
        window === 'lifetime' ? true : window === 'day' ? localDay(t, timeZone) === localDay(now, timeZone) : t > now - (window === '30m' ? 30 * minute : window === '1h' ? hour : window === '24h' ? day : Number(window.slice(0, -1)) * day);
      for (const actionId of ['a', 'b', 'c']) {
        const mine = all.filter((e) => e.actionId === actionId);
        expect(check(state, { perProfile: [{ max, window }] }, now, { actionId, timeZone }).ok).toBe(mine.filter((e) => inWindow(e.at)).length < max);
        expect(check(state, { perPlacement: [{ max, window }] }, now, { actionId, placementId: 'p1', timeZone }).ok).toBe(mine.filter((e) => e.placementId === 'p1' && inWindow(e.at)).length < max);
      }
      const today = all.filter((e) => e.channel === 'web' && localDay(e.at, timeZone) === localDay(now, timeZone)).length;
      expect(check(state, { perChannelPerDay: max }, now, { timeZone }).ok).toBe(today < max);
      // JSON round trip.
      const copy = JSON.parse(JSON.stringify(state)) as CapState;
      expect(copy).toEqual(state);
      const rules: CapRules = { perProfile: [{ max, window }], perChannelPerDay: max, dismissCooldown: '2d' };
      expect(check(copy, rules, now, { timeZone })).toEqual(check(state, rules, now, { timeZone }));
    }), { numRuns: 60 });
  });

  it('keeps the latest MAX_CAP impressions, enough for the largest cap', () => {
    let state = emptyCapState();
    for (let i = 0; i < MAX_CAP + 50; i++) state = shown(state, T0 + i * minute);
    expect(state.a['promo']?.t).toHaveLength(MAX_CAP);
    expect(state.a['promo']?.t[0]).toBe(T0 + 50 * minute);
    const now = T0 + (MAX_CAP + 50) * minute;
    expect(check(state, { perProfile: [{ max: MAX_CAP, window: '3h' }] }, now)).toEqual({ ok: false, cap: 'perProfile', detail: `${MAX_CAP} of ${MAX_CAP} impressions in 3h` });
    expect(check(state, { perPlacement: [{ max: MAX_CAP, window: 'lifetime' }] }, now).ok).toBe(false);
  });

  it('drops a dismiss once no cool-down can need it', () => {
    const state = recordDismiss(emptyCapState(), { actionId: 'promo', at: T0 });
    shown(state, T0 + MAX_WINDOW_MS);
    expect(state.a['promo']?.d).toBeUndefined();
  });

  it('round-trips through JSON', () => {
    let state = recordDismiss(shown(shown(emptyCapState(), T0), T0 + hour, { placementId: 'sidebar', channel: 'push' }), { actionId: 'promo', at: T0 + 2 * hour });
    state = JSON.parse(JSON.stringify(state)) as CapState;
    expect(state).toEqual({
      a: { promo: { t: [T0, T0 + hour], n: 2, p: { home_hero: { t: [T0], n: 1 }, sidebar: { t: [T0 + hour], n: 1 } }, d: T0 + 2 * hour } },
      c: { web: { '2026-03-20': 1 }, push: { '2026-03-20': 1 } },
    });
  });
});
