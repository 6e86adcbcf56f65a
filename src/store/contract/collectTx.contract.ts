import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectedEvent } from '../../core/events/CollectedEvent.js';
import type { ProfileState } from '../../core/identity/mergeProfileState.js';
import { emptyTraits } from '../../core/identity/traits.js';
import type { IdentityKey } from '../../core/identity/types.js';
import type { CollectCommitter, CollectTx, EventLogReader, EventLogReadOptions, ProfileReader, StoredEvent } from '../ports.js';

/** What the collect contract needs from an adapter: the write side and its two read models. */
export interface CollectStoreUnderTest {
  readonly committer: CollectCommitter;
  readonly events: EventLogReader;
  readonly profiles: ProfileReader;
  close(): Promise<void>;
}

/**
 * The workspaces the suite writes to. An adapter whose schema requires workspaces to exist
 * creates these two in `open`.
 */
export const contractWorkspaces = { a: 'ws-contract-a', b: 'ws-contract-b' } as const;

const A = contractWorkspaces.a;
const B = contractWorkspaces.b;
const T0 = Date.parse('2024-05-01T12:00:00Z');

const user = (value: string): IdentityKey => ({ kind: 'user', value });
const anonymous = (value: string): IdentityKey => ({ kind: 'anonymous', value });

function collected(messageId: string, fields: Partial<CollectedEvent> = {}): CollectedEvent {
  return {
    type: 'track', messageId, generatedMessageId: false, userId: null, anonymousId: null, previousId: null, groupId: null,
    name: 'Clicked', timestamp: T0, receivedAt: T0, traits: null, properties: null, context: null,
    body: { type: 'track', messageId, event: 'Clicked', properties: { n: 1 } },
    ...fields,
  };
}

/** Creates a profile known by the given ids; for seeding a test. */
function seed(tx: CollectTx, workspaceId: string, profileId: string, ids: readonly IdentityKey[], at = T0): void {
  tx.createProfile(workspaceId, profileId, at);
  for (const key of ids) tx.linkIdentity(workspaceId, key, profileId, at);
}

async function readAll(events: EventLogReader, options?: EventLogReadOptions): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const event of events.read(options)) out.push(event);
  return out;
}

/**
 * The contract of the collect ports (CollectTx through a CollectCommitter, EventLogReader,
 * ProfileReader): one suite that every storage adapter passes. `open` gives a fresh, empty store.
 *
 * @example describeCollectStoreContract('sqlite', async () => openSqliteStore({ path: ':memory:', ... }))
 */
