import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectedEvent } from '../core/events/CollectedEvent.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { DecisionRecord, EventLogReader, StoredEvent } from '../store/ports.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/openSqliteStore.js';
import { DedupeWindow } from './DedupeWindow.js';
import { LiveCommitter, type CycleHooks } from './LiveCommitter.js';
import { LiveState } from './LiveState.js';
import { ControlledLogWriter } from './testing/ControlledLogWriter.js';

const WS = 'ws1';
const T0 = Date.parse('2024-05-01T12:00:00Z');

function event(messageId: string): CollectedEvent {
  return {
    type: 'track', messageId, generatedMessageId: false, userId: null, anonymousId: 'a1', previousId: null, groupId: null,
    name: 'Clicked', timestamp: T0, receivedAt: T0, traits: null, properties: null, context: null, body: { type: 'track', messageId },
  };
}
const decision = (decisionId: string): DecisionRecord => ({
  workspaceId: WS, decisionId, profileId: 'p1', placementId: 'hero', actionId: null, variant: null, score: null, probability: 1, fallback: 'none', segments: [], reasons: null, at: T0,
});

async function messageIds(events: EventLogReader): Promise<string[]> {
  const out: StoredEvent[] = [];
  for await (const e of events.read()) out.push(e);
  return out.map((e) => e.messageId);
}

