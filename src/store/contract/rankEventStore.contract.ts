import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RankEventRecord, RankEventStore } from '../ports.js';
import { contractWorkspaces, openContractStore, type ContractStore, type OpenAdapter } from './shared.contract.js';

const A = contractWorkspaces.a;
const B = contractWorkspaces.b;

const rankEvent = (eventId: string, rankedAt: number, options: { workspaceId?: string; deferred?: boolean } = {}): RankEventRecord => ({
  workspaceId: options.workspaceId ?? A,
  eventId,
  context: [{ user: { tier: 'gold' } }, { device: 'mobile' }],
  actions: [{ id: 'news', features: [{ type: 'News' }] }, { id: 'sports', features: [{ type: 'Sports', live: true }] }, { id: 'fun', features: [] }],
  excludedActions: ['sports'],
  chosenActionId: 'news',
  probabilities: [0.9, 0, 0.1],
  rankedAt,
  activatedAt: options.deferred === true ? null : rankedAt,
  reward: null,
  rewardSource: null,
  rewardedAt: null,
  learnedSeq: null,
});

/**
 * The contract of RankEventStore: events stored as given and unique per workspace; the earliest
 * reward counts; an event is learned once, when it is both active and rewarded, and numbered in
 * learning order; the default reward goes to the active events left without one; listings newest
 * first; workspaces apart.
 *
 * @example describeRankEventStoreContract('sqlite', async () => openSqliteStore({ path: ':memory:', synchronous: 'normal' }))
 */
