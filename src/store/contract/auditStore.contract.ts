import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditDraft } from '../../core/audit/AuditEntry.js';
import { verifyChain } from '../../core/audit/hashChain.js';
import { sha256Hex } from '../auditHash.js';
import type { AuditStore } from '../ports.js';

export interface AuditStoreUnderTest {
  readonly audit: AuditStore;
  close(): Promise<void>;
}

const T0 = Date.parse('2024-05-01T12:00:00Z');

function draft(workspaceId: string, n: number, fields: Partial<AuditDraft> = {}): AuditDraft {
  return {
    workspaceId, at: T0 + n * 1000, actor: { kind: 'key', id: 'key_1', role: 'secret' }, origin: { via: 'api', ip: '10.0.0.1', userAgent: 'curl/8', requestId: `req-${n}` },
    action: 'segment.updated', target: { kind: 'segment', id: 'vip' }, changes: [{ op: 'replace', path: '/rule', was: 'a', value: 'b' }], ...fields,
  };
}

/**
 * The contract of AuditStore: per-workspace chains numbered without gaps, entries read back
 * exactly as appended (so that they verify), filters, the cursor, the head. `open` gives a
 * fresh, empty store.
 */
export function describeAuditStoreContract(adapterName: string, open: () => Promise<AuditStoreUnderTest>): void {
  describe(`${adapterName}: audit store contract`, () => {
    let store: AuditStoreUnderTest;
    let audit: AuditStore;
    beforeEach(async () => { store = await open(); audit = store.audit; });
    afterEach(async () => { await store.close(); });

    it('numbers each workspace\'s entries from 1 and links them', async () => {
      const a1 = await audit.append(draft('ws1', 1));
      const b1 = await audit.append(draft('ws2', 1));
      const a2 = await audit.append(draft('ws1', 2));
      expect([a1.seq, b1.seq, a2.seq]).toEqual([1, 1, 2]);
      expect(a1.prevHash).toBeNull();
      expect(a2.prevHash).toBe(a1.hash);
      expect(await audit.head('ws1')).toEqual({ seq: 2, hash: a2.hash });
      expect(await audit.head('ws3')).toBeNull();
    });

    it('reads entries back exactly as appended, and they verify against the head', async () => {
      const appended = [
        await audit.append(draft('ws1', 1)),
        await audit.append(draft('ws1', 2, { actor: { kind: 'cli', id: 'alice' }, origin: { via: 'cli' }, changes: undefined, subject: 'hmac-sha256:ab' })),
        await audit.append(draft('ws1', 3, { action: 'segment.created', changes: [{ op: 'add', path: '', value: { id: 'vip', tags: ['a', 1, null, { b: true }] } }] })),
      ];
      const read = await audit.entries('ws1', 0, 10);
      expect(read).toEqual(appended);
      expect(verifyChain('ws1', read, await audit.head('ws1'), sha256Hex)).toEqual({ ok: true, entries: 3, head: { seq: 3, hash: appended[2]!.hash } });
    });

    it('never gives two concurrent appends the same number', async () => {
      const entries = await Promise.all(Array.from({ length: 20 }, (_, n) => audit.append(draft('ws1', n))));
      expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
      expect(verifyChain('ws1', await audit.entries('ws1', 0, 100), await audit.head('ws1'), sha256Hex).ok).toBe(true);
    });

    it('pages through a chain after a sequence number', async () => {
      for (let n = 1; n <= 5; n++) await audit.append(draft('ws1', n));
      expect((await audit.entries('ws1', 0, 2)).map((e) => e.seq)).toEqual([1, 2]);
      expect((await audit.entries('ws1', 2, 2)).map((e) => e.seq)).toEqual([3, 4]);
      expect((await audit.entries('ws1', 4, 2)).map((e) => e.seq)).toEqual([5]);
      expect(await audit.entries('ws2', 0, 2)).toEqual([]);
    });

    it('filters by actor, action (exact or a prefix), target and time, in sequence order', async () => {
      await audit.append(draft('ws1', 1));
      await audit.append(draft('ws1', 2, { action: 'segment.deleted' }));
      await audit.append(draft('ws1', 3, { action: 'action.updated', target: { kind: 'action', id: 'promo' } }));
      await audit.append(draft('ws1', 4, { actor: { kind: 'cli', id: 'alice' }, origin: { via: 'cli' } }));
      await audit.append(draft('ws1', 5, { action: 'segments_x.updated' }));
      await audit.append(draft('ws2', 6));
      const seqs = async (query: Parameters<AuditStore['query']>[1]) => (await audit.query('ws1', query)).map((e) => e.seq);
      expect(await seqs({ limit: 10 })).toEqual([1, 2, 3, 4, 5]);
      expect(await seqs({ limit: 10, actorKind: 'cli' })).toEqual([4]);
      expect(await seqs({ limit: 10, actorKind: 'key', actorId: 'key_1' })).toEqual([1, 2, 3, 5]);
      expect(await seqs({ limit: 10, action: 'segment.deleted' })).toEqual([2]);
      // A prefix matches whole words only: `segment.` is not `segments_x.`, and _ is no wildcard.
      expect(await seqs({ limit: 10, action: 'segment.' })).toEqual([1, 2, 4]);
      expect(await seqs({ limit: 10, action: 'segment_x.' })).toEqual([]);
      expect(await seqs({ limit: 10, targetKind: 'action', targetId: 'promo' })).toEqual([3]);
      expect(await seqs({ limit: 10, targetId: 'vip' })).toEqual([1, 2, 4, 5]);
      expect(await seqs({ limit: 10, since: T0 + 2000, until: T0 + 4000 })).toEqual([2, 3]);
      expect(await seqs({ limit: 2, after: 1 })).toEqual([2, 3]);
      expect(await seqs({ limit: 10, after: 3, actorKind: 'key' })).toEqual([5]);
    });

    it('keeps one key per workspace for the people entries name', async () => {
      let made = 0;
      const create = () => ({ key: `key-${++made}`, createdAt: T0 });
      const [a, b] = await Promise.all([audit.personKey('ws1', create), audit.personKey('ws1', create)]);
      expect(a).toBe(b);
      expect(await audit.personKey('ws1', create)).toBe(a);
      expect(await audit.personKey('ws2', create)).not.toBe(a);
    });

    it('purges the oldest prefix behind an anchor, with the record of it appended in the same step', async () => {
      for (let n = 1; n <= 4; n++) await audit.append(draft('ws1', n));
      await audit.append(draft('ws2', 1));
      const record = (purged: { removed: number }) => (purged.removed === 0 ? null : draft('ws1', 9, { action: 'retention.purged', target: { kind: 'retention', id: 'ws1' } }));
      expect(await audit.anchor('ws1')).toBeNull();
      // Entries 1 and 2 are older than T0 + 2.5 s: a dry run counts them and changes nothing.
      const second = (await audit.entries('ws1', 1, 1))[0]!;
      expect(await audit.purge('ws1', T0 + 2500, { at: T0 + 9000, dryRun: true, record })).toEqual({ removed: 2, anchor: { seq: 2, hash: second.hash }, oldestKept: T0 + 3000 });
      expect(await audit.anchor('ws1')).toBeNull();
      expect(await audit.purge('ws1', T0 + 2500, { at: T0 + 9000, dryRun: false, record })).toEqual({ removed: 2, anchor: { seq: 2, hash: second.hash }, oldestKept: T0 + 3000 });
      expect(await audit.anchor('ws1')).toEqual({ seq: 2, hash: second.hash });
      const rest = await audit.entries('ws1', 0, 10);
      expect(rest.map((e) => e.seq)).toEqual([3, 4, 5]);
      expect(rest.at(-1)?.action).toBe('retention.purged');
      const head = await audit.head('ws1');
      expect(verifyChain('ws1', rest, head, sha256Hex, [], { seq: 2, hash: second.hash })).toMatchObject({ ok: true, entries: 3 });
      // Nothing older: nothing removed, nothing appended, the anchor stays.
      expect(await audit.purge('ws1', T0 + 2500, { at: T0 + 9000, dryRun: false, record })).toMatchObject({ removed: 0, anchor: { seq: 2 } });
      expect(await audit.head('ws1')).toEqual(head);
      // Another workspace's chain is untouched.
      expect((await audit.entries('ws2', 0, 10)).map((e) => e.seq)).toEqual([1]);
      expect(await audit.anchor('ws2')).toBeNull();
    });
  });
}
