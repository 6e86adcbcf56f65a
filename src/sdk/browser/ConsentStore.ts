import type { PreferenceStore } from './preferenceStore.js';

/**
 * The visitor's choices per consent category. A category left out is not decided: the
 * site's defaults apply (opt-out regimes grant, opt-in regimes refuse until asked).
 */
export interface ConsentPreferences {
  readonly analytics?: boolean;
  readonly personalization?: boolean;
  readonly marketing?: boolean;
}

export type ConsentCategory = keyof ConsentPreferences;

const categories: readonly ConsentCategory[] = ['analytics', 'personalization', 'marketing'];

function parse(text: string | null): ConsentPreferences {
  if (text === null) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return {};
    const choices: Record<string, boolean> = {};
    for (const category of categories) {
      const choice = (value as Record<string, unknown>)[category];
      if (typeof choice === 'boolean') choices[category] = choice;
    }
    return choices;
  } catch {
    return {};
  }
}

/** Consent choices kept on the device, read by every call that sends or decides. */
export class ConsentStore {
  private current: ConsentPreferences;

  constructor(
    private readonly store: PreferenceStore,
    private readonly key: string,
    private readonly defaults: ConsentPreferences,
  ) {
    this.current = parse(store.get(key));
  }

  /** What the visitor chose; only these are sent as context.consent.categoryPreferences. */
  get choices(): ConsentPreferences {
    return { ...this.current };
  }

  allows(category: ConsentCategory): boolean {
    return this.current[category] ?? this.defaults[category] ?? true;
  }

  /** Merges new choices over the stored ones; returns the result. */
  update(choices: ConsentPreferences): ConsentPreferences {
    const next: Record<string, boolean> = { ...this.current };
    for (const category of categories) {
      const choice = choices[category];
      if (typeof choice === 'boolean') next[category] = choice;
    }
    this.current = next;
    this.store.set(this.key, JSON.stringify(next));
    return this.choices;
  }
}
