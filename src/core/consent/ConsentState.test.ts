import { describe, expect, it } from 'vitest';
import {
  applyConsent, consentChanges, defaultConsentSettings, hasConsent, mergeConsent, standardPurposes,
  type ConsentChange, type ConsentSettings, type ConsentState,
} from './ConsentState.js';

const t0 = Date.parse('2024-03-01T09:15:00Z');
const minute = 60_000;

/** A track call with Segment's consent context (analytics.js consent wrappers). */
function withPreferences(categoryPreferences: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'track', event: 'Product Viewed', context: { consent: { categoryPreferences }, ...extra } };
}

const optIn: ConsentSettings = {
  categoryMap: defaultConsentSettings.categoryMap,
  defaults: { analytics: false, personalization: false, marketing: false, sale_sharing: true },
  defaultGranted: false,
};

describe('consentChanges', () => {
  it('maps Segment consent categories to purposes with the default map', () => {
    const changes = consentChanges(withPreferences({
      Advertising: true, Analytics: false, Functional: true, Performance: false, Targeting: false, Marketing: true,
      'Data Sharing': false, 'Social-Media': true,
    }), t0, defaultConsentSettings);
    expect(changes.map((c) => [c.purpose, c.granted])).toEqual([
      ['marketing', true], ['analytics', false], ['personalization', true], ['analytics', false], ['marketing', false], ['marketing', true],
      ['data_sharing', false], ['social_media', true],
    ]);
    expect(changes.every((c) => c.at === t0 && c.source === 'context')).toBe(true);
  });

  it('maps categories with a workspace map (OneTrust-style ids) and keeps unmapped ones as purposes', () => {
    const settings: ConsentSettings = { ...defaultConsentSettings, categoryMap: { c0002: 'analytics', c0003: 'personalization', c0004: 'marketing' } };
    const changes = consentChanges(withPreferences({ C0001: true, C0002: false, C0003: true, C0004: false, advertising: true }), t0, settings);
    expect(changes.map((c) => [c.purpose, c.granted])).toEqual([
      ['c0001', true], ['analytics', false], ['personalization', true], ['marketing', false], ['advertising', true],
    ]);
  });

  it('ignores values that are not true or false, and malformed consent objects', () => {
    expect(consentChanges(withPreferences({ Analytics: 'yes', Advertising: 1, Functional: null, Performance: { granted: true } }), t0, defaultConsentSettings)).toEqual([]);
    expect(consentChanges(withPreferences(['Analytics']), t0, defaultConsentSettings)).toEqual([]);
    expect(consentChanges(withPreferences('all'), t0, defaultConsentSettings)).toEqual([]);
    expect(consentChanges({ type: 'track', context: { consent: true } }, t0, defaultConsentSettings)).toEqual([]);
    expect(consentChanges({ type: 'track', context: 'x' }, t0, defaultConsentSettings)).toEqual([]);
    expect(consentChanges({}, t0, defaultConsentSettings)).toEqual([]);
  });

  it('reads traits.consent of an identify call, and only of an identify call', () => {
    const identify = { type: 'identify', userId: 'u1', traits: { email: 'a@example.com', consent: { personalization: false, Marketing: true, Advertising: false, analytics: 'no' } } };
    expect(consentChanges(identify, t0, defaultConsentSettings)).toEqual([
      { purpose: 'personalization', granted: false, at: t0, source: 'traits' },
      { purpose: 'marketing', granted: true, at: t0, source: 'traits' },
      { purpose: 'marketing', granted: false, at: t0, source: 'traits' },
    ]);
    expect(consentChanges({ ...identify, type: 'track' }, t0, defaultConsentSettings)).toEqual([]);
    expect(consentChanges({ type: 'identify', traits: { consent: true } }, t0, defaultConsentSettings)).toEqual([]);
  });

  it('records Global Privacy Control (Sec-GPC: 1) as an opt-out of sale and sharing', () => {
    expect(consentChanges({ type: 'page', context: { globalPrivacyControl: true } }, t0, defaultConsentSettings)).toEqual([
      { purpose: 'sale_sharing', granted: false, at: t0, source: 'gpc' },
    ]);
    for (const value of [false, 'true', 1, '1', null]) {
      expect(consentChanges({ type: 'page', context: { globalPrivacyControl: value } }, t0, defaultConsentSettings)).toEqual([]);
    }
  });

  it('lists context, then traits, then GPC, so that GPC wins within one event', () => {
    const body = { type: 'identify', traits: { consent: { sale_sharing: true } }, context: { consent: { categoryPreferences: { sale_sharing: true } }, globalPrivacyControl: true } };
    const changes = consentChanges(body, t0, defaultConsentSettings);
    expect(changes.map((c) => c.source)).toEqual(['context', 'traits', 'gpc']);
    const state: ConsentState = {};
    applyConsent(state, changes);
    expect(hasConsent(state, 'sale_sharing', defaultConsentSettings)).toBe(false);
    expect(state['sale_sharing']).toEqual([false, t0, 'gpc']);
  });

  it('ignores category names that are not purpose names, __proto__ included, and pollutes nothing', () => {
    const preferences = JSON.parse('{"__proto__": false, "constructor": false, "": true, "   ": true, "Analytics": true}') as Record<string, unknown>;
    const changes = consentChanges(withPreferences(preferences), t0, defaultConsentSettings);
    expect(changes.map((c) => c.purpose)).toEqual(['constructor', 'analytics']);
    const state: ConsentState = {};
    applyConsent(state, changes);
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    expect(Object.keys(state).sort()).toEqual(['analytics', 'constructor']);
    expect(hasConsent(state, 'constructor', defaultConsentSettings)).toBe(false);
    expect(hasConsent(state, 'toString', optIn)).toBe(false);
    expect(({} as Record<string, unknown>)['analytics']).toBeUndefined();
  });
});

