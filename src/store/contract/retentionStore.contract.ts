import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectedEvent } from '../../core/events/CollectedEvent.js';
import { defaultIdentitySettings } from '../../core/identity/types.js';
import { emptyKnowledge } from '../../core/knowledge/KnowledgeState.js';
import { dayMillis, retentionCutOffs, type RetentionPolicy } from '../../core/retention/RetentionPolicy.js';
import type { AttuneStore, DecisionRecord, LogRecord, RetentionStore, StoredProfile } from '../ports.js';
import { contractWorkspaces, stateBatch, type OpenAdapter } from './shared.contract.js';

const A = contractWorkspaces.a;
const B = contractWorkspaces.b;
const NOW = Date.parse('2024-05-01T12:00:00Z');
const daysAgo = (days: number) => NOW - days * dayMillis;

function event(seq: number, workspaceId: string, profileId: string, type: CollectedEvent['type'], name: string | null, at: number): LogRecord {
  const messageId = `m-${workspaceId}-${seq}`;
  const e: CollectedEvent = {
    type, messageId, generatedMessageId: false, userId: profileId, anonymousId: null, previousId: null, groupId: null,
    name, timestamp: at, receivedAt: at, traits: null, properties: null, context: null, body: { type, messageId },
  };
  return { seq, workspaceId, profileId, event: e };
}

function profile(workspaceId: string, id: string, over: Partial<StoredProfile> = {}): StoredProfile {
  return {
    workspaceId, id, createdAt: NOW, firstSeen: NOW, lastSeen: NOW, traits: { values: {}, updatedAt: {} },
    eventCounts: {}, mergedCount: 0, mergedInto: null, knowledge: emptyKnowledge(), identities: [], ...over,
  };
}

const decision = (workspaceId: string, decisionId: string, at: number): DecisionRecord => ({
  workspaceId, decisionId, profileId: 'ada', placementId: 'hero', actionId: 'a', variant: 'default', score: 1, probability: 1, fallback: null, segments: [], reasons: {}, at,
});

/**
 * In A: Ada (consent to analytics) with old and new events of several names and types; Quiet,
 * who refused analytics, and Quiet's older profile merged into Quiet (its event follows the
 * survivor's consent); Dee, who decided nothing (the workspace default applies). In B: an old
 * event, which A's purge never touches. Old and new decision records in A and B.
 */
async function seed(adapter: AttuneStore): Promise<void> {
  await adapter.log.append([
    event(1, A, 'ada', 'track', 'Viewed', daysAgo(40)),
    event(2, A, 'ada', 'track', 'Ordered', daysAgo(40)),
    event(3, A, 'ada', 'page', 'Home', daysAgo(12)),
    event(4, B, 'bea', 'track', 'Viewed', daysAgo(40)),
    event(5, A, 'quiet-old', 'track', 'Viewed', daysAgo(3)),
    event(6, A, 'quiet', 'identify', null, daysAgo(1)),
    event(7, A, 'dee', 'track', 'Viewed', daysAgo(3)),
    event(8, A, 'ada', 'track', 'Viewed', daysAgo(1)),
  ], [decision(A, 'd-old', daysAgo(100)), decision(A, 'd-new', daysAgo(1)), decision(B, 'd-old-b', daysAgo(100))]);
  const refused = { ...emptyKnowledge(), c: { analytics: [false, NOW, 'context'] as [boolean, number, 'context'] } };
  const granted = { ...emptyKnowledge(), c: { analytics: [true, NOW, 'context'] as [boolean, number, 'context'] } };
  await adapter.state.write(stateBatch({
    checkpoint: 8,
    profiles: [
      profile(A, 'ada', { knowledge: granted }), profile(A, 'quiet', { knowledge: refused }), profile(A, 'quiet-old', { mergedInto: 'quiet', knowledge: null }),
      profile(A, 'dee'), profile(B, 'bea'),
    ],
  }));
}

const policy: RetentionPolicy = { events: { keepDays: 30, byEvent: { Ordered: 365 }, byType: { page: 10 } }, withoutAnalytics: { keepDays: 2 }, decisions: { keepDays: 30 } };

