import { Type, type Static } from 'typebox';
import { AttuneError } from '../errors/AttuneError.js';
import { consentCategoryKey, defaultConsentSettings, isPurpose, type ConsentSettings } from './ConsentState.js';

/**
 * A workspace's consent settings as an administrator writes them: what each purpose is before
 * the person decided (opt-in regimes refuse, opt-out regimes grant) and the consent categories
 * of the workspace's consent manager. What is left out keeps its built-in value, so an opt-in
 * workspace writes only `{"defaults": {"personalization": false}}`.
 *
 * @example { "defaults": { "personalization": false, "marketing": false } }
 */
export const ConsentSettingsChange = Type.Object(
  {
    defaults: Type.Optional(Type.Record(Type.String(), Type.Boolean(), {
      maxProperties: 100,
      description: 'Purpose -> granted before the person decided; merged over the built-in defaults (every standard purpose granted)',
    })),
    defaultGranted: Type.Optional(Type.Boolean({ description: 'For purposes named nowhere in `defaults` (default true)' })),
    categoryMap: Type.Optional(Type.Record(Type.String(), Type.String(), {
      maxProperties: 100,
      description: 'Consent category -> purpose; replaces the built-in map (advertising and targeting: marketing, functional: personalization, performance: analytics)',
    })),
  },
  { additionalProperties: false, title: 'ConsentSettingsChange' },
);
export type ConsentSettingsChange = Static<typeof ConsentSettingsChange>;

function purposeAt(name: string, field: string): string {
  const key = consentCategoryKey(name);
  if (!isPurpose(key)) throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `"${name}" cannot name a purpose (1 to 64 characters, not __proto__)`, field });
  return key;
}

const pointer = (...parts: string[]) => `/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;

/**
 * The settings a change stands for: names are normalised as the events' categories are
 * (lower case, spaces and hyphens as `_`), so a key matches what the consent manager sends.
 * Throws ATTUNE_INVALID_REQUEST (with the JSON pointer of the name) for a name that cannot be a purpose.
 *
 * @example resolveConsentSettings({ defaults: { Personalization: false } }).defaults.personalization // false
 */
export function resolveConsentSettings(change: ConsentSettingsChange): ConsentSettings {
  const defaults: Record<string, boolean> = { ...defaultConsentSettings.defaults };
  for (const [name, granted] of Object.entries(change.defaults ?? {})) defaults[purposeAt(name, pointer('defaults', name))] = granted;
  let categoryMap = defaultConsentSettings.categoryMap;
  if (change.categoryMap !== undefined) {
    const map: Record<string, string> = {};
    for (const [category, purpose] of Object.entries(change.categoryMap)) {
      map[purposeAt(category, pointer('categoryMap', category))] = purposeAt(purpose, pointer('categoryMap', category));
    }
    categoryMap = map;
  }
  return { categoryMap, defaults, defaultGranted: change.defaultGranted ?? defaultConsentSettings.defaultGranted };
}

/** Whether two settings read events alike (key order does not matter). */
export function sameConsentSettings(a: ConsentSettings, b: ConsentSettings): boolean {
  const canonical = (s: ConsentSettings) => JSON.stringify([sorted(s.categoryMap), sorted(s.defaults), s.defaultGranted]);
  return canonical(a) === canonical(b);
}

const sorted = <T>(record: Readonly<Record<string, T>>): [string, T][] => Object.entries(record).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
