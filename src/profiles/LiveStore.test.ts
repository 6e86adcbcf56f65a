import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CollectedEvent } from '../core/events/CollectedEvent.js';
import { defaultIdentitySettings } from '../core/identity/types.js';
import { eventIdentityKeys } from '../core/identity/planIdentity.js';
import { createEngineStore } from '../engine/createEngineStore.js';
import { KnowledgeModels } from '../knowledge/KnowledgeModels.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/openSqliteStore.js';
import { applyEvent, type CommitOutcome } from './applyEvent.js';
import type { LiveStore } from './LiveStore.js';
import { ControlledLogWriter } from './testing/ControlledLogWriter.js';

const WS = 'ws1';
const T0 = Date.parse('2024-05-01T12:00:00Z');
const clock = { now: () => T0 };

/** An event as normalizeEvent makes it: the body is what the log keeps and what a replay reads. */
function identify(messageId: string, userId: string | null, anonymousId: string, at: number, traits: Record<string, unknown> | null = null): CollectedEvent {
  const body = traits === null ? { type: 'track', event: 'Viewed', messageId, userId, anonymousId } : { type: 'identify', messageId, userId, anonymousId, traits };
  return {
    type: traits === null ? 'track' : 'identify', messageId, generatedMessageId: false, userId, anonymousId, previousId: null, groupId: null,
    name: traits === null ? 'Viewed' : null, timestamp: at, receivedAt: at, traits, properties: null, context: null, body,
  };
}

/** Collects events the way Collector does: one job, preloaded by the events' identities. */
async function collect(store: LiveStore, adapter: SqliteStore, events: readonly CollectedEvent[]): Promise<CommitOutcome[]> {
  const models = new KnowledgeModels(adapter.knowledgeConfig, clock);
  const context = { id: WS, identity: defaultIdentitySettings, model: await models.get(WS) };
  return store.committer.submit(events.length, (tx) => events.map((e) => applyEvent(tx, context, e)), { workspaceId: WS, keys: events.flatMap(eventIdentityKeys), armStats: true });
}

const traffic = (from: number, count: number): CollectedEvent[] => Array.from({ length: count }, (_, i) => {
  const n = from + i;
  // Anonymous visitors, some of whom log in later (merging their profiles), with traits.
  return n % 3 === 0 ? identify(`m${n}`, `u${n % 7}`, `a${n % 11}`, T0 + n * 1000, { plan: `p${n}` }) : identify(`m${n}`, null, `a${n % 11}`, T0 + n * 1000);
});