export function describeRankEventStoreContract(adapterName: string, open: OpenAdapter): void {
  describe(`${adapterName}: rank event store contract`, () => {
    let store: ContractStore;
    let events: RankEventStore;
    beforeEach(async () => {
      store = await openContractStore(open);
      // Through the engine's store, as the service uses it.
      events = store.engine.rankEvents;
    });
    afterEach(async () => { await store.close(); });

    it('stores an event as given, refuses its id twice in a workspace, and keeps workspaces apart', async () => {
      expect(await events.recordRank(rankEvent('e1', 1000))).toBe(true);
      expect(await events.recordRank({ ...rankEvent('e1', 2000), chosenActionId: 'fun' })).toBe(false);
      expect(await events.getEvent(A, 'e1')).toEqual(rankEvent('e1', 1000));
      expect(await events.getEvent(B, 'e1')).toBeUndefined();
      expect(await events.recordRank(rankEvent('e1', 3000, { workspaceId: B }))).toBe(true);
      expect((await events.getEvent(B, 'e1'))?.rankedAt).toBe(3000);
      expect(await events.reward(B, 'nope', 1, 1)).toEqual({ kind: 'unknown' });
      expect(await events.activate(A, 'nope', 1)).toEqual({ kind: 'unknown' });
    });

    it('stores a batch in one call, each as given, and refuses the ids taken (in the store or earlier in the batch)', async () => {
      await events.recordRank(rankEvent('old', 500));
      const batch = [rankEvent('b1', 1000), rankEvent('old', 1100), rankEvent('b2', 1200, { workspaceId: B }), { ...rankEvent('b1', 1300), chosenActionId: 'fun' }];
      expect(await events.recordRanks(batch)).toEqual([true, false, true, false]);
      expect(await events.getEvent(A, 'b1')).toEqual(rankEvent('b1', 1000));
      expect((await events.getEvent(A, 'old'))?.rankedAt).toBe(500);
      expect(await events.getEvent(B, 'b2')).toEqual(rankEvent('b2', 1200, { workspaceId: B }));
      expect(await events.recordRanks([])).toEqual([]);
    });

    it('learns an active event at its first reward and ignores later ones', async () => {
      await events.recordRank(rankEvent('e1', 1000));
      const first = await events.reward(A, 'e1', 0.5, 1100);
      expect(first).toEqual({ kind: 'changed', learned: { ...rankEvent('e1', 1000), reward: 0.5, rewardSource: 'sent', rewardedAt: 1100, learnedSeq: 1 } });
      expect(await events.reward(A, 'e1', 1, 1200)).toEqual({ kind: 'unchanged' });
      expect((await events.getEvent(A, 'e1'))?.reward).toBe(0.5);
      expect(await events.activate(A, 'e1', 1300)).toEqual({ kind: 'unchanged' });
    });

    it('holds the reward of a deferred event until it is activated, then learns it', async () => {
      await events.recordRank(rankEvent('d1', 1000, { deferred: true }));
      expect(await events.reward(A, 'd1', 1, 1100)).toEqual({ kind: 'changed', learned: null });
      expect(await events.learnedEvents(A, 0, 10)).toEqual([]);
      const activated = await events.activate(A, 'd1', 1200);
      expect(activated).toMatchObject({ kind: 'changed', learned: { eventId: 'd1', activatedAt: 1200, reward: 1, learnedSeq: 1 } });
    });

    it('numbers learned events in learning order, not ranking order, and pages through them', async () => {
      for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) await events.recordRank(rankEvent(id, 1000 + i));
      for (const id of ['c', 'a', 'd', 'b']) await events.reward(A, id, 1, 2000);
      expect((await events.learnedEvents(A, 0, 10)).map((e) => [e.eventId, e.learnedSeq])).toEqual([['c', 1], ['a', 2], ['d', 3], ['b', 4]]);
      expect((await events.learnedEvents(A, 2, 1)).map((e) => e.eventId)).toEqual(['d']);
      expect(await events.learnedEvents(B, 0, 10)).toEqual([]);
    });

    it('gives the default reward to active events left without one, in activation order, once', async () => {
      await events.recordRank(rankEvent('late', 1000, { deferred: true }));
      await events.recordRank(rankEvent('early', 1500));
      await events.recordRank(rankEvent('rewarded', 1600));
      await events.recordRank(rankEvent('fresh', 5000));
      await events.recordRank(rankEvent('never', 1000, { deferred: true }));
      await events.activate(A, 'late', 1700);
      await events.reward(A, 'rewarded', 1, 1650);
      const expired = await events.expire(A, 2000, 0, 9000);
      expect(expired.map((e) => [e.eventId, e.reward, e.rewardSource, e.rewardedAt, e.learnedSeq])).toEqual([['early', 0, 'default', 9000, 2], ['late', 0, 'default', 9000, 3]]);
      expect(await events.expire(A, 2000, 0, 9001)).toEqual([]);
      expect(await events.reward(A, 'early', 1, 9002)).toEqual({ kind: 'unchanged' });
      expect((await events.getEvent(A, 'never'))?.learnedSeq).toBeNull();
      expect((await events.getEvent(A, 'fresh'))?.reward).toBeNull();
    });

    it('lists events newest first, in pages', async () => {
      for (const [i, id] of ['a', 'b', 'c'].entries()) await events.recordRank(rankEvent(id, 1000 + i));
      await events.recordRank(rankEvent('x', 999, { workspaceId: B }));
      expect((await events.listEvents(A, 2)).map((e) => e.eventId)).toEqual(['c', 'b']);
      expect((await events.listEvents(A, 2, 'b')).map((e) => e.eventId)).toEqual(['a']);
      expect((await events.listEvents(B, 10)).map((e) => e.eventId)).toEqual(['x']);
    });
    it('keeps a model snapshot, numbers exactly as saved, one per workspace', async () => {
      expect(await events.loadSnapshot(A)).toBeUndefined();
      const values = (n: number, seed: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * seed) / 3 + (i === 1 ? Number.MIN_VALUE : 0));
      const snapshot = { learnedSeq: 7, dims: 3, ridge: 0.5, observations: 7, inverse: values(9, 1), moment: values(3, 2), theta: values(3, 3), savedAt: 1234 };
      await events.saveSnapshot(A, snapshot);
      expect(await events.loadSnapshot(A)).toEqual(snapshot);
      expect(await events.loadSnapshot(B)).toBeUndefined();
      await events.saveSnapshot(A, { ...snapshot, learnedSeq: 9, observations: 9 });
      expect(await events.loadSnapshot(A)).toMatchObject({ learnedSeq: 9, observations: 9 });
    });
  });
}
