/**
 * How a decide call's userId was taken, as the answer reports it (`identity`):
 * - `anonymous`: no userId was given;
 * - `trusted`: the secret key asked (a server): the userId is taken as given;
 * - `unchecked`: the workspace does not verify identities: the userId is taken as given;
 * - `verified`: the userHash matched the userId;
 * - `unverified`: the workspace verifies identities and the userHash was missing or wrong:
 *   the call reads as the anonymous visitor (its events are still stored).
 */
export type IdentityCheck = 'anonymous' | 'trusted' | 'unchecked' | 'verified' | 'unverified';

export const identityChecks: readonly IdentityCheck[] = ['anonymous', 'trusted', 'unchecked', 'verified', 'unverified'];

/**
 * How a collected event's userId was taken, kept with the event in the log (`body.userIdCheck`)
 * so that a replay makes the same identity decisions as collection did, whatever the
 * workspace's settings or secret are by then. Absent from an event without a userId, and from
 * events stored before the check existed (they were taken as given).
 */
export type UserIdCheck = Exclude<IdentityCheck, 'anonymous'>;

export const userIdChecks: readonly UserIdCheck[] = ['trusted', 'unchecked', 'verified', 'unverified'];

export function isUserIdCheck(value: unknown): value is UserIdCheck {
  return typeof value === 'string' && (userIdChecks as readonly string[]).includes(value);
}

/**
 * Who sends the events of a collection, for their userIds: `trusted` (the secret key, an
 * admin's import, the in-process SDK, Attune's own exposure events) or `public` (the write key,
 * in every page), whose userIds count only with their userHash where the workspace verifies.
 * `userHashMatches` is the shell's HMAC check with the workspace's secret.
 */
export type CollectCaller =
  | { readonly kind: 'trusted' }
  | { readonly kind: 'public'; readonly userHashMatches: (userId: string, userHash: string | undefined) => boolean };

export const trustedCaller: CollectCaller = { kind: 'trusted' };

/**
 * The check of one event's userId (null without one), by the rules of `checkIdentity`.
 *
 * @example checkEventUserId('ada', undefined, { kind: 'public', userHashMatches: () => false }, true) // 'unverified'
 */
export function checkEventUserId(userId: string | null, userHash: string | undefined, caller: CollectCaller, verification: boolean): UserIdCheck | null {
  if (userId === null) return null;
  const input = { hasUserId: true, secretKey: caller.kind === 'trusted', verification };
  const matches = caller.kind === 'public' && needsUserHash(input) && caller.userHashMatches(userId, userHash);
  const { check } = checkIdentity(input, matches);
  return check === 'anonymous' ? null : check;
}

/**
 * Which profile a call may read: `as-given` the userId's (else the anonymousId's);
 * `anonymous-only` the anonymousId's, and only while no user id points to it, because anyone
 * holding the write key can link an anonymous id to any user's profile by sending events.
 */
export type ProfileRead = 'as-given' | 'anonymous-only';

export interface IdentityReading {
  readonly check: IdentityCheck;
  readonly read: ProfileRead;
}

export interface IdentityCheckInput {
  readonly hasUserId: boolean;
  /** The caller holds the secret key (server side), not the public write key. */
  readonly secretKey: boolean;
  readonly verification: boolean;
}

/** Whether the answer depends on the userHash: only then is the HMAC worth computing. */
export function needsUserHash(input: IdentityCheckInput): boolean {
  return input.hasUserId && !input.secretKey && input.verification;
}

/**
 * The order matters: the secret key is trusted, a workspace that does not verify takes ids as
 * given, and only then does the hash count. `hashMatches` is read only when `needsUserHash`.
 *
 * @example checkIdentity({ hasUserId: true, secretKey: false, verification: true }, false) // { check: 'unverified', read: 'anonymous-only' }
 */
export function checkIdentity(input: IdentityCheckInput, hashMatches: boolean): IdentityReading {
  const trusting = input.secretKey || !input.verification;
  if (!input.hasUserId) return { check: 'anonymous', read: trusting ? 'as-given' : 'anonymous-only' };
  if (input.secretKey) return { check: 'trusted', read: 'as-given' };
  if (!input.verification) return { check: 'unchecked', read: 'as-given' };
  return hashMatches ? { check: 'verified', read: 'as-given' } : { check: 'unverified', read: 'anonymous-only' };
}
