import { createHash, createHmac } from 'node:crypto';

/** SHA-256 of a UTF-8 text as hex: the hash of every audit chain (`core/audit/hashChain.ts`). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** HMAC-SHA256 of a UTF-8 text under a key, as hex: the keyed hash of a person in an audit entry. */
export function hmacSha256Hex(key: string, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}
