import { randomBytes } from 'node:crypto';
import type { AuditEntry, ChainHead } from '../core/audit/AuditEntry.js';
import type { AuditChange, AuditRecorder, PersonalDataRead } from '../core/audit/AuditRecorder.js';
import type { JsonValue } from '../core/audit/canonicalJson.js';
import { ChainVerifier, type ChainVerification } from '../core/audit/hashChain.js';
import { diffJson } from '../core/audit/jsonDiff.js';
import type { Clock } from '../core/common/ports.js';
import { hmacSha256Hex, sha256Hex } from '../store/auditHash.js';
import { recordedPurgeAnchor, retentionPurgedAction } from '../core/audit/purgeAnchor.js';
import type { AuditPurge, AuditQuery, AuditStore } from '../store/ports.js';
import { currentCaller } from './callerContext.js';

/** Entries per page when the chain is exported or verified. */
export const auditPageSize = 1000;

/** Definitions as stored JSON: what a `JSON.stringify` keeps (no undefined fields, dates as text). */
function asJson(value: unknown): JsonValue | undefined {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value)) as JsonValue;
}

/**
 * The audit trail of every workspace: records changes with their diff and reads of a person's
 * data with a keyed hash of them, for the caller in progress; reads the trail back a page at a
 * time; verifies a workspace's chain. SHA-256 chains the entries and HMAC-SHA256 hashes people.
 */
export class AuditTrail implements AuditRecorder {
  constructor(private readonly deps: { readonly store: AuditStore; readonly clock: Clock }) {}

  async changed(change: AuditChange): Promise<void> {
    const changes = diffJson(asJson(change.before), asJson(change.after));
    // A save that changes nothing (the same definition PUT again) is not a change.
    if (changes.length === 0) return;
    await this.append({ workspaceId: change.workspaceId, action: change.action, target: change.target, changes });
  }

  async read(read: PersonalDataRead): Promise<void> {
    if ('target' in read) {
      await this.append({ workspaceId: read.workspaceId, action: read.action, target: read.target });
      return;
    }
    const subject = await this.subjectOf(read.workspaceId, read.profileId);
    await this.append({ workspaceId: read.workspaceId, action: read.action, target: { kind: 'profile', id: subject }, subject });
  }

  /**
   * The keyed hash that stands for a profile in this workspace's entries (`hmac-sha256:<hex>`):
   * to find what was recorded about a person, hash their profile id the same way.
   */
  async subjectOf(workspaceId: string, profileId: string): Promise<string> {
    const key = await this.deps.store.personKey(workspaceId, () => ({ key: randomBytes(32).toString('base64url'), createdAt: this.deps.clock.now() }));
    return `hmac-sha256:${hmacSha256Hex(key, profileId)}`;
  }

  query(workspaceId: string, query: AuditQuery): Promise<AuditEntry[]> {
    return this.deps.store.query(workspaceId, query);
  }

  /** Every entry of the workspace after `from` in sequence order, a page at a time (the export). */
  async *entries(workspaceId: string, from = 0, pageSize = auditPageSize): AsyncGenerator<AuditEntry[]> {
    let after = from;
    for (;;) {
      const page = await this.deps.store.entries(workspaceId, after, pageSize);
      if (page.length === 0) return;
      yield page;
      after = page[page.length - 1]!.seq;
      if (page.length < pageSize) return;
    }
  }

  /**
   * Verifies the workspace's whole chain against its stored head and the anchors given
   * (positions and hashes kept elsewhere). After a retention purge the chain starts after the
   * purge anchor, and the anchor must be the one the latest `retention.purged` entry recorded.
   */
  async verify(workspaceId: string, anchors: readonly ChainHead[] = []): Promise<ChainVerification> {
    let head = await this.deps.store.head(workspaceId);
    const from = await this.deps.store.anchor(workspaceId);
    const verifier = new ChainVerifier(workspaceId, sha256Hex, anchors, from);
    let recorded: ChainHead | null | undefined;
    for await (const page of this.entries(workspaceId, from?.seq ?? 0)) {
      for (const entry of page) {
        // Appended while the pages were read: judged against the head as it is now. An entry
        // beyond even that head was not appended through the store, and the head check says so.
        if (head === null || entry.seq > head.seq) head = await this.deps.store.head(workspaceId);
        if (verifier.push(entry) !== undefined) return verifier.finish(head);
        const anchor = recordedPurgeAnchor(entry);
        if (anchor !== undefined) recorded = anchor;
      }
    }
    const verdict = verifier.finish(head);
    if (!verdict.ok || from === null) return verdict;
    if (recorded === undefined || recorded === null || recorded.seq !== from.seq || recorded.hash !== from.hash) {
      return {
        ok: false, entries: verdict.entries, position: from.seq + 1, fault: 'anchor',
        detail: `the chain starts after entry ${from.seq} (${from.hash.slice(0, 12)}…), which no retention purge in the chain recorded: the purge anchor was changed`,
      };
    }
    return verdict;
  }

  /**
   * Retention: purges the chain's prefix older than `before` (null: none) and appends, in the
   * same transaction, a `retention.purged` entry whose content is `report` with the anchor
   * after the purge (`auditAnchor`), which verification checks the stored anchor against.
   * A dry run counts only and records nothing; so does a purge whose `report` is null (nothing went).
   */
  purge(workspaceId: string, before: number | null, dryRun: boolean, report: (purged: AuditPurge) => Readonly<Record<string, unknown>> | null): Promise<AuditPurge> {
    const { actor, origin } = currentCaller();
    const at = this.deps.clock.now();
    return this.deps.store.purge(workspaceId, before, {
      at, dryRun,
      record: (purged) => {
        const content = report(purged);
        return content === null ? null : {
          workspaceId, at, actor, origin, action: retentionPurgedAction, target: { kind: 'retention', id: workspaceId },
          changes: diffJson(undefined, asJson({ ...content, auditAnchor: purged.anchor })),
        };
      },
    });
  }

  private async append(fields: Pick<AuditEntry, 'workspaceId' | 'action' | 'target' | 'changes' | 'subject'>): Promise<void> {
    const { actor, origin } = currentCaller();
    await this.deps.store.append({ ...fields, at: this.deps.clock.now(), actor, origin });
  }
}