describe('LiveStore', () => {
  let dir: string;
  let adapter: SqliteStore;
  let store: LiveStore;
  const open = (log?: (a: SqliteStore) => SqliteStore['log']) => {
    adapter = openSqliteStore({ path: join(dir, 'attune.db'), synchronous: 'normal' });
    // The state is written behind only when a test asks (or a job needs it).
    return createEngineStore(log === undefined ? adapter : { ...adapter, log: log(adapter) }, { maxPendingEvents: 10_000, clock, stateWriteMillis: 3_600_000 });
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'attune-live-'));
    store = open();
    await store.recovered;
    await store.workspaces.createWorkspace({ id: WS, name: WS, createdAt: T0, identity: defaultIdentitySettings }, []);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the state behind: the log at once, the state with its checkpoint when flushed', async () => {
    await collect(store, adapter, [identify('m1', 'u1', 'a1', T0, { plan: 'pro' })]);
    expect(await adapter.log.lastSeq()).toBe(1);
    expect(await adapter.state.checkpoint()).toBe(0);
    expect(await adapter.state.findIdentities(WS, [{ kind: 'user', value: 'u1' }])).toEqual([undefined]);
    await store.flushState();
    expect(await adapter.state.checkpoint()).toBe(1);
    const [id] = await adapter.state.findIdentities(WS, [{ kind: 'user', value: 'u1' }]);
    expect((await adapter.state.loadProfiles(WS, [id!]))[0]?.traits.values).toEqual({ plan: 'pro' });
  });

  it('reads after writes: decisions read memory at once, readers of derived tables write the state first', async () => {
    await collect(store, adapter, [identify('m1', 'u1', 'a1', T0, { plan: 'pro' })]);
    expect((await store.decisions.findDecisionProfile(WS, 'u1', null))?.traits).toEqual({ plan: 'pro' });
    expect(await adapter.state.checkpoint()).toBe(0);
    expect((await store.profiles.findProfile(WS, 'u1', 5))?.traits).toEqual({ plan: 'pro' });
    expect(await adapter.state.checkpoint()).toBe(1);
  });

  it('recovers from the stored state and the log after its checkpoint to what collection made, de-duplication included', async () => {
    await collect(store, adapter, traffic(0, 40));
    await store.flushState();
    await collect(store, adapter, traffic(40, 30));
    const users = Array.from({ length: 7 }, (_, i) => `u${i}`);
    const anonymous = Array.from({ length: 11 }, (_, i) => `a${i}`);
    const snapshot = async (s: LiveStore) => ({
      users: await Promise.all(users.map((u) => s.decisions.findDecisionProfile(WS, u, null))),
      anonymous: await Promise.all(anonymous.map((a) => s.decisions.findDecisionProfile(WS, null, a))),
    });
    const before = await snapshot(store);
    expect(before.users.every((p) => p !== undefined)).toBe(true);

    // A second engine on the same file, as after a crash: the first never wrote its last 30 events' state.
    const first = { store, adapter };
    store = open();
    try {
      const report = await store.recovered;
      expect(report).toMatchObject({ checkpoint: 40, replayedEvents: 30 });
      expect(await snapshot(store)).toEqual(before);
      expect(await collect(store, adapter, [identify('m69', null, 'a1', T0)])).toEqual([{ kind: 'duplicate', messageId: 'm69' }]);
      await store.flushState();
      await first.store.flushState();
      const tables = (s: SqliteStore) => ['profiles', 'identities', 'profile_knowledge', 'segment_members'].map((t) => s.db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).all());
      expect(tables(adapter)).toEqual(tables(first.adapter));
    } finally {
      await first.store.close();
    }
  });

  it('a segment deleted while a cycle holds its membership stays deleted: the deletion waits for the cycle and the state write', async () => {
    await store.close();
    let log!: ControlledLogWriter;
    store = open((a) => (log = new ControlledLogWriter(a.log)));
    await store.recovered;
    await store.knowledgeConfig.saveDefinitions(WS, { putSegments: [{ id: 'viewers', name: 'Viewers', rule: 'true' }] }, T0);
    const release = log.hold();
    const job = store.committer.submit(0, (tx) => {
      tx.createProfile(WS, 'p1', T0);
      tx.recordSegmentChanges(WS, 'p1', [{ segment: 'viewers', kind: 'enter', at: T0 }]);
      tx.recordDecisions([{ workspaceId: WS, decisionId: 'd1', profileId: 'p1', placementId: 'hero', actionId: null, variant: null, score: null, probability: 1, fallback: 'none', segments: [], reasons: null, at: T0 }]);
    });
    await new Promise((resolve) => setImmediate(resolve));
    let deleted = false;
    const deletion = store.knowledgeConfig.deleteSegment(WS, 'viewers').then(() => { deleted = true; });
    await new Promise((resolve) => setImmediate(resolve));
    expect(deleted).toBe(false);
    release();
    await Promise.all([job, deletion]);
    expect(await store.knowledge.segmentSize(WS, 'viewers')).toBe(0);
  });

  it('a segment deleted with memberships not yet written stays deleted', async () => {
    await store.knowledgeConfig.saveDefinitions(WS, { putSegments: [{ id: 'viewers', name: 'Viewers', rule: 'true' }] }, T0);
    await collect(store, adapter, [identify('m1', null, 'a1', T0)]);
    await store.knowledgeConfig.saveDefinitions(WS, { deleteSegments: ['viewers'] }, T0 + 1);
    expect(await store.knowledge.segmentSize(WS, 'viewers')).toBe(0);
  });

  it('a job that changes the state without an event has it written when it settles', async () => {
    await store.committer.submit(0, (tx) => { tx.createProfile(WS, 'p1', T0); });
    expect((await adapter.state.loadProfiles(WS, ['p1']))[0]?.id).toBe('p1');
  });
  it('a batch taken while another is being written holds the state of its own checkpoint, not later changes', async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), 'attune-live-'));
    adapter = openSqliteStore({ path: join(dir, 'attune.db'), synchronous: 'normal' });
    // A state store that is slow to commit: each write is serialised when called (the port's
    // contract), the first two commit when the test opens `early`, later ones at `late`.
    let openEarly!: () => void;
    let openLate!: () => void;
    const early = new Promise<void>((resolve) => { openEarly = resolve; });
    const late = new Promise<void>((resolve) => { openLate = resolve; });
    let calls = 0;
    let holding = false;
    const state: SqliteStore['state'] = {
      findIdentities: (ws, keys) => adapter.state.findIdentities(ws, keys),
      loadProfiles: (ws, ids) => adapter.state.loadProfiles(ws, ids),
      armStats: (ws) => adapter.state.armStats(ws),
      counters: (ws) => adapter.state.counters(ws),
      checkpoint: () => adapter.state.checkpoint(),
      profileIds: (ws, after, limit) => adapter.state.profileIds(ws, after, limit),
      resetDerived: (ws) => adapter.state.resetDerived(ws),
      write: async (batch) => {
        const copy = structuredClone(batch);
        if (holding) await (++calls <= 2 ? early : late);
        await adapter.state.write(copy);
      },
    };
    // Every cycle takes a batch (the clock moves past the write interval before each).
    let now = T0;
    const moving = { now: () => now };
    store = createEngineStore({ ...adapter, state }, { maxPendingEvents: 10_000, clock: moving, stateWriteMillis: 1_000 });
    await store.recovered;
    await store.workspaces.createWorkspace({ id: WS, name: WS, createdAt: T0, identity: defaultIdentitySettings }, []);
    holding = true;
    for (const n of [1, 2, 3]) {
      now += 2_000;
      await collect(store, adapter, [identify(`m${n}`, 'u1', 'a1', T0 + n * 1000)]);
    }
    expect(calls).toBeGreaterThanOrEqual(1);
    openEarly();
    for (let i = 0; i < 200 && (await adapter.state.checkpoint()) < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    const checkpoint = await adapter.state.checkpoint();
    expect(checkpoint).toBe(2);
    const [id] = await adapter.state.findIdentities(WS, [{ kind: 'user', value: 'u1' }]);
    const stored = (await adapter.state.loadProfiles(WS, [id!]))[0]!;
    expect(Object.values(stored.eventCounts).reduce((n, c) => n + c, 0)).toBe(checkpoint);
    // The knowledge is changed in place by each event: it must be the one of the checkpoint too.
    expect(stored.knowledge?.s?.events).toBe(checkpoint);
    openLate();
    await store.flushState();
    expect(await adapter.state.checkpoint()).toBe(3);
  });
});