describe('applyConsent', () => {
  const change = (purpose: string, granted: boolean, at: number, source: ConsentChange['source'] = 'context'): ConsentChange => ({ purpose, granted, at, source });

  it('records the latest decision per purpose', () => {
    const state: ConsentState = {};
    applyConsent(state, [change('analytics', false, t0), change('marketing', true, t0)]);
    applyConsent(state, [change('analytics', true, t0 + minute, 'traits')]);
    expect(state).toEqual({ analytics: [true, t0 + minute, 'traits'], marketing: [true, t0, 'context'] });
  });

  it('ignores a change older than the recorded decision, so a late event cannot undo a newer choice', () => {
    const state: ConsentState = {};
    applyConsent(state, [change('marketing', false, t0 + 10 * minute)]);
    expect(applyConsent(state, [change('marketing', true, t0)])).toEqual([]);
    expect(state['marketing']).toEqual([false, t0 + 10 * minute, 'context']);
    // Within one batch too, whatever the order of the list.
    const other: ConsentState = {};
    applyConsent(other, [change('analytics', true, t0 + minute), change('analytics', false, t0)]);
    expect(hasConsent(other, 'analytics', optIn)).toBe(true);
    // At the same time the later change wins.
    expect(applyConsent(state, [change('marketing', true, t0 + 10 * minute)])).toHaveLength(1);
    expect(hasConsent(state, 'marketing', optIn)).toBe(true);
  });

  it('returns the changes that took effect: the history of consent', () => {
    const state: ConsentState = {};
    const history: ConsentChange[] = [];
    const batches: ConsentChange[][] = [
      [change('analytics', true, t0), change('marketing', true, t0)],
      [change('analytics', true, t0 + minute)],                          // no change: not history
      [change('marketing', false, t0 + 2 * minute, 'traits')],
      [change('marketing', true, t0 + minute)],                          // older than the refusal: ignored
      [change('sale_sharing', false, t0 + 3 * minute, 'gpc')],
      [change('marketing', true, t0 + 4 * minute)],
    ];
    for (const batch of batches) history.push(...applyConsent(state, batch));
    expect(history).toEqual([
      change('analytics', true, t0), change('marketing', true, t0),
      change('marketing', false, t0 + 2 * minute, 'traits'),
      change('sale_sharing', false, t0 + 3 * minute, 'gpc'),
      change('marketing', true, t0 + 4 * minute),
    ]);
    // A repeated decision moves its time, so an older contrary one stays ignored.
    expect(state['analytics']).toEqual([true, t0 + minute, 'context']);
    expect(applyConsent(state, [change('analytics', false, t0 + 30 * 1000)])).toEqual([]);
  });

  it('a state survives a JSON round trip', () => {
    const state: ConsentState = {};
    applyConsent(state, [change('analytics', false, t0), change('sale_sharing', false, t0, 'gpc')]);
    const stored = JSON.parse(JSON.stringify(state)) as ConsentState;
    expect(stored).toEqual(state);
    expect(applyConsent(stored, [change('analytics', true, t0 - 1)])).toEqual([]);
  });

  it('never records __proto__ as a purpose', () => {
    const state: ConsentState = {};
    expect(applyConsent(state, [change('__proto__', false, t0)])).toEqual([]);
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    expect(Object.keys(state)).toEqual([]);
  });
});

