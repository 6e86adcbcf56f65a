import { mergeTraits, type TraitState } from './traits.js';
import type { TraitMergeStrategy } from './types.js';

/** The mergeable state of a profile, as identity resolution sees it. */
export interface ProfileState {
  readonly id: string;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly traits: TraitState;
  readonly eventCounts: Readonly<Record<string, number>>;
  readonly mergedCount: number;
}

/** The survivor's state after absorbing another profile: the union of what both knew. */
export function mergeProfileState(survivor: ProfileState, absorbed: ProfileState, strategy: TraitMergeStrategy): ProfileState {
  const eventCounts: Record<string, number> = { ...survivor.eventCounts };
  for (const [type, n] of Object.entries(absorbed.eventCounts)) eventCounts[type] = (eventCounts[type] ?? 0) + n;
  return {
    id: survivor.id,
    firstSeen: Math.min(survivor.firstSeen, absorbed.firstSeen),
    lastSeen: Math.max(survivor.lastSeen, absorbed.lastSeen),
    traits: mergeTraits(survivor.traits, absorbed.traits, strategy),
    eventCounts,
    mergedCount: survivor.mergedCount + absorbed.mergedCount + 1,
  };
}
