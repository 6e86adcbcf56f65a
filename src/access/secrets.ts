import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hashKey } from '../workspaces/apiKeys.js';

/**
 * The random secrets of people: personal API tokens, session cookies, CSRF tokens and
 * invitations. Each is 32 random bytes, so, like API keys, a SHA-256 is a safe way to store
 * it and to find it again in one index probe.
 */
export const secretTags = { token: 'atu_', invitation: 'ati_', session: '', csrf: '' } as const;

export function newSecret(kind: keyof typeof secretTags): { readonly plain: string; readonly hash: string } {
  const plain = `${secretTags[kind]}${randomBytes(32).toString('base64url')}`;
  return { plain, hash: hashKey(plain) };
}

/** Whether a presented secret is the one whose hash is stored, in constant time. */
export function secretMatches(plain: string, hash: string): boolean {
  const given = Buffer.from(hashKey(plain), 'hex');
  const expected = Buffer.from(hash, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
