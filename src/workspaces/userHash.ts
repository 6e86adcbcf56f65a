import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The userHash of a userId: HMAC-SHA256 of the id (UTF-8) with the workspace's identity
 * secret, in lower-case hex, as Intercom's and Customer.io's identity verification compute it.
 * A shop's backend computes it and hands it to its pages with the user id.
 *
 * @example userHash('ada', 'aid_...') // '3f1c...' (64 hex digits)
 */
export function userHash(userId: string, secret: string): string {
  return createHmac('sha256', secret).update(userId, 'utf8').digest('hex');
}

/** Whether `given` is the userHash of `userId`, compared in constant time (hex in either case). */
export function userHashMatches(userId: string, given: string, secret: string): boolean {
  const expected = Buffer.from(userHash(userId, secret), 'utf8');
  const candidate = Buffer.from(given.toLowerCase(), 'utf8');
  // The length of a hex SHA-256 is public: comparing it first leaks nothing.
  return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}

/** A new identity secret: 32 random bytes; the prefix tells it apart from API keys in a config file. */
export function generateIdentitySecret(): string {
  return `aid_${randomBytes(32).toString('base64url')}`;
}
