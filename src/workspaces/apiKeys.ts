import { createHash, randomBytes } from 'node:crypto';
import type { SecretKeyScope } from '../core/access/accessMatrix.js';
import type { ApiKeyRecord, KeyKind, NewApiKey } from '../store/ports.js';

const tags: Record<KeyKind, string> = { write: 'atw_', secret: 'ats_' };

/**
 * Keys are 32 random bytes, so a plain SHA-256 is a safe way to store them: there is no
 * low-entropy secret to brute-force, and lookup by hash stays one index probe per request.
 */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function randomId(prefix: string): string {
  return `${prefix}${randomBytes(10).toString('hex')}`;
}

/** A new key: its plain text (shown once) and the record that is stored. A secret key's scope is `full` unless given. */
export function generateKey(workspaceId: string, kind: KeyKind, now: number, scope: SecretKeyScope = 'full'): { plain: string; key: NewApiKey } {
  const plain = `${tags[kind]}${randomBytes(32).toString('base64url')}`;
  const record: ApiKeyRecord = { id: randomId('key_'), workspaceId, kind, scope: kind === 'secret' ? scope : null, prefix: plain.slice(0, 10), createdAt: now, expiresAt: null };
  return { plain, key: { record, hash: hashKey(plain) } };
}

export function isKeyLive(key: ApiKeyRecord, now: number): boolean {
  return key.expiresAt === null || key.expiresAt > now;
}
