import { describe, expect, it } from 'vitest';
import { AttuneError } from '../errors/AttuneError.js';
import { resolveConsentSettings, sameConsentSettings } from './ConsentSettingsChange.js';
import { defaultConsentSettings } from './ConsentState.js';

describe('resolveConsentSettings', () => {
  it.each([
    ['nothing: the built-in settings', {}, defaultConsentSettings],
    ['an opt-in purpose, merged over the built-in defaults, its name normalised', { defaults: { Personalization: false } },
      { ...defaultConsentSettings, defaults: { ...defaultConsentSettings.defaults, personalization: false } }],
    ['a category map replaces the built-in one, keys as the events\' categories are read', { categoryMap: { 'Ad Tracking': 'Marketing' }, defaultGranted: false },
      { categoryMap: { ad_tracking: 'marketing' }, defaults: defaultConsentSettings.defaults, defaultGranted: false }],
  ])('%s', (_name, change, expected) => {
    expect(resolveConsentSettings(change)).toEqual(expected);
  });

  it.each([
    [{ defaults: { '  ': true } }, '/defaults/  '],
    [{ categoryMap: { 'a/b': '__proto__' } }, '/categoryMap/a~1b'],
  ])('refuses a name that cannot be a purpose: %j', (change, field) => {
    try {
      resolveConsentSettings(change);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AttuneError);
      expect((error as AttuneError).field).toBe(field);
    }
  });

  it('compares settings by content, not key order', () => {
    const reordered = { ...defaultConsentSettings, defaults: Object.fromEntries(Object.entries(defaultConsentSettings.defaults).reverse()) };
    expect(sameConsentSettings(defaultConsentSettings, reordered)).toBe(true);
    expect(sameConsentSettings(defaultConsentSettings, resolveConsentSettings({ defaults: { marketing: false } }))).toBe(false);
  });
});
