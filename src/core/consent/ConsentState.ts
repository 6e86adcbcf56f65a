/** The purposes every workspace knows; workspaces may add their own. */
export const standardPurposes = ['analytics', 'personalization', 'marketing', 'sale_sharing'] as const;

export type ConsentSource = 'context' | 'traits' | 'gpc';

export interface ConsentChange {
  readonly purpose: string;
  readonly granted: boolean;
  readonly at: number;
  readonly source: ConsentSource;
}

/** The latest decision per purpose: `[granted, at, source]`. */
export type ConsentState = Record<string, [boolean, number, ConsentSource]>;

export interface ConsentSettings {
  /** Segment consent category (lower-cased) -> Attune purpose. Unmapped categories are taken as purposes of the same name. */
  readonly categoryMap: Readonly<Record<string, string>>;
  /** What a purpose is before the person said anything: opt-out regimes grant, opt-in regimes refuse. */
  readonly defaults: Readonly<Record<string, boolean>>;
  /** For purposes not in `defaults`. */
  readonly defaultGranted: boolean;
}

export const defaultConsentSettings: ConsentSettings = {
  categoryMap: { advertising: 'marketing', targeting: 'marketing', functional: 'personalization', performance: 'analytics' },
  defaults: { analytics: true, personalization: true, marketing: true, sale_sharing: true },
  defaultGranted: true,
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The purpose a category stands for; null for a name that cannot be one (empty, too long, `__proto__`). */
function purposeName(category: string, settings: ConsentSettings): string | null {
  const key = consentCategoryKey(category);
  const purpose = Object.hasOwn(settings.categoryMap, key) ? settings.categoryMap[key]! : key;
  return isPurpose(purpose) ? purpose : null;
}

/** A category or purpose name as settings key it: trimmed, lower case, runs of spaces and hyphens as `_`. */
export function consentCategoryKey(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/** Purposes are keys of plain objects (the state, the settings): `__proto__` would change a prototype instead. */
export function isPurpose(name: string): boolean {
  return name.length > 0 && name.length <= 64 && name !== '__proto__';
}

/**
 * The consent decisions an event carries: Segment's `context.consent.categoryPreferences`,
 * an identify call's `traits.consent` object, and the Global Privacy Control signal
 * (`context.globalPrivacyControl`, recorded from the `Sec-GPC: 1` header), which is an
 * opt-out of sale and sharing.
 */
export function consentChanges(body: Readonly<Record<string, unknown>>, at: number, settings: ConsentSettings): ConsentChange[] {
  const changes: ConsentChange[] = [];
  const context = isObject(body['context']) ? body['context'] : null;
  const consent = context !== null && isObject(context['consent']) ? context['consent'] : null;
  const preferences = consent !== null && isObject(consent['categoryPreferences']) ? consent['categoryPreferences'] : null;
  if (preferences !== null) {
    for (const [category, granted] of Object.entries(preferences)) {
      const purpose = purposeName(category, settings);
      if (typeof granted === 'boolean' && purpose !== null) changes.push({ purpose, granted, at, source: 'context' });
    }
  }
  const traits = body['type'] === 'identify' && isObject(body['traits']) ? body['traits'] : null;
  if (traits !== null && isObject(traits['consent'])) {
    for (const [name, granted] of Object.entries(traits['consent'])) {
      const purpose = purposeName(name, settings);
      if (typeof granted === 'boolean' && purpose !== null) changes.push({ purpose, granted, at, source: 'traits' });
    }
  }
  if (context !== null && context['globalPrivacyControl'] === true) changes.push({ purpose: 'sale_sharing', granted: false, at, source: 'gpc' });
  return changes;
}

/**
 * Applies changes in place; a change older than the recorded decision for its purpose is
 * ignored, so late events cannot undo a newer choice. Returns the changes that took effect.
 */
export function applyConsent(state: ConsentState, changes: readonly ConsentChange[]): ConsentChange[] {
  const applied: ConsentChange[] = [];
  for (const change of changes) {
    if (!isPurpose(change.purpose)) continue;
    const current = Object.hasOwn(state, change.purpose) ? state[change.purpose] : undefined;
    if (current !== undefined && current[1] > change.at) continue;
    if (current !== undefined && current[0] === change.granted) {
      current[1] = change.at;
      continue;
    }
    state[change.purpose] = [change.granted, change.at, change.source];
    applied.push(change);
  }
  return applied;
}

export function hasConsent(state: ConsentState, purpose: string, settings: ConsentSettings): boolean {
  if (Object.hasOwn(state, purpose)) return state[purpose]![0];
  return Object.hasOwn(settings.defaults, purpose) ? settings.defaults[purpose]! : settings.defaultGranted;
}

/** The purpose without which no personal features, segments or predictions exist for a person. */
export const PERSONALIZATION = 'personalization';

/**
 * Whether the person may be personalised for: the purpose `personalization`, decided by them
 * or by the workspace's default.
 *
 * @example allowsPersonalization({ personalization: [false, t, 'context'] }, defaultConsentSettings) // false
 */
export function allowsPersonalization(state: ConsentState, settings: ConsentSettings): boolean {
  return hasConsent(state, PERSONALIZATION, settings);
}

/** On a merge the more recent decision per purpose wins. */
export function mergeConsent(a: ConsentState, b: ConsentState): ConsentState {
  const merged: ConsentState = {};
  for (const source of [a, b]) {
    for (const [purpose, decision] of Object.entries(source)) {
      if (!isPurpose(purpose)) continue;
      const current = Object.hasOwn(merged, purpose) ? merged[purpose] : undefined;
      if (current === undefined || decision[1] > current[1]) merged[purpose] = [...decision];
    }
  }
  return merged;
}