describe('hasConsent', () => {
  it('with the default (opt-out) settings grants every purpose until refused', () => {
    for (const purpose of [...standardPurposes, 'custom_purpose']) expect(hasConsent({}, purpose, defaultConsentSettings)).toBe(true);
    const state: ConsentState = {};
    applyConsent(state, consentChanges(withPreferences({ Advertising: false }), t0, defaultConsentSettings));
    expect(hasConsent(state, 'marketing', defaultConsentSettings)).toBe(false);
    expect(hasConsent(state, 'analytics', defaultConsentSettings)).toBe(true);
  });

  it('with opt-in settings refuses until granted, per purpose and for unknown purposes', () => {
    expect(standardPurposes.map((p) => hasConsent({}, p, optIn))).toEqual([false, false, false, true]);
    expect(hasConsent({}, 'custom_purpose', optIn)).toBe(false);
    const state: ConsentState = {};
    applyConsent(state, consentChanges({ type: 'identify', traits: { consent: { personalization: true } } }, t0, optIn));
    expect(hasConsent(state, 'personalization', optIn)).toBe(true);
    expect(hasConsent(state, 'analytics', optIn)).toBe(false);
    applyConsent(state, consentChanges({ type: 'page', context: { globalPrivacyControl: true } }, t0 + minute, optIn));
    expect(hasConsent(state, 'sale_sharing', optIn)).toBe(false);
  });

  it('reads only own purposes of the settings and the state', () => {
    expect(hasConsent({}, 'constructor', optIn)).toBe(false);
    expect(hasConsent({}, 'hasOwnProperty', optIn)).toBe(false);
    expect(hasConsent({}, '__proto__', defaultConsentSettings)).toBe(true);
  });
});

describe('mergeConsent', () => {
  it('keeps the more recent decision per purpose and every purpose of either side', () => {
    const a: ConsentState = { analytics: [false, t0 + 5 * minute, 'context'], marketing: [true, t0, 'traits'] };
    const b: ConsentState = { analytics: [true, t0, 'context'], marketing: [false, t0 + minute, 'context'], sale_sharing: [false, t0, 'gpc'] };
    const expected: ConsentState = { analytics: [false, t0 + 5 * minute, 'context'], marketing: [false, t0 + minute, 'context'], sale_sharing: [false, t0, 'gpc'] };
    expect(mergeConsent(a, b)).toEqual(expected);
    expect(mergeConsent(b, a)).toEqual(expected);
  });

  it('keeps the first state\'s decision at equal times, and copies without changing its inputs', () => {
    const a: ConsentState = { analytics: [false, t0, 'context'] };
    const b: ConsentState = { analytics: [true, t0, 'traits'] };
    const merged = mergeConsent(a, b);
    expect(merged).toEqual({ analytics: [false, t0, 'context'] });
    applyConsent(merged, [{ purpose: 'analytics', granted: true, at: t0 + minute, source: 'context' }]);
    expect(a).toEqual({ analytics: [false, t0, 'context'] });
    expect(mergeConsent({}, {})).toEqual({});
  });

  it('skips a stored __proto__ purpose instead of changing the prototype', () => {
    const stored = JSON.parse('{"__proto__": [false, 1, "context"], "analytics": [true, 2, "context"]}') as ConsentState;
    const merged = mergeConsent(stored, {});
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.keys(merged)).toEqual(['analytics']);
  });
});
