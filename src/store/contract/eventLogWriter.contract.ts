import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectedEvent } from '../../core/events/CollectedEvent.js';
import type { AttuneStore, DecisionRecord, EventLogReader, LogRecord, StoredEvent } from '../ports.js';
import { contractWorkspaces } from './shared.contract.js';

const A = contractWorkspaces.a;
const B = contractWorkspaces.b;
const T0 = Date.parse('2024-05-01T12:00:00Z');
const HOUR = 3_600_000;

/** A log record as the engine makes it: sequence number and profile assigned. */
export function logRecord(seq: number, workspaceId: string, messageId: string, receivedAt = T0, profileId = 'p1'): LogRecord {
  const event: CollectedEvent = {
    type: 'track', messageId, generatedMessageId: false, userId: 'u1', anonymousId: null, previousId: null, groupId: null,
    name: 'Clicked', timestamp: receivedAt - 5, receivedAt, traits: null, properties: { n: seq }, context: null,
    body: { type: 'track', messageId, event: 'Clicked', properties: { n: seq } },
  };
  return { seq, workspaceId, profileId, event };
}

const decision = (decisionId: string, at = T0): DecisionRecord => ({
  workspaceId: A, decisionId, profileId: 'p1', placementId: 'hero', actionId: 'a', variant: 'default', score: 1, probability: 1, fallback: null, segments: [], reasons: null, at,
});

async function readAll(events: EventLogReader, workspaceId?: string): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const e of events.read(workspaceId === undefined ? {} : { workspaceId })) out.push(e);
  return out;
}

/**
 * The contract of EventLogWriter (with EventLogReader to see what was appended): one suite
 * that every storage adapter passes. `open` gives a fresh, empty store; `openAgain`, when the
 * storage outlives a connection, opens a second handle on the same storage (an append that
 * has settled must be visible there: it is durable).
 *
 * @example describeEventLogWriterContract('sqlite', async () => openSqliteStore({ path: ':memory:', synchronous: 'full' }))
 */
