import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectedEvent } from '../../core/events/CollectedEvent.js';
import { defaultIdentitySettings, type IdentityKey } from '../../core/identity/types.js';
import { emptyKnowledge } from '../../core/knowledge/KnowledgeState.js';
import type { AttuneStore, DecisionRecord, LogRecord, PersonKeys, PrivacyStore, StoredProfile } from '../ports.js';
import { contractWorkspaces, stateBatch, type OpenAdapter } from './shared.contract.js';

const A = contractWorkspaces.a;
const B = contractWorkspaces.b;
const T0 = Date.parse('2024-05-01T12:00:00Z');

const user = (value: string): IdentityKey => ({ kind: 'user', value });
const anonymous = (value: string): IdentityKey => ({ kind: 'anonymous', value });

function event(seq: number, workspaceId: string, profileId: string, ids: { userId?: string; anonymousId?: string }): LogRecord {
  const messageId = `m-${workspaceId}-${seq}`;
  const e: CollectedEvent = {
    type: 'track', messageId, generatedMessageId: false, userId: ids.userId ?? null, anonymousId: ids.anonymousId ?? null, previousId: null, groupId: null,
    name: 'Clicked', timestamp: T0 + seq, receivedAt: T0 + seq, traits: null, properties: null, context: null,
    body: { type: 'track', messageId, event: 'Clicked', ...ids },
  };
  return { seq, workspaceId, profileId, event: e };
}

function profile(workspaceId: string, id: string, over: Partial<StoredProfile> = {}): StoredProfile {
  return {
    workspaceId, id, createdAt: T0, firstSeen: T0, lastSeen: T0, traits: { values: { colour: `colour-of-${id}` }, updatedAt: { colour: T0 } },
    eventCounts: { track: 1 }, mergedCount: 0, mergedInto: null, knowledge: { ...emptyKnowledge(), m: { vip: T0 } }, identities: [], ...over,
  };
}

const decision = (workspaceId: string, decisionId: string, profileId: string): DecisionRecord => ({
  workspaceId, decisionId, profileId, placementId: 'hero', actionId: 'a', variant: 'default', score: 1, probability: 1, fallback: null, segments: ['vip'], reasons: { why: 'rule' }, at: T0,
});

/**
 * Ada in A: profile `ada` (user `ada-u`, anonymous `ada-a`) that absorbed `ada-old`; Bob in A;
 * Ada's user id again in B (another person). Events, decisions, segment and consent history for
 * each, a rank event naming `ada-u`. The newest event of the log is Ada's.
 */
async function seed(adapter: AttuneStore): Promise<PersonKeys> {
  await adapter.log.append(
    [event(1, A, 'ada-old', { anonymousId: 'ada-a' }), event(2, A, 'bob', { userId: 'bob-u' }), event(3, B, 'ada-b', { userId: 'ada-u' }), event(4, A, 'ada', { userId: 'ada-u', anonymousId: 'ada-a' })],
    [decision(A, 'd-ada', 'ada'), decision(A, 'd-bob', 'bob'), decision(B, 'd-ada-b', 'ada-b')],
  );
  const link = (workspaceId: string, key: IdentityKey, profileId: string) => ({ workspaceId, key, profileId, at: T0 });
  const enter = (workspaceId: string, profileId: string) => ({ workspaceId, profileId, change: { segment: 'vip', kind: 'enter' as const, at: T0 } });
  const consent = (workspaceId: string, profileId: string) => ({ workspaceId, profileId, change: { purpose: 'personalization', granted: true, source: 'context' as const, at: T0 } });
  await adapter.state.write(stateBatch({
    checkpoint: 4,
    profiles: [profile(A, 'ada', { mergedCount: 1 }), profile(A, 'ada-old', { mergedInto: 'ada', knowledge: null }), profile(A, 'bob'), profile(B, 'ada-b')],
    identities: [link(A, user('ada-u'), 'ada'), link(A, anonymous('ada-a'), 'ada'), link(A, user('bob-u'), 'bob'), link(B, user('ada-u'), 'ada-b')],
    merges: [{ workspaceId: A, survivorId: 'ada', absorbedId: 'ada-old', at: T0 }],
    segmentChanges: [enter(A, 'ada'), enter(A, 'bob'), enter(B, 'ada-b'), { workspaceId: A, profileId: 'ada', change: { segment: 'buyers', kind: 'leave', at: T0 + 1, reason: 'consent' } }],
    consentChanges: [consent(A, 'ada'), consent(A, 'bob'), consent(B, 'ada-b')],
  }));
  const rank = (workspaceId: string, eventId: string, who: string) => ({
    workspaceId, eventId, context: [{ user: who }], actions: [{ id: 'x', features: [] }], excludedActions: [], chosenActionId: 'x', probabilities: [1],
    rankedAt: T0, activatedAt: T0, reward: null, rewardSource: null, rewardedAt: null, learnedSeq: null,
  });
  await adapter.rankEvents.recordRank(rank(A, 'r-ada', 'ada-u'));
  await adapter.rankEvents.recordRank(rank(A, 'r-bob', 'bob-u'));
  await adapter.rankEvents.recordRank(rank(A, 'r-ada-u2', 'ada-u2'));
  return { profileIds: ['ada', 'ada-old'], identities: [user('ada-u'), anonymous('ada-a')] };
}

/**
 * The contract of PrivacyStore: a person is found by identifier or profile id through merges;
 * their rows of every per-person table are read, counted and deleted together, and only theirs
 * (another person, the same user id in another workspace, a rank event naming a longer id stay);
 * the log's end does not move back; the suppression list, its counts and the receipts are per
 * workspace; the workspace's secret is made once.
 *
 * @example describePrivacyStoreContract('sqlite', async () => openSqliteStore({ path: ':memory:', synchronous: 'normal' }))
 */
