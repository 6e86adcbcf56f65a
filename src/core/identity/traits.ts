import type { TraitMergeStrategy } from './types.js';

/** Traits with the time (event time, ms) each was last written; the times decide merges. */
export interface TraitState {
  readonly values: Readonly<Record<string, unknown>>;
  readonly updatedAt: Readonly<Record<string, number>>;
}

export const emptyTraits: TraitState = { values: {}, updatedAt: {} };

/** The time a trait was written, own properties only: `toString` is a trait name like any other. */
function writtenAt(times: Readonly<Record<string, number>>, key: string): number | undefined {
  return Object.hasOwn(times, key) ? times[key] : undefined;
}

/**
 * `__proto__` is not kept as a trait: assigning it would replace an object's prototype, and
 * it cannot be told apart from the prototype when read back.
 */
function storable(key: string): boolean {
  return key !== '__proto__';
}

/**
 * Applies an identify call's traits written at `at`. A trait already written by a later
 * event keeps its value, so events that arrive out of order still end in the latest state.
 */
export function applyTraits(state: TraitState, traits: Readonly<Record<string, unknown>>, at: number): TraitState {
  let values: Record<string, unknown> | null = null;
  let updatedAt: Record<string, number> | null = null;
  for (const [key, value] of Object.entries(traits)) {
    if (!storable(key)) continue;
    const previous = writtenAt(state.updatedAt, key);
    if (previous !== undefined && previous > at) continue;
    values ??= { ...state.values };
    updatedAt ??= { ...state.updatedAt };
    values[key] = value;
    updatedAt[key] = at;
  }
  return values === null || updatedAt === null ? state : { values, updatedAt };
}

/**
 * Combines the traits of two merging profiles.
 * - `latest` (default): per trait, the later write wins; on a tie, the survivor's.
 * - `survivor`: the survivor's traits win; the absorbed profile only fills gaps.
 */
export function mergeTraits(survivor: TraitState, absorbed: TraitState, strategy: TraitMergeStrategy): TraitState {
  const values: Record<string, unknown> = { ...survivor.values };
  const updatedAt: Record<string, number> = { ...survivor.updatedAt };
  for (const [key, value] of Object.entries(absorbed.values)) {
    if (!storable(key)) continue;
    const theirs = writtenAt(absorbed.updatedAt, key) ?? 0;
    const ours = writtenAt(survivor.updatedAt, key);
    const take = ours === undefined || (strategy === 'latest' && theirs > ours);
    if (take) {
      values[key] = value;
      updatedAt[key] = theirs;
    }
  }
  return { values, updatedAt };
}
