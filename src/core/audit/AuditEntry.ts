import type { Actor, ActorOrigin } from './Actor.js';
import type { JsonChange } from './jsonDiff.js';

/** What an entry is about: a segment, an action, a key, a profile... and its id. */
export interface AuditTarget {
  readonly kind: string;
  readonly id: string;
}

/**
 * An entry as a recorder gives it; the store numbers it and links it into the workspace's
 * chain (`AuditEntry`). `action` names what happened, `<target kind>.<verb>` in the past
 * tense (`segment.updated`, `key.rotated`, `profile.viewed`).
 */
export interface AuditDraft {
  readonly workspaceId: string;
  /** When, in milliseconds since the epoch. */
  readonly at: number;
  readonly actor: Actor;
  readonly origin: ActorOrigin;
  readonly action: string;
  readonly target: AuditTarget;
  /** What changed, from the definition before to the one after; absent for reads. */
  readonly changes?: readonly JsonChange[];
  /**
   * The person whose data was read or changed, as a keyed hash of their identifier (never the
   * identifier itself): entries about one person can be found by hashing it again with the
   * workspace's key, and the trail alone does not name them.
   */
  readonly subject?: string;
}

/**
 * One entry of a workspace's audit trail. `seq` counts from 1 without gaps within the
 * workspace; `hash` covers the canonical JSON of every other field, `prevHash` (the previous
 * entry's hash, null for the first) included, so changing, removing or reordering an entry
 * breaks the chain from there on (`verifyChain`).
 */
export interface AuditEntry extends AuditDraft {
  readonly seq: number;
  readonly prevHash: string | null;
  readonly hash: string;
}

/** The last entry of a chain, as a store keeps it beside the entries (and a careful owner keeps elsewhere). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

const actionPattern = /^[a-z][a-zA-Z]*(\.[a-z][a-zA-Z]*)+$/;

/** Whether `action` is a well-formed action name (`segment.updated`). */
export function isAuditAction(action: string): boolean {
  return actionPattern.test(action);
}
