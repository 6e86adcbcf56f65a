import { describe, expect, it } from 'vitest';
import { checkIdentity, needsUserHash, type IdentityCheck, type ProfileRead } from './identityCheck.js';

// [hasUserId, secretKey, verification, hashMatches, check, read, needs the hash]
const cases: readonly [boolean, boolean, boolean, boolean, IdentityCheck, ProfileRead, boolean][] = [
  [false, false, true, false, 'anonymous', 'anonymous-only', false],
  [false, false, false, false, 'anonymous', 'as-given', false],
  [false, true, true, false, 'anonymous', 'as-given', false],
  [true, true, true, false, 'trusted', 'as-given', false],
  [true, false, false, false, 'unchecked', 'as-given', false],
  [true, false, true, true, 'verified', 'as-given', true],
  [true, false, true, false, 'unverified', 'anonymous-only', true],
];

describe('checkIdentity', () => {
  it.each(cases)('userId %s, secret key %s, verification %s, hash matches %s: %s, reads %s', (hasUserId, secretKey, verification, matches, check, read, needs) => {
    const input = { hasUserId, secretKey, verification };
    expect(checkIdentity(input, matches)).toEqual({ check, read });
    expect(needsUserHash(input)).toBe(needs);
  });
});
