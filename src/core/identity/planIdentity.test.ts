import { describe, expect, it } from 'vitest';
import { planIdentity, type EventIds, type IdentityPlan, type ProfileLookup } from './planIdentity.js';
import { defaultIdentitySettings, identityKeyString, type IdentityKey, type IdentitySettings, type ProfileFacts } from './types.js';

interface KnownProfile {
  readonly users?: readonly string[];
  readonly anonymous?: readonly string[];
  readonly mergedCount?: number;
}

/** A lookup over profiles described by the ids they are known by. */
function world(profiles: Readonly<Record<string, KnownProfile>>): ProfileLookup & { readonly asked: string[] } {
  const index = new Map<string, ProfileFacts>();
  for (const [id, p] of Object.entries(profiles)) {
    const facts: ProfileFacts = { id, mergedCount: p.mergedCount ?? 0, userIds: p.users ?? [] };
    for (const u of p.users ?? []) index.set(`user:${u}`, facts);
    for (const a of p.anonymous ?? []) index.set(`anonymous:${a}`, facts);
  }
  const asked: string[] = [];
  const lookup = (key: IdentityKey) => {
    asked.push(identityKeyString(key));
    return index.get(identityKeyString(key));
  };
  return Object.assign(lookup, { asked });
}

const user = (value: string): IdentityKey => ({ kind: 'user', value });
const anonymous = (value: string): IdentityKey => ({ kind: 'anonymous', value });

function ids(userId: string | null, anonymousId: string | null, previousId: string | null = null): EventIds {
  return { userId, anonymousId, previousId };
}

function plan(event: EventIds, lookup: ProfileLookup, settings: IdentitySettings = defaultIdentitySettings): IdentityPlan {
  let n = 0;
  return planIdentity(event, lookup, settings, () => `new-${++n}`);
}

const none = { create: false, link: [], merge: null, skipped: null };

describe('planIdentity: track, page, identify ... (userId and/or anonymousId)', () => {
  it('creates a profile for ids never seen, linking both', () => {
    expect(plan(ids('u1', 'a1'), world({}))).toEqual({ profileId: 'new-1', create: true, link: [user('u1'), anonymous('a1')], merge: null, skipped: null });
  });

  it('creates a profile for an unknown anonymous id alone', () => {
    expect(plan(ids(null, 'a1'), world({}))).toEqual({ ...none, profileId: 'new-1', create: true, link: [anonymous('a1')] });
  });

  it('creates a profile for an unknown user id alone', () => {
    expect(plan(ids('u1', null), world({}))).toEqual({ ...none, profileId: 'new-1', create: true, link: [user('u1')] });
  });

  it('finds the profile of a known anonymous id alone, changing nothing', () => {
    expect(plan(ids(null, 'a1'), world({ p1: { anonymous: ['a1'] } }))).toEqual({ ...none, profileId: 'p1' });
  });

  it('finds the profile of a known user id alone, changing nothing', () => {
    expect(plan(ids('u1', null), world({ p1: { users: ['u1'] } }))).toEqual({ ...none, profileId: 'p1' });
  });

  it('only the user id known: the new anonymous id joins the user', () => {
    expect(plan(ids('u1', 'a2'), world({ p1: { users: ['u1'], anonymous: ['a1'] } }))).toEqual({ ...none, profileId: 'p1', link: [anonymous('a2')] });
  });

  it('only the anonymous id known (a login on this device): the user id joins the anonymous profile', () => {
    expect(plan(ids('u1', 'a1'), world({ p1: { anonymous: ['a1'] } }))).toEqual({ ...none, profileId: 'p1', link: [user('u1')] });
  });

  it('the anonymous id belongs to another user (a shared device): a new profile, and the device moves to it', () => {
    expect(plan(ids('u2', 'a1'), world({ p1: { users: ['u1'], anonymous: ['a1'] } }))).toEqual({
      profileId: 'new-1', create: true, link: [user('u2'), anonymous('a1')], merge: null, skipped: 'distinct-users',
    });
  });

  it('both ids known on the same profile: nothing to do', () => {
    expect(plan(ids('u1', 'a1'), world({ p1: { users: ['u1'], anonymous: ['a1'] } }))).toEqual({ ...none, profileId: 'p1' });
  });

  it('both ids known on different profiles: the anonymous profile merges into the user profile', () => {
    const lookup = world({ pUser: { users: ['u1'] }, pAnon: { anonymous: ['a1'] } });
    expect(plan(ids('u1', 'a1'), lookup)).toEqual({ ...none, profileId: 'pUser', merge: 'pAnon' });
  });

  it('the user profile survives a merge even when the anonymous profile is the older or bigger one', () => {
    const lookup = world({ pUser: { users: ['u1'], mergedCount: 0 }, pAnon: { anonymous: ['a1', 'a2', 'a3'], mergedCount: 5 } });
    expect(plan(ids('u1', 'a1'), lookup).profileId).toBe('pUser');
  });

  it('both ids known, the anonymous profile belonging to another user: no merge, the device moves to this user', () => {
    const lookup = world({ p1: { users: ['u1'] }, p2: { users: ['u2'], anonymous: ['a1'] } });
    expect(plan(ids('u1', 'a1'), lookup)).toEqual({ ...none, profileId: 'p1', link: [anonymous('a1')], skipped: 'distinct-users' });
  });

  it('a merge that would exceed maxMergedProfiles is skipped and reported; nothing moves', () => {
    const settings = { ...defaultIdentitySettings, maxMergedProfiles: 3 };
    const lookup = world({ pUser: { users: ['u1'], mergedCount: 2 }, pAnon: { anonymous: ['a1'], mergedCount: 1 } });
    expect(plan(ids('u1', 'a1'), lookup, settings)).toEqual({ ...none, profileId: 'pUser', skipped: 'merge-limit' });
  });

  it('a merge that reaches maxMergedProfiles exactly goes ahead (the absorbed profile counts as one)', () => {
    const settings = { ...defaultIdentitySettings, maxMergedProfiles: 3 };
    const lookup = world({ pUser: { users: ['u1'], mergedCount: 1 }, pAnon: { anonymous: ['a1'], mergedCount: 1 } });
    expect(plan(ids('u1', 'a1'), lookup, settings)).toEqual({ ...none, profileId: 'pUser', merge: 'pAnon' });
  });

  it('maxMergedProfiles 0 never merges', () => {
    const settings = { ...defaultIdentitySettings, maxMergedProfiles: 0 };
    const lookup = world({ pUser: { users: ['u1'] }, pAnon: { anonymous: ['a1'] } });
    expect(plan(ids('u1', 'a1'), lookup, settings).skipped).toBe('merge-limit');
  });

  it('asks for a new profile id only when it creates a profile', () => {
    let asked = 0;
    const newId = () => `new-${++asked}`;
    planIdentity(ids('u1', 'a1'), world({ p1: { users: ['u1'] } }), defaultIdentitySettings, newId);
    planIdentity(ids('u1', 'a1'), world({ pUser: { users: ['u1'] }, pAnon: { anonymous: ['a1'] } }), defaultIdentitySettings, newId);
    expect(asked).toBe(0);
    planIdentity(ids('u1', 'a1'), world({}), defaultIdentitySettings, newId);
    expect(asked).toBe(1);
  });

  it('refuses an event without ids (requireIdentity rejects those first)', () => {
    expect(() => plan(ids(null, null), world({}))).toThrow(/at least one id/);
  });

  it('user ids and anonymous ids are separate name spaces', () => {
    // "x" as an anonymous id is not the user "x".
    expect(plan(ids('x', null), world({ p1: { anonymous: ['x'] } }))).toEqual({ ...none, profileId: 'new-1', create: true, link: [user('x')] });
  });
});

