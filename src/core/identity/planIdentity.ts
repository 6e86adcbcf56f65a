import type { UserIdCheck } from './identityCheck.js';
import type { IdentityKey, IdentitySettings, ProfileFacts } from './types.js';

/** The ids an event carries, as identity resolution reads them. */
export interface EventIds {
  readonly userId: string | null;
  readonly anonymousId: string | null;
  /** Set for alias calls only. */
  readonly previousId: string | null;
  /** How the userId was taken (identityCheck.ts); absent or null: as given. */
  readonly userIdCheck?: UserIdCheck | null | undefined;
}

/** Looks up the live profile an identifier belongs to (never a merged-away one). */
export type ProfileLookup = (key: IdentityKey) => ProfileFacts | undefined;

/**
 * What to do for one event. The shell carries it out inside the event's commit.
 * - `profileId`: the profile the event belongs to; `create` when it is new.
 * - `link`: identifiers to point at `profileId` (new ones, or ones moved from another profile).
 * - `merge`: a profile to absorb into `profileId`.
 * - `skipped`: why a merge that the ids asked for did not happen.
 */
export interface IdentityPlan {
  readonly profileId: string;
  readonly create: boolean;
  readonly link: readonly IdentityKey[];
  readonly merge: string | null;
  readonly skipped: 'merge-limit' | 'distinct-users' | null;
}

function keysOf(ids: EventIds, lookup: ProfileLookup): { primary: IdentityKey | null; secondary: IdentityKey | null; explicit: boolean } {
  if (ids.userIdCheck === 'unverified') {
    // Anyone with the public write key can name any user: an unverified userId links nothing.
    // The event is the sender's own id's: its anonymous id (an alias's previousId plays that
    // part); with neither, it is collected on the named user's profile as given, with no other
    // id linked to it (rule 7 of the README).
    const own = ids.anonymousId ?? ids.previousId;
    const only: IdentityKey | null = own !== null ? { kind: 'anonymous', value: own }
      : ids.userId !== null ? { kind: 'user', value: ids.userId } : null;
    return { primary: only, secondary: null, explicit: false };
  }
  if (ids.previousId !== null && ids.userId !== null && ids.userIdCheck === 'verified') {
    // A verified alias from a page: the hash proves the userId, not the previousId, so the
    // previousId is only ever the page's anonymous id, and it joins as an identify would:
    // never merging in another user's profile, never claiming a user id.
    return { primary: { kind: 'user', value: ids.userId }, secondary: { kind: 'anonymous', value: ids.previousId }, explicit: false };
  }
  if (ids.previousId !== null && ids.userId !== null) {
    // alias(previousId -> userId): previousId may be an anonymous id or an older user id.
    const asUser: IdentityKey = { kind: 'user', value: ids.previousId };
    const asAnonymous: IdentityKey = { kind: 'anonymous', value: ids.previousId };
    const previous = lookup(asUser) !== undefined ? asUser : lookup(asAnonymous) !== undefined ? asAnonymous : asUser;
    return { primary: { kind: 'user', value: ids.userId }, secondary: previous, explicit: true };
  }
  const user: IdentityKey | null = ids.userId === null ? null : { kind: 'user', value: ids.userId };
  const anonymous: IdentityKey | null = ids.anonymousId === null ? null : { kind: 'anonymous', value: ids.anonymousId };
  return { primary: user ?? anonymous, secondary: user === null ? null : anonymous, explicit: false };
}

/**
 * Resolves the profile of an event; the rules are documented in src/core/identity/README.md.
 * The profile of the primary id (the user id when there is one) survives a merge; a new
 * profile is named by `newProfileId(primary)`, which the shell derives from that id so that
 * replaying the log names every profile the same way.
 *
 * @example planIdentity({ userId: 'u1', anonymousId: 'a1', previousId: null }, lookup, settings, () => 'p-new')
 */
export function planIdentity(ids: EventIds, lookup: ProfileLookup, settings: IdentitySettings, newProfileId: (primary: IdentityKey) => string): IdentityPlan {
  const { primary, secondary, explicit } = keysOf(ids, lookup);
  if (primary === null) throw new Error('planIdentity needs at least one id; requireIdentity guarantees it');
  const p = lookup(primary);
  const s = secondary === null ? undefined : lookup(secondary);
  const plan = (profileId: string, create: boolean, link: (IdentityKey | null)[], merge: string | null = null, skipped: IdentityPlan['skipped'] = null): IdentityPlan =>
    ({ profileId, create, link: link.filter((k): k is IdentityKey => k !== null), merge, skipped });

  if (p === undefined && s === undefined) return plan(newProfileId(primary), true, [primary, secondary]);
  if (p === undefined) {
    // Only the secondary (anonymous) id is known. If its profile is someone else's (another
    // user id on a shared device), the device moves to a new profile for this user.
    const known = s!;
    if (!explicit && primary.kind === 'user' && known.userIds.length > 0) return plan(newProfileId(primary), true, [primary, secondary], null, 'distinct-users');
    return plan(known.id, false, [primary]);
  }
  if (s === undefined) return plan(p.id, false, [secondary]);
  if (p.id === s.id) return plan(p.id, false, []);
  if (!explicit && s.userIds.some((u) => u !== ids.userId)) {
    // Two known users never merge through an anonymous id; the device follows the latest login.
    return plan(p.id, false, [secondary], null, 'distinct-users');
  }
  if (p.mergedCount + s.mergedCount + 1 > settings.maxMergedProfiles) return plan(p.id, false, [], null, 'merge-limit');
  return plan(p.id, false, [], s.id);
}

/** Every identifier `planIdentity` may look up for these ids: what to load before it runs. */
export function eventIdentityKeys(ids: EventIds): IdentityKey[] {
  // A superset of what keysOf reads whatever the userIdCheck: loading one id too many is harmless.
  const keys: IdentityKey[] = [];
  if (ids.userId !== null) keys.push({ kind: 'user', value: ids.userId });
  if (ids.anonymousId !== null) keys.push({ kind: 'anonymous', value: ids.anonymousId });
  if (ids.previousId !== null) keys.push({ kind: 'user', value: ids.previousId }, { kind: 'anonymous', value: ids.previousId });
  return keys;
}