export function describePrivacyStoreContract(adapterName: string, open: OpenAdapter): void {
  describe(`${adapterName}: privacy store contract`, () => {
    let adapter: AttuneStore;
    let privacy: PrivacyStore;
    beforeEach(async () => {
      adapter = await open();
      for (const id of [A, B]) await adapter.workspaces.createWorkspace({ id, name: id, createdAt: 0, identity: defaultIdentitySettings }, []);
      privacy = adapter.privacy;
    });
    afterEach(async () => {
      await adapter.close();
    });

    it('finds the person through merges, reads every row of theirs, and erases exactly those', async () => {
      const ada = await seed(adapter);
      expect(await privacy.survivorOf(A, { kind: 'user', value: 'ada-u' })).toBe('ada');
      expect(await privacy.survivorOf(A, { kind: 'profile', value: 'ada-old' })).toBe('ada');
      expect(await privacy.survivorOf(A, { kind: 'anonymous', value: 'ada-u' })).toBeUndefined();
      expect(await privacy.mergedInto(A, 'ada')).toEqual(['ada-old']);
      expect(await privacy.identitiesOf(A, ada.profileIds)).toEqual([user('ada-u'), anonymous('ada-a')]);

      const records = await privacy.records(A, ada);
      expect(records.events.map((e) => e.seq)).toEqual([1, 4]);
      expect(records.profiles.map((p) => p.id)).toEqual(['ada', 'ada-old']);
      expect(records.decisions.map((d) => d.decisionId)).toEqual(['d-ada']);
      expect(records.rankEvents.map((r) => r.eventId)).toEqual(['r-ada']);
      expect(records.merges).toEqual([{ survivorId: 'ada', absorbedId: 'ada-old', at: T0 }]);
      // A change by the rule has no reason; an exit for a withdrawn consent keeps its reason.
      expect(records.segmentChanges).toEqual([
        { segmentId: 'vip', profileId: 'ada', kind: 'enter', at: T0 },
        { segmentId: 'buyers', profileId: 'ada', kind: 'leave', at: T0 + 1, reason: 'consent' },
      ]);
      const expected = { events: 2, profiles: 2, knowledge: 1, identities: 2, merges: 1, segmentMembers: 1, segmentChanges: 2, consentChanges: 1, decisions: 1, rankEvents: 1 };
      expect(await privacy.remaining(A, ada)).toEqual(expected);

      const lastSeq = await adapter.log.lastSeq();
      expect(await privacy.erase(A, ada)).toEqual({ rows: expected, interactions: 0 });
      expect(Object.values(await privacy.remaining(A, ada)).every((n) => n === 0)).toBe(true);
      await privacy.compact();
      // The newest event was Ada's: the log's end stays where it was.
      expect(await adapter.log.lastSeq()).toBe(lastSeq);
      expect(await privacy.survivorOf(A, { kind: 'user', value: 'ada-u' })).toBeUndefined();

      const bob = { profileIds: ['bob'], identities: [user('bob-u')] };
      expect(await privacy.remaining(A, bob)).toMatchObject({ events: 1, profiles: 1, identities: 1, decisions: 1, rankEvents: 1 });
      expect(await privacy.survivorOf(B, { kind: 'user', value: 'ada-u' })).toBe('ada-b');
      expect(await privacy.remaining(B, { profileIds: ['ada-b'], identities: [user('ada-u')] })).toMatchObject({ events: 1, profiles: 1, decisions: 1 });
      expect((await adapter.rankEvents.getEvent(A, 'r-ada-u2'))?.eventId).toBe('r-ada-u2');
    });

    it('keeps a suppression list of hashes with drop counts, receipts, and one secret per workspace', async () => {
      const secret = await privacy.secret(A, () => 'first', T0);
      expect(secret).toBe('first');
      expect(await privacy.secret(A, () => 'second', T0 + 1)).toBe('first');
      expect(await privacy.secret(B, () => 'of-b', T0)).toBe('of-b');

      expect(await privacy.suppress(A, [{ hash: 'h1', kind: 'user' }, { hash: 'h2', kind: 'anonymous' }], T0)).toBe(2);
      expect(await privacy.suppress(A, [{ hash: 'h1', kind: 'user' }], T0 + 5)).toBe(0);
      await privacy.countDropped(A, new Map([['h1', 3], ['h-unknown', 1]]), T0 + 9);
      expect(await privacy.suppressions(A)).toEqual([
        { hash: 'h1', kind: 'user', since: T0, dropped: 3, lastDroppedAt: T0 + 9 },
        { hash: 'h2', kind: 'anonymous', since: T0, dropped: 0, lastDroppedAt: null },
      ]);
      expect(await privacy.suppressions(B)).toEqual([]);
      expect(await privacy.unsuppress(B, ['h1'])).toBe(0);
      expect(await privacy.unsuppress(A, ['h1', 'h3'])).toBe(1);
      expect((await privacy.suppressions(A)).map((s) => s.hash)).toEqual(['h2']);

      await privacy.saveReceipt(A, { id: 'r1', kind: 'erasure', at: T0, receipt: { n: 1 } });
      await privacy.saveReceipt(A, { id: 'r2', kind: 'erasure', at: T0 + 1, receipt: { n: 2 } });
      expect((await privacy.receipts(A, 10)).map((r) => r.id)).toEqual(['r2', 'r1']);
      expect(await privacy.receipts(A, 1)).toEqual([{ id: 'r2', kind: 'erasure', at: T0 + 1, receipt: { n: 2 } }]);
      expect(await privacy.receipts(B, 10)).toEqual([]);
    });
  });
}