export function describeEventLogWriterContract<S extends AttuneStore>(adapterName: string, open: () => Promise<S>, openAgain?: (store: S) => Promise<AttuneStore>): void {
  describe(`${adapterName}: event log writer contract`, () => {
    let store: S;
    beforeEach(async () => { store = await open(); });
    afterEach(async () => { await store.close(); });

    it('an empty log: lastSeq 0 and no recent messages', async () => {
      expect(await store.log.lastSeq()).toBe(0);
      expect(await store.log.recentMessages(24 * HOUR)).toEqual([]);
    });

    it('appends events with the sequence numbers and profiles the engine gave them, readable in sequence order', async () => {
      await store.log.append([logRecord(1, A, 'm1'), logRecord(2, B, 'm1', T0, 'pB'), logRecord(3, A, 'm2', T0 + 1, 'p2')], []);
      expect(await store.log.lastSeq()).toBe(3);
      const stored = await readAll(store.events, A);
      expect(stored.map((e) => [e.seq, e.messageId, e.profileId])).toEqual([[1, 'm1', 'p1'], [3, 'm2', 'p2']]);
      expect(stored[0]).toMatchObject({ workspaceId: A, type: 'track', name: 'Clicked', userId: 'u1', anonymousId: null, timestamp: T0 - 5, receivedAt: T0, body: { properties: { n: 1 } } });
      expect((await readAll(store.events, B)).map((e) => e.profileId)).toEqual(['pB']);
    });

    it('appends the decision records that come with the events, once per decision id', async () => {
      await store.log.append([logRecord(1, A, 'm1')], [decision('d1')]);
      await store.log.append([], [decision('d2', T0 + 1), decision('d1', T0 + 9)]);
      expect((await store.decisions.decisionsOf(A, ['p1'], 10)).map((d) => [d.decisionId, d.at])).toEqual([['d2', T0 + 1], ['d1', T0]]);
      expect(await store.log.lastSeq()).toBe(1);
    });

    it('applies appends in the order they were called, without waiting for one another', async () => {
      await Promise.all([
        store.log.append([logRecord(1, A, 'm1'), logRecord(2, A, 'm2')], []),
        store.log.append([logRecord(3, A, 'm3')], []),
        store.log.append([logRecord(4, B, 'm4')], []),
      ]);
      expect((await readAll(store.events)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(await store.log.lastSeq()).toBe(4);
    });

    it('an append is all or nothing: one that fails writes none of its events or decisions, and later ones are applied', async () => {
      await store.log.append([logRecord(1, A, 'm1')], []);
      // Sequence number 1 is taken: the append fails as a whole, m2 and d1 with it.
      await expect(store.log.append([logRecord(2, A, 'm2'), logRecord(1, A, 'again')], [decision('d1')])).rejects.toThrow();
      expect((await readAll(store.events)).map((e) => e.messageId)).toEqual(['m1']);
      expect(await store.decisions.decisionsOf(A, ['p1'], 10)).toEqual([]);
      expect(await store.log.lastSeq()).toBe(1);
      await store.log.append([logRecord(2, A, 'm2')], []);
      expect(await store.log.lastSeq()).toBe(2);
    });

    it('the log keeps a message id that it holds already (de-duplication is the engine\'s)', async () => {
      await store.log.append([logRecord(1, A, 'm1')], []);
      await store.log.append([logRecord(2, A, 'm1')], []);
      expect(await store.events.count(A)).toBe(2);
    });

    it('recentMessages: the message ids received within the window of the last arrival, newest first, of every workspace', async () => {
      await store.log.append([logRecord(1, A, 'old', T0), logRecord(2, B, 'edge', T0 + HOUR)], []);
      await store.log.append([logRecord(3, A, 'mid', T0 + 10 * HOUR), logRecord(4, A, 'new', T0 + 25 * HOUR)], []);
      expect(await store.log.recentMessages(24 * HOUR)).toEqual([
        { workspaceId: A, messageId: 'new', receivedAt: T0 + 25 * HOUR },
        { workspaceId: A, messageId: 'mid', receivedAt: T0 + 10 * HOUR },
        { workspaceId: B, messageId: 'edge', receivedAt: T0 + HOUR },
      ]);
      expect((await store.log.recentMessages(1)).map((m) => m.messageId)).toEqual(['new']);
      expect((await store.log.recentMessages(100 * HOUR)).map((m) => m.messageId)).toEqual(['new', 'mid', 'edge', 'old']);
    });

    it('recentMessages finds the window in a long log', async () => {
      const records = Array.from({ length: 1000 }, (_, i) => logRecord(i + 1, A, `m${i + 1}`, T0 + i * 60_000));
      await store.log.append(records, []);
      const recent = await store.log.recentMessages(10 * 60_000);
      expect(recent.map((m) => m.messageId)).toEqual(Array.from({ length: 11 }, (_, i) => `m${1000 - i}`));
    });

    it('reads only the named track events, and only those received since a time, in sequence order, chunk after chunk', async () => {
      const named = (seq: number, ws: string, name: string, receivedAt: number): LogRecord => {
        const r = logRecord(seq, ws, `m${seq}`, receivedAt);
        return { ...r, event: { ...r.event, name, body: { ...r.event.body, event: name } } };
      };
      await store.log.append([
        named(1, A, 'Order Completed', T0), named(2, A, 'Product Viewed', T0 + HOUR), named(3, B, 'Order Completed', T0 + 2 * HOUR),
        named(4, A, 'Order Completed', T0 + 3 * HOUR), named(5, A, 'Clicked', T0 + 4 * HOUR), named(6, A, 'Order Completed', T0 + 5 * HOUR),
      ], []);
      const read = async (options: Parameters<EventLogReader['read']>[0]) => {
        const seqs: number[] = [];
        for await (const e of store.events.read(options)) seqs.push(e.seq);
        return seqs;
      };
      expect(await read({ workspaceId: A, names: ['Order Completed'], chunkSize: 1 })).toEqual([1, 4, 6]);
      expect(await read({ workspaceId: A, names: ['Order Completed', 'Product Viewed'] })).toEqual([1, 2, 4, 6]);
      expect(await read({ names: ['Order Completed'], receivedSince: T0 + 2 * HOUR })).toEqual([3, 4, 6]);
      expect(await read({ workspaceId: A, receivedSince: T0 + 3 * HOUR + 1 })).toEqual([5, 6]);
      expect(await read({ workspaceId: A, names: [] })).toEqual([]);
      expect(await read({ workspaceId: A, receivedSince: T0 + 6 * HOUR })).toEqual([]);
    });

    it.skipIf(openAgain === undefined)('an append that has settled is durable: another handle on the storage reads it', async () => {
      await store.log.append([logRecord(1, A, 'm1')], [decision('d1')]);
      const other = await openAgain!(store);
      try {
        expect(await other.log.lastSeq()).toBe(1);
        expect((await readAll(other.events)).map((e) => e.messageId)).toEqual(['m1']);
        expect((await other.decisions.decisionsOf(A, ['p1'], 10)).map((d) => d.decisionId)).toEqual(['d1']);
      } finally {
        await other.close();
      }
    });
  });
}