/**
 * The contract of RetentionStore: the policy per workspace; events purged by the core's verdict
 * (default, name and type periods; the `analytics` consent of the survivor, or the default),
 * counted per name and type, a part of the log at a time, only in the workspace named, the
 * log's end kept; a dry run counts the same and deletes nothing; decision records by their
 * own period; the oldest kept.
 *
 * @example describeRetentionStoreContract('sqlite', async () => openSqliteStore({ path: ':memory:', synchronous: 'normal' }))
 */
export function describeRetentionStoreContract(adapterName: string, open: OpenAdapter): void {
  describe(`${adapterName}: retention store contract`, () => {
    let adapter: AttuneStore;
    let retention: RetentionStore;
    beforeEach(async () => {
      adapter = await open();
      for (const id of [A, B]) await adapter.workspaces.createWorkspace({ id, name: id, createdAt: 0, identity: defaultIdentitySettings }, []);
      retention = adapter.retention;
      await seed(adapter);
    });
    afterEach(async () => {
      await adapter.close();
    });

    const seqs = async (ws: string) => {
      const out: number[] = [];
      for await (const e of adapter.events.read({ workspaceId: ws })) out.push(e.seq);
      return out;
    };

    it('keeps one policy per workspace', async () => {
      expect(await retention.policy(A)).toBeNull();
      await retention.setPolicy(A, policy, NOW);
      await retention.setPolicy(A, { ...policy, decisions: { keepDays: 7 } }, NOW + 1);
      expect(await retention.policy(A)).toEqual({ policy: { ...policy, decisions: { keepDays: 7 } }, updatedAt: NOW + 1 });
      expect(await retention.policy(B)).toBeNull();
    });

    it.each([
      ['the default grants analytics', true, { removed: 3, byEvent: { Viewed: 2 }, byType: { page: 1 }, withoutAnalytics: 1 }, [2, 6, 7, 8]],
      ['the default refuses analytics', false, { removed: 4, byEvent: { Viewed: 3 }, byType: { page: 1 }, withoutAnalytics: 2 }, [2, 6, 8]],
    ])('purges the events the verdict removes (%s), counted by name and type, a part at a time', async (_name, analyticsDefault, expected, kept) => {
      const cutOffs = retentionCutOffs(policy, NOW);
      const lastSeq = await adapter.log.lastSeq();
      const dry = await retention.purgeEvents(A, cutOffs, { analyticsDefault, dryRun: true, afterSeq: 0, limit: 100 });
      expect(dry).toEqual({ ...expected, lastSeq: null });
      expect(await seqs(A)).toEqual([1, 2, 3, 5, 6, 7, 8]);

      // Three events per part: the parts add up to the whole.
      let removed = 0;
      const parts: (number | null)[] = [];
      for (let afterSeq: number | null = 0; afterSeq !== null;) {
        const part = await retention.purgeEvents(A, cutOffs, { analyticsDefault, dryRun: false, afterSeq, limit: 3 });
        removed += part.removed;
        parts.push(part.lastSeq);
        afterSeq = part.lastSeq;
      }
      expect(removed).toBe(expected.removed);
      expect(parts.at(-1)).toBeNull();
      expect(await seqs(A)).toEqual(kept);
      expect(await seqs(B)).toEqual([4]);
      // The newest event may have gone: the log's end does not move back.
      expect(await adapter.log.lastSeq()).toBe(lastSeq);
    });

    it('purges decision records by their own period and reports the oldest kept', async () => {
      expect(await retention.oldest(A)).toEqual({ event: daysAgo(40), decision: daysAgo(100) });
      expect(await retention.purgeDecisions(A, daysAgo(30), true)).toBe(1);
      expect(await retention.purgeDecisions(A, daysAgo(30), false)).toBe(1);
      expect(await retention.purgeDecisions(A, daysAgo(30), false)).toBe(0);
      expect(await retention.oldest(A)).toEqual({ event: daysAgo(40), decision: daysAgo(1) });
      expect((await retention.oldest(B)).decision).toBe(daysAgo(100));
    });
  });
}
