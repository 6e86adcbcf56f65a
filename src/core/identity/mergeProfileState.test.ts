import { describe, expect, it } from 'vitest';
import { mergeProfileState, type ProfileState } from './mergeProfileState.js';
import { emptyTraits } from './traits.js';

const survivor: ProfileState = {
  id: 'p-survivor',
  firstSeen: 2_000,
  lastSeen: 5_000,
  traits: { values: { plan: 'pro', city: 'Oslo' }, updatedAt: { plan: 4_000, city: 2_000 } },
  eventCounts: { track: 3, identify: 1 },
  mergedCount: 2,
};

const absorbed: ProfileState = {
  id: 'p-absorbed',
  firstSeen: 1_000,
  lastSeen: 3_000,
  traits: { values: { plan: 'free', city: 'Bergen', email: 'x@example.com' }, updatedAt: { plan: 1_000, city: 3_000, email: 1_500 } },
  eventCounts: { track: 2, page: 4 },
  mergedCount: 1,
};

describe('mergeProfileState', () => {
  it('keeps the survivor id and unites what both profiles knew', () => {
    expect(mergeProfileState(survivor, absorbed, 'latest')).toEqual({
      id: 'p-survivor',
      firstSeen: 1_000,
      lastSeen: 5_000,
      traits: { values: { plan: 'pro', city: 'Bergen', email: 'x@example.com' }, updatedAt: { plan: 4_000, city: 3_000, email: 1_500 } },
      eventCounts: { track: 5, identify: 1, page: 4 },
      mergedCount: 4,
    });
  });

  it('counts the absorbed profile and everything it had absorbed', () => {
    expect(mergeProfileState(survivor, absorbed, 'latest').mergedCount).toBe(survivor.mergedCount + absorbed.mergedCount + 1);
    expect(mergeProfileState({ ...survivor, mergedCount: 0 }, { ...absorbed, mergedCount: 0 }, 'latest').mergedCount).toBe(1);
  });

  it('takes the later lastSeen and the earlier firstSeen whichever side they come from', () => {
    const merged = mergeProfileState({ ...survivor, firstSeen: 500, lastSeen: 900 }, { ...absorbed, firstSeen: 700, lastSeen: 9_000 }, 'latest');
    expect([merged.firstSeen, merged.lastSeen]).toEqual([500, 9_000]);
  });

  it("applies the workspace's trait strategy", () => {
    expect(mergeProfileState(survivor, absorbed, 'survivor').traits.values).toEqual({ plan: 'pro', city: 'Oslo', email: 'x@example.com' });
    expect(mergeProfileState(survivor, absorbed, 'latest').traits.values['city']).toBe('Bergen');
  });

  it('merging an empty profile adds only the merge to the count', () => {
    const empty: ProfileState = { id: 'p-empty', firstSeen: 3_000, lastSeen: 3_000, traits: emptyTraits, eventCounts: {}, mergedCount: 0 };
    expect(mergeProfileState(survivor, empty, 'latest')).toEqual({ ...survivor, mergedCount: 3 });
  });

  it('does not change either input', () => {
    const s = structuredClone(survivor);
    const a = structuredClone(absorbed);
    mergeProfileState(s, a, 'latest');
    expect([s, a]).toEqual([survivor, absorbed]);
  });
});
