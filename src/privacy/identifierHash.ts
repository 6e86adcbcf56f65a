import { createHmac, randomBytes } from 'node:crypto';

/**
 * The keyed hash that the suppression list, the stored receipts and audit entries keep instead
 * of a person's identifier: HMAC-SHA256 of the kind and the value with the workspace's privacy
 * secret, in lower-case hex. Without the secret (kept in the store, never shown) a list of
 * hashes cannot be checked against guessed e-mail addresses; with it, the engine recognises
 * the identifier when it comes back.
 *
 * @example identifierHash(secret, 'user', 'ada@example.com') // '5b1e...' (64 hex digits)
 */
export function identifierHash(secret: string, kind: string, value: string): string {
  return createHmac('sha256', secret).update(`${kind}\u0000${value}`, 'utf8').digest('hex');
}

/** A new privacy secret: 32 random bytes. */
export function generatePrivacySecret(): string {
  return `aps_${randomBytes(32).toString('base64url')}`;
}