export function describeCollectStoreContract(adapterName: string, open: () => Promise<CollectStoreUnderTest>): void {
  describe(`${adapterName}: collect store contract`, () => {
    let store: CollectStoreUnderTest;
    beforeEach(async () => { store = await open(); });
    afterEach(async () => { await store.close(); });

    const run = <R>(job: (tx: CollectTx) => R): Promise<R> => store.committer.submit(1, job);
    const facts = (workspaceId: string, key: IdentityKey) => run((tx) => {
      const f = tx.findProfile(workspaceId, key);
      return f === undefined ? undefined : { id: f.id, mergedCount: f.mergedCount, userIds: [...f.userIds].sort() };
    });

    describe('CollectTx', () => {
      it('hasMessage is true once a message is appended, in its own workspace only', async () => {
        expect(await run((tx) => tx.hasMessage(A, 'm1'))).toBe(false);
        await run((tx) => { seed(tx, A, 'p1', []); tx.appendEvent(A, 'p1', collected('m1')); });
        expect(await run((tx) => [tx.hasMessage(A, 'm1'), tx.hasMessage(B, 'm1'), tx.hasMessage(A, 'm2')])).toEqual([true, false, false]);
      });

      it('the same messageId is a different message in another workspace', async () => {
        await run((tx) => {
          seed(tx, A, 'p1', []);
          seed(tx, B, 'p1', []);
          tx.appendEvent(A, 'p1', collected('m1'));
          tx.appendEvent(B, 'p1', collected('m1'));
        });
        expect([await store.events.count(A), await store.events.count(B)]).toEqual([1, 1]);
      });

      it('findProfile finds a profile by each of its ids, with its user ids and merge count', async () => {
        await run((tx) => seed(tx, A, 'p1', [user('u1'), user('u2'), anonymous('a1')]));
        const expected = { id: 'p1', mergedCount: 0, userIds: ['u1', 'u2'] };
        expect(await facts(A, user('u1'))).toEqual(expected);
        expect(await facts(A, user('u2'))).toEqual(expected);
        expect(await facts(A, anonymous('a1'))).toEqual(expected);
      });

      it('findProfile tells user ids and anonymous ids apart, and knows nothing of other workspaces', async () => {
        await run((tx) => seed(tx, A, 'p1', [user('x')]));
        expect(await facts(A, anonymous('x'))).toBeUndefined();
        expect(await facts(A, user('unknown'))).toBeUndefined();
        expect(await facts(B, user('x'))).toBeUndefined();
      });

      it('linkIdentity moves an identifier that pointed at another profile', async () => {
        await run((tx) => { seed(tx, A, 'p1', [user('u1'), anonymous('a1')]); seed(tx, A, 'p2', [user('u2')]); });
        await run((tx) => tx.linkIdentity(A, anonymous('a1'), 'p2', T0 + 1));
        expect((await facts(A, anonymous('a1')))?.id).toBe('p2');
        expect(await facts(A, user('u1'))).toEqual({ id: 'p1', mergedCount: 0, userIds: ['u1'] });
      });

      it('linkIdentity to the profile it already points at changes nothing', async () => {
        await run((tx) => { seed(tx, A, 'p1', [user('u1')]); tx.linkIdentity(A, user('u1'), 'p1', T0 + 5); });
        expect(await facts(A, user('u1'))).toEqual({ id: 'p1', mergedCount: 0, userIds: ['u1'] });
      });

      it('linkIdentity in one workspace leaves the same identifier in another alone', async () => {
        await run((tx) => { seed(tx, A, 'pA', [user('u1')]); seed(tx, B, 'pB', [user('u1')]); seed(tx, B, 'pB2', []); });
        await run((tx) => tx.linkIdentity(B, user('u1'), 'pB2', T0));
        expect([(await facts(A, user('u1')))?.id, (await facts(B, user('u1')))?.id]).toEqual(['pA', 'pB2']);
      });

      it('a new profile starts empty, first and last seen at its creation time', async () => {
        const state = await run((tx) => { seed(tx, A, 'p1', []); return tx.loadProfileState(A, 'p1'); });
        expect(state).toEqual({ id: 'p1', firstSeen: T0, lastSeen: T0, traits: emptyTraits, eventCounts: {}, mergedCount: 0 });
      });

      it('loadProfileState throws for a profile that does not exist, including one of another workspace', async () => {
        await run((tx) => seed(tx, A, 'p1', []));
        await expect(run((tx) => tx.loadProfileState(A, 'nope'))).rejects.toThrow();
        await expect(run((tx) => tx.loadProfileState(B, 'p1'))).rejects.toThrow();
      });

      it('writeTraits stores values and their times', async () => {
        const traits = { values: { plan: 'pro', address: { city: 'Oslo' }, vip: null }, updatedAt: { plan: 10, address: 20, vip: 30 } };
        const state = await run((tx) => { seed(tx, A, 'p1', []); tx.writeTraits(A, 'p1', traits); return tx.loadProfileState(A, 'p1'); });
        expect(state.traits).toEqual(traits);
      });

      it('touchProfile counts events per type and widens first and last seen', async () => {
        const state = await run((tx) => {
          seed(tx, A, 'p1', [], T0);
          tx.touchProfile(A, 'p1', 'track', T0 + 1000);
          tx.touchProfile(A, 'p1', 'track', T0 - 5000);
          tx.touchProfile(A, 'p1', 'page', T0 + 500);
          return tx.loadProfileState(A, 'p1');
        });
        expect(state).toMatchObject({ firstSeen: T0 - 5000, lastSeen: T0 + 1000, eventCounts: { track: 2, page: 1 } });
      });

      it('touchProfile of a profile id in one workspace leaves the same id in another alone', async () => {
        await run((tx) => { seed(tx, A, 'p1', []); seed(tx, B, 'p1', []); tx.touchProfile(B, 'p1', 'identify', T0 + 9); });
        const states = await run((tx) => [tx.loadProfileState(A, 'p1'), tx.loadProfileState(B, 'p1')]);
        expect(states.map((s) => [s.eventCounts, s.lastSeen])).toEqual([[{}, T0], [{ identify: 1 }, T0 + 9]]);
      });

      it('absorbProfile writes the merged state and moves every identity of the absorbed profile', async () => {
        const merged: ProfileState = {
          id: 'p1', firstSeen: T0 - 100, lastSeen: T0 + 100, traits: { values: { plan: 'pro' }, updatedAt: { plan: 7 } },
          eventCounts: { track: 3, page: 1 }, mergedCount: 1,
        };
        await run((tx) => {
          seed(tx, A, 'p1', [user('u1')]);
          seed(tx, A, 'p2', [user('u2'), anonymous('a2')]);
          tx.absorbProfile(A, merged, 'p2', T0 + 100);
        });
        expect(await run((tx) => tx.loadProfileState(A, 'p1'))).toEqual(merged);
        for (const key of [user('u1'), user('u2'), anonymous('a2')]) {
          expect(await facts(A, key)).toEqual({ id: 'p1', mergedCount: 1, userIds: ['u1', 'u2'] });
        }
      });

      it('absorbProfile flattens chains: what a profile had absorbed follows it into the survivor', async () => {
        const state = (id: string, mergedCount: number): ProfileState => ({ id, firstSeen: T0, lastSeen: T0, traits: emptyTraits, eventCounts: {}, mergedCount });
        await run((tx) => {
          seed(tx, A, 'p1', [user('u1')]);
          seed(tx, A, 'p2', [user('u2')]);
          seed(tx, A, 'p3', [anonymous('a3')]);
          tx.appendEvent(A, 'p3', collected('m3'));
        });
        await run((tx) => tx.absorbProfile(A, state('p2', 1), 'p3', T0));
        await run((tx) => tx.absorbProfile(A, state('p1', 2), 'p2', T0));
        expect((await facts(A, anonymous('a3')))?.id).toBe('p1');
        const view = await store.profiles.findProfile(A, 'p3', 10);
        expect(view?.id).toBe('p1');
        expect([...(view?.mergedProfileIds ?? [])].sort()).toEqual(['p2', 'p3']);
        expect(view?.recentEvents.map((e) => e.messageId)).toEqual(['m3']);
      });

      it('absorbProfile in one workspace leaves the other workspace alone', async () => {
        await run((tx) => {
          for (const ws of [A, B]) { seed(tx, ws, 'p1', [user('u1')]); seed(tx, ws, 'p2', [user('u2')]); }
          tx.absorbProfile(A, { ...tx.loadProfileState(A, 'p1'), mergedCount: 1 }, 'p2', T0);
        });
        expect((await facts(A, user('u2')))?.id).toBe('p1');
        expect(await facts(B, user('u2'))).toEqual({ id: 'p2', mergedCount: 0, userIds: ['u2'] });
        expect((await store.profiles.findProfile(B, 'p2', 1))?.id).toBe('p2');
      });

      it('appendEvent returns increasing sequence numbers, across jobs and workspaces', async () => {
        const first = await run((tx) => {
          seed(tx, A, 'p1', []);
          seed(tx, B, 'p1', []);
          return [tx.appendEvent(A, 'p1', collected('m1')), tx.appendEvent(B, 'p1', collected('m2')), tx.appendEvent(A, 'p1', collected('m3'))];
        });
        const later = await run((tx) => tx.appendEvent(B, 'p1', collected('m4')));
        const seqs = [...first, later];
        expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
        expect((await readAll(store.events)).map((e) => e.seq)).toEqual(seqs);
      });

      it('appendEvent stores the event as the log returns it', async () => {
        const event = collected('m1', {
          type: 'identify', name: null, userId: 'u1', anonymousId: 'a1', timestamp: T0 - 60_000, receivedAt: T0,
          body: { type: 'identify', userId: 'u1', anonymousId: 'a1', traits: { plan: 'pro', n: [1, 2] }, messageId: 'm1' },
        });
        const seq = await run((tx) => { seed(tx, A, 'p1', []); return tx.appendEvent(A, 'p1', event); });
        expect(await readAll(store.events)).toEqual([{
          seq, workspaceId: A, profileId: 'p1', messageId: 'm1', type: 'identify', name: null, userId: 'u1', anonymousId: 'a1',
          timestamp: T0 - 60_000, receivedAt: T0, body: event.body,
        }]);
      });
    });

    describe('CollectTx.resetDerivedState', () => {
      it('forgets the profiles and identities of one workspace, keeps its log and leaves the other workspace alone', async () => {
        await run((tx) => {
          for (const ws of [A, B]) {
            seed(tx, ws, 'p1', [user('u1'), anonymous('a1')]);
            seed(tx, ws, 'p2', [user('u2')]);
            tx.appendEvent(ws, 'p1', collected(`${ws}-m1`));
            tx.absorbProfile(ws, { ...tx.loadProfileState(ws, 'p1'), mergedCount: 1 }, 'p2', T0);
          }
        });
        await run((tx) => tx.resetDerivedState(A));
        for (const key of [user('u1'), user('u2'), anonymous('a1')]) expect(await facts(A, key)).toBeUndefined();
        expect(await store.profiles.findProfile(A, 'p1', 10)).toBeUndefined();
        expect(await run((tx) => tx.profileIds(A, '', 10))).toEqual([]);
        expect((await readAll(store.events, { workspaceId: A })).map((e) => [e.messageId, e.profileId])).toEqual([[`${A}-m1`, 'p1']]);
        expect(await run((tx) => tx.hasMessage(A, `${A}-m1`))).toBe(true);
        expect(await facts(B, user('u2'))).toEqual({ id: 'p1', mergedCount: 1, userIds: ['u1', 'u2'] });
        // The ids are free again: a replay creates the same profile afresh.
        const state = await run((tx) => { seed(tx, A, 'p1', [user('u1')]); return tx.loadProfileState(A, 'p1'); });
        expect(state).toEqual({ id: 'p1', firstSeen: T0, lastSeen: T0, traits: emptyTraits, eventCounts: {}, mergedCount: 0 });
      });
    });

    describe('CollectCommitter', () => {
      it('settles each job with what it returned', async () => {
        const results = await Promise.all([run(() => 1), run(() => 'two'), run(() => ({ three: 3 }))]);
        expect(results).toEqual([1, 'two', { three: 3 }]);
      });

      it('runs the jobs of one commit in order; a later job sees the writes of an earlier one', async () => {
        const first = run((tx) => { seed(tx, A, 'p1', []); return tx.appendEvent(A, 'p1', collected('m1')); });
        const second = run((tx) => tx.hasMessage(A, 'm1'));
        expect(await second).toBe(true);
        expect(await first).toBeGreaterThan(0);
      });

      it('rejects a job that throws with its own error and keeps none of its writes; the other jobs commit', async () => {
        const boom = new Error('boom');
        const kept = run((tx) => { seed(tx, A, 'p1', [user('u1')]); return tx.appendEvent(A, 'p1', collected('m1')); });
        const failed = run((tx) => { seed(tx, A, 'p2', [user('u2')]); tx.appendEvent(A, 'p2', collected('m2')); throw boom; });
        const alsoKept = run((tx) => tx.appendEvent(A, 'p1', collected('m3')));
        await expect(failed).rejects.toBe(boom);
        await Promise.all([kept, alsoKept]);
        expect((await readAll(store.events)).map((e) => e.messageId)).toEqual(['m1', 'm3']);
        expect(await facts(A, user('u2'))).toBeUndefined();
        expect(await run((tx) => tx.hasMessage(A, 'm2'))).toBe(false);
      });

      it('counts queued events until they are committed; flush commits them now', async () => {
        const pending = [store.committer.submit(3, () => 'a'), store.committer.submit(4, () => 'b')];
        expect(store.committer.pendingEvents).toBe(7);
        await store.committer.flush();
        expect(store.committer.pendingEvents).toBe(0);
        expect(await Promise.all(pending)).toEqual(['a', 'b']);
      });
    });

    describe('EventLogReader', () => {
      /** Appends m1..m7 in A interleaved with n1..n3 in B; returns the seqs of A's events. */
      async function appendMixed(): Promise<number[]> {
        return run((tx) => {
          seed(tx, A, 'pa', []);
          seed(tx, B, 'pb', []);
          const seqs: number[] = [];
          for (let i = 1; i <= 7; i++) {
            seqs.push(tx.appendEvent(A, 'pa', collected(`m${i}`)));
            if (i <= 3) tx.appendEvent(B, 'pb', collected(`n${i}`));
          }
          return seqs;
        });
      }

      it('reads nothing from an empty log', async () => {
        expect(await readAll(store.events)).toEqual([]);
        expect(await store.events.count(A)).toBe(0);
      });

      it.each([1, 2, 3, 10, 11, 1000])('streams every event in sequence order, across chunks of %i', async (chunkSize) => {
        await appendMixed();
        const events = await readAll(store.events, { chunkSize });
        expect(events.map((e) => e.messageId)).toEqual(['m1', 'n1', 'm2', 'n2', 'm3', 'n3', 'm4', 'm5', 'm6', 'm7']);
        expect(events.every((e, i) => i === 0 || e.seq > events[i - 1]!.seq)).toBe(true);
      });

      it('reads one workspace only when asked to', async () => {
        await appendMixed();
        const a = await readAll(store.events, { workspaceId: A, chunkSize: 2 });
        const b = await readAll(store.events, { workspaceId: B, chunkSize: 2 });
        expect(a.map((e) => e.messageId)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
        expect(b.map((e) => [e.messageId, e.workspaceId])).toEqual([['n1', B], ['n2', B], ['n3', B]]);
        expect(await readAll(store.events, { workspaceId: 'ws-unknown' })).toEqual([]);
      });

      it('afterSeq reads only later events (exclusive), with or without a workspace', async () => {
        const seqs = await appendMixed();
        const fromM3 = seqs[2]!;
        expect((await readAll(store.events, { afterSeq: fromM3, chunkSize: 2 })).map((e) => e.messageId)).toEqual(['n3', 'm4', 'm5', 'm6', 'm7']);
        expect((await readAll(store.events, { afterSeq: fromM3, workspaceId: A, chunkSize: 3 })).map((e) => e.messageId)).toEqual(['m4', 'm5', 'm6', 'm7']);
        expect(await readAll(store.events, { afterSeq: seqs[6]! })).toEqual([]);
      });

      it('a reader can resume where it stopped', async () => {
        await appendMixed();
        const firstFour: StoredEvent[] = [];
        for await (const event of store.events.read({ workspaceId: A, chunkSize: 3 })) {
          firstFour.push(event);
          if (firstFour.length === 4) break;
        }
        const rest = await readAll(store.events, { workspaceId: A, afterSeq: firstFour[3]!.seq });
        expect([...firstFour, ...rest].map((e) => e.messageId)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
      });

      it('counts the events of each workspace', async () => {
        await appendMixed();
        expect([await store.events.count(A), await store.events.count(B), await store.events.count('ws-unknown')]).toEqual([7, 3, 0]);
      });
    });

    describe('ProfileReader', () => {
      async function seedProfile(): Promise<void> {
        await run((tx) => {
          seed(tx, A, 'p1', [anonymous('a1'), user('u1')], T0);
          tx.writeTraits(A, 'p1', { values: { plan: 'pro' }, updatedAt: { plan: T0 } });
          for (let i = 1; i <= 4; i++) {
            tx.touchProfile(A, 'p1', i === 4 ? 'page' : 'track', T0 + i * 1000);
            tx.appendEvent(A, 'p1', collected(`m${i}`, { userId: 'u1', timestamp: T0 + i * 1000 }));
          }
        });
      }

      it('finds a profile by user id, anonymous id or profile id, all the same', async () => {
        await seedProfile();
        const views = await Promise.all(['u1', 'a1', 'p1'].map((id) => store.profiles.findProfile(A, id, 10)));
        expect(views[0]).toBeDefined();
        expect(views[1]).toEqual(views[0]);
        expect(views[2]).toEqual(views[0]);
      });

      it('shows identities, traits, first and last seen, counts and the most recent events first', async () => {
        await seedProfile();
        const view = await store.profiles.findProfile(A, 'u1', 3);
        expect(view).toMatchObject({
          id: 'p1', mergedProfileIds: [], traits: { plan: 'pro' }, firstSeen: T0, lastSeen: T0 + 4000, eventCounts: { track: 3, page: 1 },
        });
        expect([...(view?.identities ?? [])].sort((x, y) => x.value.localeCompare(y.value))).toEqual([anonymous('a1'), user('u1')]);
        expect(view?.recentEvents.map((e) => e.messageId)).toEqual(['m4', 'm3', 'm2']);
        expect(view?.recentEvents[0]).toMatchObject({ workspaceId: A, profileId: 'p1', userId: 'u1', timestamp: T0 + 4000 });
      });

      it('finds nothing for an unknown id, or for an id of another workspace', async () => {
        await seedProfile();
        for (const id of ['u1', 'a1', 'p1']) expect(await store.profiles.findProfile(B, id, 10)).toBeUndefined();
        expect(await store.profiles.findProfile(A, 'nobody', 10)).toBeUndefined();
      });

      it('a merged-away profile id and its identities find the survivor, with the events of both', async () => {
        await seedProfile();
        await run((tx) => {
          seed(tx, A, 'p2', [anonymous('a2')]);
          tx.appendEvent(A, 'p2', collected('m5', { anonymousId: 'a2' }));
          const merged = { ...tx.loadProfileState(A, 'p1'), mergedCount: 1 };
          tx.absorbProfile(A, merged, 'p2', T0 + 9000);
          tx.appendEvent(A, 'p1', collected('m6', { userId: 'u1' }));
        });
        const view = await store.profiles.findProfile(A, 'p2', 3);
        expect(view?.id).toBe('p1');
        expect(view?.mergedProfileIds).toEqual(['p2']);
        expect(view?.recentEvents.map((e) => [e.messageId, e.profileId])).toEqual([['m6', 'p1'], ['m5', 'p2'], ['m4', 'p1']]);
        expect((await store.profiles.findProfile(A, 'a2', 3))?.id).toBe('p1');
        expect(view?.identities.map((k) => k.value).sort()).toEqual(['a1', 'a2', 'u1']);
      });

      it('an id that is the user id of one profile and the anonymous id of another finds the user', async () => {
        await run((tx) => { seed(tx, A, 'pAnon', [anonymous('x')]); seed(tx, A, 'pUser', [user('x')]); });
        expect((await store.profiles.findProfile(A, 'x', 1))?.id).toBe('pUser');
      });

      it('shows only events of its own workspace, even for equal profile ids', async () => {
        await seedProfile();
        await run((tx) => { seed(tx, B, 'p1', [user('u1')]); tx.appendEvent(B, 'p1', collected('other')); });
        expect((await store.profiles.findProfile(A, 'p1', 10))?.recentEvents.map((e) => e.messageId)).toEqual(['m4', 'm3', 'm2', 'm1']);
        expect((await store.profiles.findProfile(B, 'u1', 10))?.recentEvents.map((e) => e.messageId)).toEqual(['other']);
      });
    });
  });
}
