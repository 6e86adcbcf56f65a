import type { ApiKeyRecord } from '../store/ports.js';

export type KeyChange = 'created' | 'rotated' | 'revoked';

/** The log record's fields for a change to a workspace's keys: never the key, only what lists show. */
export interface KeyAuditFields {
  readonly audit: {
    readonly action: `key.${KeyChange}`;
    readonly workspaceId: string;
    readonly keyId: string;
    readonly kind: ApiKeyRecord['kind'];
    readonly prefix: string;
    /** Who made the change: the admin API (the request's log line carries its reqId) or the command line. */
    readonly via: 'api' | 'cli';
  };
}

/**
 * What the admin API and `attune keys` log when a key is created, rotated or revoked, in the
 * same shape, so that one search of the logs finds every change whichever way it was made.
 */
export function keyAudit(change: KeyChange, key: ApiKeyRecord, via: 'api' | 'cli'): KeyAuditFields {
  return { audit: { action: `key.${change}`, workspaceId: key.workspaceId, keyId: key.id, kind: key.kind, prefix: key.prefix, via } };
}