/** Lets the committer's setImmediate cycles and their promise chains run. */
const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('LiveCommitter', () => {
  let adapter: SqliteStore;
  let log: ControlledLogWriter;
  let live: LiveState;
  let calls: string[];
  let persist: () => Promise<void>;
  let committer: LiveCommitter;

  beforeEach(() => {
    adapter = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    log = new ControlledLogWriter(adapter.log);
    live = new LiveState(adapter.state, new DedupeWindow(24 * 3_600_000), 0, 1e9);
    calls = [];
    persist = async () => adapter.state.write(live.takeBatch());
    const hooks: CycleHooks = {
      ready: async () => { calls.push('ready'); },
      afterCycle: () => { calls.push('afterCycle'); },
      persist: async () => {
        calls.push('persist');
        await persist();
      },
      suspect: () => { calls.push('suspect'); },
      fault: () => { calls.push('fault'); },
    };
    committer = new LiveCommitter(live, log, hooks, { maxPendingEvents: 100 });
  });
  afterEach(async () => { await adapter.close(); });

  it('runs the jobs submitted meanwhile in one cycle: ready, one append of all their events, then every promise', async () => {
    const seqs = await Promise.all([
      committer.submit(1, (tx) => { tx.createProfile(WS, 'p1', T0); return tx.appendEvent(WS, 'p1', event('m1')); }),
      committer.submit(1, (tx) => tx.appendEvent(WS, 'p1', event('m2'))),
      committer.submit(0, (tx) => tx.recordDecisions([decision('d1')])),
    ]);
    expect(seqs.slice(0, 2)).toEqual([1, 2]);
    expect(log.appends.map((a) => [a.events.map((e) => e.seq), a.decisions.map((d) => d.decisionId)])).toEqual([[[1, 2], ['d1']]]);
    expect(calls).toEqual(['ready', 'afterCycle']);
    expect(await messageIds(adapter.events)).toEqual(['m1', 'm2']);
  });

  it('acknowledges an event only once its append is durable', async () => {
    const release = log.hold();
    let settled = false;
    const job = committer.submit(1, (tx) => { tx.createProfile(WS, 'p1', T0); tx.appendEvent(WS, 'p1', event('m1')); }).then(() => { settled = true; });
    await turns();
    expect(log.appends).toHaveLength(1);
    expect(settled).toBe(false);
    expect(committer.pendingEvents).toBe(1);
    release();
    await job;
    expect(await messageIds(adapter.events)).toEqual(['m1']);
    expect(committer.pendingEvents).toBe(0);
  });

  it('a failing append fails every job of its cycle; the jobs queued meanwhile run after ready (recovery), in a later cycle', async () => {
    const release = log.hold();
    log.failNext(new Error('disk full'));
    const first = committer.submit(1, (tx) => { tx.createProfile(WS, 'p1', T0); tx.appendEvent(WS, 'p1', event('m1')); });
    const second = committer.submit(0, (tx) => tx.recordDecisions([decision('d1')]));
    await turns();
    release();
    const queued = committer.submit(1, (tx) => { tx.createProfile(WS, 'p2', T0); tx.appendEvent(WS, 'p2', event('m2')); });
    for (const job of [first, second]) await expect(job).rejects.toMatchObject({ code: 'ATTUNE_STORE_UNAVAILABLE' });
    await queued;
    expect(calls).toEqual(['ready', 'suspect', 'fault', 'ready', 'afterCycle']);
    expect(await messageIds(adapter.events)).toEqual(['m2']);
  });

  it('after a job throws, settles each job by what it appended, not by the events it declared', async () => {
    await committer.submit(1, (tx) => { tx.createProfile(WS, 'p1', T0); });
    calls.length = 0;
    const results = await Promise.allSettled([
      // Declared one event, appended none, changed the memory: recovery will not restore it.
      committer.submit(1, (tx) => tx.saveKnowledge(WS, 'p1', { f: {}, s: null, c: {}, m: { vip: T0 } }), { workspaceId: WS, profileIds: ['p1'] }),
      committer.submit(1, () => { throw new Error('job failed'); }),
      // Declared none, appended a decision record or an event: durable, so kept.
      committer.submit(0, (tx) => tx.recordDecisions([decision('d1')])),
      committer.submit(0, (tx) => tx.appendEvent(WS, 'p1', event('m1')), { workspaceId: WS, profileIds: ['p1'] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'ATTUNE_STORE_UNAVAILABLE' });
    expect(await messageIds(adapter.events)).toEqual(['m1']);
    expect(calls).toEqual(['ready', 'suspect', 'fault']);
  });

  it('a job that changes the state without appending an event settles once the state is written', async () => {
    let release!: () => void;
    const written = new Promise<void>((resolve) => { release = resolve; });
    persist = async () => {
      await written;
      await adapter.state.write(live.takeBatch());
    };
    let settled = false;
    const job = committer.submit(0, (tx) => { tx.createProfile(WS, 'p1', T0); }).then(() => { settled = true; });
    await turns();
    expect(settled).toBe(false);
    release();
    await job;
    expect((await adapter.state.loadProfiles(WS, ['p1']))[0]?.id).toBe('p1');
    // A job that appends or changes nothing (all duplicates, a read) waits for no write.
    calls.length = 0;
    await committer.submit(1, (tx) => tx.hasMessage(WS, 'm1'));
    expect(calls).toEqual(['ready', 'afterCycle']);
  });

  it('refuses a job that changed the state only, when its state cannot be written', async () => {
    persist = async () => { throw new Error('state store down'); };
    const [memoryOnly, withEvent] = await Promise.allSettled([
      committer.submit(0, (tx) => { tx.createProfile(WS, 'p1', T0); }),
      committer.submit(1, (tx) => { tx.createProfile(WS, 'p2', T0); tx.appendEvent(WS, 'p2', event('m1')); }),
    ]);
    expect(memoryOnly).toMatchObject({ status: 'rejected', reason: { code: 'ATTUNE_STORE_UNAVAILABLE' } });
    expect(withEvent.status).toBe('fulfilled');
  });

  it('forgets the message ids of a job cut from the append, so another job of the cycle can append them', async () => {
    const [cut, retried] = await Promise.allSettled([
      committer.submit(1, (tx) => {
        tx.createProfile(WS, 'p1', T0);
        tx.appendEvent(WS, 'p1', event('m1'));
        throw new Error('failed after the append');
      }),
      committer.submit(1, (tx) => {
        if (tx.hasMessage(WS, 'm1')) return 'duplicate';
        tx.createProfile(WS, 'p2', T0);
        tx.appendEvent(WS, 'p2', event('m1'));
        return 'accepted';
      }),
    ]);
    expect(cut.status).toBe('rejected');
    expect(retried).toEqual({ status: 'fulfilled', value: 'accepted' });
    expect(await messageIds(adapter.events)).toEqual(['m1']);
  });

  it('refuses jobs beyond the pending events limit and after close', async () => {
    const release = log.hold();
    const first = committer.submit(60, (tx) => { tx.createProfile(WS, 'p1', T0); });
    await expect(committer.submit(50, () => undefined)).rejects.toMatchObject({ code: 'ATTUNE_QUEUE_FULL' });
    release();
    await first;
    await committer.close();
    await expect(committer.submit(1, () => undefined)).rejects.toBeInstanceOf(AttuneError);
  });

  it('between runs after the cycles already scheduled and before the next one', async () => {
    const order: string[] = [];
    const release = log.hold();
    const job = committer.submit(1, (tx) => { tx.createProfile(WS, 'p1', T0); tx.appendEvent(WS, 'p1', event('m1')); order.push('job'); }).then(() => order.push('settled'));
    await turns();
    const between = committer.between(() => { order.push('between'); });
    await turns();
    expect(order).toEqual(['job']);
    release();
    await Promise.all([job, between]);
    expect(order).toEqual(['job', 'settled', 'between']);
  });
});
