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