describe('planIdentity: alias (previousId -> userId)', () => {
  it('previousId is a known user id: the new user id joins that profile', () => {
    const lookup = world({ p1: { users: ['old@example.com'] } });
    expect(plan(ids('u-new', null, 'old@example.com'), lookup)).toEqual({ ...none, profileId: 'p1', link: [user('u-new')] });
  });

  it('previousId is a known anonymous id: the user id joins that profile, even if it has other user ids (alias is explicit)', () => {
    const lookup = world({ p1: { users: ['u0'], anonymous: ['a1'] } });
    expect(plan(ids('u1', null, 'a1'), lookup)).toEqual({ ...none, profileId: 'p1', link: [user('u1')] });
  });

  it('previousId is looked up as a user id first, then as an anonymous id', () => {
    const lookup = world({ pAnon: { anonymous: ['x'] }, pUser: { users: ['x'] } });
    expect(plan(ids('u1', null, 'x'), lookup)).toEqual({ ...none, profileId: 'pUser', link: [user('u1')] });
    expect(lookup.asked.slice(0, 1)).toEqual(['user:x']);
  });

  it('neither id known: a new profile known by both, the previous id taken as a user id', () => {
    expect(plan(ids('u1', null, 'p-old'), world({}))).toEqual({ ...none, profileId: 'new-1', create: true, link: [user('u1'), user('p-old')] });
  });

  it('userId known, previousId unknown: previousId joins the user profile as a user id', () => {
    expect(plan(ids('u1', null, 'p-old'), world({ p1: { users: ['u1'] } }))).toEqual({ ...none, profileId: 'p1', link: [user('p-old')] });
  });

  it('merges two user profiles: the profile of userId survives', () => {
    const lookup = world({ pNew: { users: ['u-new'] }, pOld: { users: ['u-old'], anonymous: ['a1'] } });
    expect(plan(ids('u-new', null, 'u-old'), lookup)).toEqual({ ...none, profileId: 'pNew', merge: 'pOld' });
  });

  it('merges a user profile with an anonymous one named by previousId', () => {
    const lookup = world({ pUser: { users: ['u1'] }, pAnon: { anonymous: ['a1'] } });
    expect(plan(ids('u1', null, 'a1'), lookup)).toEqual({ ...none, profileId: 'pUser', merge: 'pAnon' });
  });

  it('both on one profile already: nothing to do', () => {
    expect(plan(ids('u1', null, 'a1'), world({ p1: { users: ['u1'], anonymous: ['a1'] } }))).toEqual({ ...none, profileId: 'p1' });
  });

  it('an alias merge is bounded by maxMergedProfiles too', () => {
    const settings = { ...defaultIdentitySettings, maxMergedProfiles: 1 };
    const lookup = world({ pNew: { users: ['u-new'], mergedCount: 1 }, pOld: { users: ['u-old'] } });
    expect(plan(ids('u-new', null, 'u-old'), lookup, settings)).toEqual({ ...none, profileId: 'pNew', skipped: 'merge-limit' });
  });

  it('an anonymousId sent with an alias is ignored: previousId names the other side', () => {
    const lookup = world({ pUser: { users: ['u1'] }, pA1: { anonymous: ['a1'] }, pA2: { anonymous: ['a2'] } });
    expect(plan(ids('u1', 'a2', 'a1'), lookup)).toEqual({ ...none, profileId: 'pUser', merge: 'pA1' });
  });
});
