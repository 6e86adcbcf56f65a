import type { AuditDraft, AuditEntry, ChainHead } from './AuditEntry.js';
import { canonicalJson } from './canonicalJson.js';

/**
 * A cryptographic hash of a text, as lower-case hex. The core cannot reach `node:crypto`, so
 * the shell passes one in (SHA-256: `src/store/auditHash.ts`).
 */
export type HashText = (text: string) => string;

/** The hash of an entry: of the canonical JSON of all its fields but `hash`. */
export function entryHash(entry: Omit<AuditEntry, 'hash'>, hash: HashText): string {
  const { seq, prevHash, workspaceId, at, actor, origin, action, target, changes, subject } = entry;
  // Named field by field so that a field a caller added by mistake is never hashed in.
  return hash(canonicalJson({ seq, prevHash, workspaceId, at, actor, origin, action, target, changes, subject }));
}

/**
 * The entry that follows `previous` (undefined: the first of the workspace's chain).
 *
 * @example const first = chainEntry(undefined, draft, sha256Hex); const second = chainEntry(first, next, sha256Hex);
 */
export function chainEntry(previous: ChainHead | undefined, draft: AuditDraft, hash: HashText): AuditEntry {
  const linked = { ...draft, seq: (previous?.seq ?? 0) + 1, prevHash: previous?.hash ?? null };
  return { ...linked, hash: entryHash(linked, hash) };
}

/** Why a chain does not verify. */
export type ChainFault =
  /** An entry's number is not the next one: one was removed, or the rows were renumbered. */
  | 'sequence'
  /** An entry's `prevHash` is not the previous entry's hash: an entry before it was changed or removed. */
  | 'link'
  /** An entry's content does not give its hash: it was changed after it was written. */
  | 'hash'
  /** An entry of another workspace sits in this workspace's chain. */
  | 'workspace'
  /** The chain ends before, or otherwise than, the head stored beside it: entries were removed at its end. */
  | 'head'
  /** The chain does not hold the hash a caller recorded earlier at that position (an anchor). */
  | 'anchor';

export type ChainVerification =
  | { readonly ok: true; readonly entries: number; readonly head: ChainHead | null }
  | {
    readonly ok: false;
    /** Entries that verified before the fault. */
    readonly entries: number;
    /** The position (sequence number) of the first broken entry. */
    readonly position: number;
    readonly fault: ChainFault;
    readonly detail: string;
  };

type Break = Extract<ChainVerification, { ok: false }>;

/**
 * Verifies a workspace's chain one entry at a time, in sequence order, so that a chain of any
 * length is checked page by page: `push` each entry (it answers the first fault, then keeps
 * answering it), then `finish` with the head stored beside the chain and, optionally,
 * anchors (positions and hashes the caller recorded earlier, e.g. from an export). After a
 * retention purge the chain is verified from the purge's anchor (`from`).
 */
export class ChainVerifier {
  private previous: ChainHead | undefined;
  private checked = 0;
  private broken: Break | undefined;
  private readonly anchors: Map<number, string>;

  /**
   * `from`: the last entry purged by retention (its number and hash, kept by the store): the
   * chain then starts after it, and its first entry must point at that hash.
   */
  constructor(private readonly workspaceId: string, private readonly hash: HashText, anchors: readonly ChainHead[] = [], from: ChainHead | null = null) {
    this.anchors = new Map(anchors.map((a) => [a.seq, a.hash]));
    this.previous = from ?? undefined;
    // An anchor at the start itself is checked against it; anchors before it were purged and cannot be.
    const atStart = from === null ? undefined : this.anchors.get(from.seq);
    if (from !== null && atStart !== undefined && atStart !== from.hash) {
      this.broken = { ok: false, entries: 0, position: from.seq, fault: 'anchor', detail: `the chain starts after entry ${from.seq}, whose hash is not the one anchored` };
    }
  }

  /** Checks the next entry; returns the chain's first fault once there is one, else undefined. */
  push(entry: AuditEntry): Break | undefined {
    if (this.broken !== undefined) return this.broken;
    const expected = (this.previous?.seq ?? 0) + 1;
    const fault = this.faultOf(entry, expected);
    if (fault !== undefined) {
      this.broken = { ok: false, entries: this.checked, position: expected, fault: fault.fault, detail: fault.detail };
      return this.broken;
    }
    this.previous = { seq: entry.seq, hash: entry.hash };
    this.checked += 1;
    return undefined;
  }

  /** The verdict once every entry was pushed; `head` is the store's record of the last entry (null: none). */
  finish(head: ChainHead | null): ChainVerification {
    if (this.broken !== undefined) return this.broken;
    const last = this.previous ?? null;
    const at = (last?.seq ?? 0) + 1;
    if (head !== null && (last === null || head.seq !== last.seq || head.hash !== last.hash)) {
      if (last === null || head.seq > last.seq) {
        const detail = `the chain ends at entry ${last?.seq ?? 0} but its head records entry ${head.seq}: entries were removed`;
        return { ok: false, entries: this.checked, position: at, fault: 'head', detail };
      }
      // The head is behind or differs: the chain's end was rewritten (or entries added without the head).
      const position = Math.min(head.seq + 1, last.seq);
      const detail = `the head records entry ${head.seq} (${head.hash.slice(0, 12)}…), the chain ends at entry ${last.seq} (${last.hash.slice(0, 12)}…)`;
      return { ok: false, entries: position - 1, position, fault: 'head', detail };
    }
    if (head === null && last !== null) {
      return { ok: false, entries: this.checked, position: last.seq, fault: 'head', detail: 'the chain has entries but no head' };
    }
    for (const [seq] of [...this.anchors].sort(([a], [b]) => a - b)) {
      if (last === null || seq > last.seq) {
        return { ok: false, entries: this.checked, position: seq, fault: 'anchor', detail: `entry ${seq} was anchored but the chain ends at ${last?.seq ?? 0}` };
      }
    }
    return { ok: true, entries: this.checked, head: last };
  }

  private faultOf(entry: AuditEntry, expected: number): { fault: ChainFault; detail: string } | undefined {
    if (entry.workspaceId !== this.workspaceId) return { fault: 'workspace', detail: `entry ${entry.seq} belongs to workspace "${entry.workspaceId}"` };
    if (entry.seq !== expected) return { fault: 'sequence', detail: `expected entry ${expected}, found entry ${entry.seq}` };
    if (entry.prevHash !== (this.previous?.hash ?? null)) return { fault: 'link', detail: `entry ${entry.seq} does not point at the hash of entry ${expected - 1}` };
    if (entryHash(entry, this.hash) !== entry.hash) return { fault: 'hash', detail: `entry ${entry.seq}'s content does not match its hash` };
    const anchored = this.anchors.get(entry.seq);
    if (anchored !== undefined && anchored !== entry.hash) return { fault: 'anchor', detail: `entry ${entry.seq}'s hash is not the one anchored` };
    return undefined;
  }
}

/**
 * Verifies a whole chain held in memory: the entries in sequence order, the head stored
 * beside them (null: none), anchors recorded earlier.
 *
 * @example verifyChain('ws_1', entries, head, sha256Hex) // { ok: true, entries: 12, head: { seq: 12, hash: '…' } }
 */
export function verifyChain(
  workspaceId: string, entries: Iterable<AuditEntry>, head: ChainHead | null, hash: HashText, anchors: readonly ChainHead[] = [], from: ChainHead | null = null,
): ChainVerification {
  const verifier = new ChainVerifier(workspaceId, hash, anchors, from);
  for (const entry of entries) if (verifier.push(entry) !== undefined) break;
  return verifier.finish(head);
}
