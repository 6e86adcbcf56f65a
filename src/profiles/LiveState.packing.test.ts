import { afterEach, describe, expect, it } from 'vitest';
import { defaultIdentitySettings } from '../core/identity/types.js';
import { emptyKnowledge, type KnowledgeState } from '../core/knowledge/KnowledgeState.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/openSqliteStore.js';
import { DedupeWindow } from './DedupeWindow.js';
import { LiveState } from './LiveState.js';

const ws = 'ws1';
const ids = ['p0', 'p1', 'p2', 'p3', 'p4'];
let store: SqliteStore | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
});

function knowledgeOf(i: number): KnowledgeState {
  return {
    ...emptyKnowledge(),
    f: { page_views_1h: { b: [100 + i, i + 1] }, revenue_30d: { b: [7, 19.99 * i] } },
    m: { engaged: 1_796_665_867_171 + i },
    s: null,
  };
}

/** Five written profiles with knowledge, then a fresh state holding at most `hot` of them decoded. */
async function loadedState(hot?: number): Promise<LiveState> {
  store ??= openSqliteStore({ path: ':memory:', synchronous: 'normal' });
  if ((await store.state.profileIds(ws, '', 1)).length === 0) {
    await store.workspaces.createWorkspace({ id: ws, name: 'One', createdAt: 0, identity: defaultIdentitySettings }, []);
    const writer = new LiveState(store.state, new DedupeWindow(86_400_000), 0, Number.MAX_SAFE_INTEGER);
    ids.forEach((id, i) => {
      writer.createProfile(ws, id, 1_000 + i);
      writer.linkIdentity(ws, { kind: 'user', value: `u${String(i)}` }, id, 1_000 + i);
      writer.saveKnowledge(ws, id, knowledgeOf(i));
    });
    await store.state.write(writer.takeBatch());
  }
  const state = new LiveState(store.state, new DedupeWindow(86_400_000), 0, Number.MAX_SAFE_INTEGER, true, hot);
  state.unpin(await state.load({ workspaceId: ws, profileIds: ids }));
  await settled(state);
  return state;
}

/** Lets the state pack idle profiles between turns of the event loop until a turn packs none. */
async function settled(state: LiveState): Promise<void> {
  for (let decoded = Infinity; state.decodedProfiles < decoded;) {
    decoded = state.decodedProfiles;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('LiveState packing of idle profiles', () => {
  it('packs nothing by default, and keeps no packed copy beside the decoded bodies', async () => {
    const byDefault = await loadedState();
    const withPacking = await loadedState(100);
    expect(byDefault.decodedProfiles).toBe(5);
    expect(withPacking.decodedProfiles).toBe(5);
    // The same five decoded bodies; with packing on each also keeps its packed bytes for the next idle.
    expect(byDefault.estimatedBytes).toBeLessThan(withPacking.estimatedBytes);
  });

  it('keeps the hot set decoded, packs the rest, and reads every profile as before', async () => {
    const decoded = await loadedState(100);
    const packed = await loadedState(2);
    expect(decoded.decodedProfiles).toBe(5);
    expect(packed.decodedProfiles).toBe(2);
    expect(packed.estimatedBytes).toBeLessThan(decoded.estimatedBytes);
    for (const id of ids) {
      expect(packed.decisionRow(packed.resolve(ws, id)!)).toEqual(decoded.decisionRow(decoded.resolve(ws, id)!));
    }
    // Reading every profile decoded them all; once idle again, all but the hot set are packed.
    expect(packed.decodedProfiles).toBe(5);
    await settled(packed);
    expect(packed.decodedProfiles).toBe(2);
  });

  it('keeps the packed copy of a profile a job only reads, and drops that of one it changes', async () => {
    const state = await loadedState(1);
    const packedIds = ids.filter((id) => state.resolve(ws, id)!.body === null);
    expect(packedIds.length).toBe(4);
    const [read, changed] = packedIds as [string, string];
    expect(state.findProfile(ws, { kind: 'user', value: `u${read.slice(1)}` })?.id).toBe(read);
    expect(state.knowledgeFacts(ws, read).id).toBe(read);
    expect(state.loadProfileState(ws, read).id).toBe(read);
    expect(state.resolve(ws, read)!.body).not.toBeNull();
    expect(state.resolve(ws, read)!.packed).not.toBeNull();
    state.touchProfile(ws, changed, 'track', 5_000);
    expect(state.resolve(ws, changed)!.packed).toBeNull();
  });

  it('changes a packed profile as a decoded one and writes it whole', async () => {
    const packed = await loadedState(1);
    const decoded = await loadedState(100);
    for (const state of [packed, decoded]) {
      state.touchProfile(ws, 'p0', 'track', 5_000);
      expect(state.findProfile(ws, { kind: 'user', value: 'u0' })).toEqual({ id: 'p0', mergedCount: 0, userIds: ['u0'] });
    }
    const [written] = packed.takeBatch().profiles;
    expect(written).toEqual(decoded.takeBatch().profiles[0]);
    expect(written).toMatchObject({ id: 'p0', lastSeen: 5_000, eventCounts: { track: 1 }, knowledge: knowledgeOf(0) });
    // Written, it joins the hot set (of one) as the profile used last: the others stay packed.
    packed.unpin([]);
    await settled(packed);
    expect(packed.decodedProfiles).toBe(1);
    expect(packed.decisionRow(packed.resolve(ws, 'p0')!)).toMatchObject({ lastSeen: 5_000 });
  });

  it('keeps a body with a `__proto__` key decoded: msgpackr would rename the key', async () => {
    const state = await loadedState(0);
    const knowledge = knowledgeOf(9);
    Object.defineProperty(knowledge.m, '__proto__', { value: 7, enumerable: true, writable: true, configurable: true });
    state.saveKnowledge(ws, 'p3', knowledge);
    await store!.state.write(state.takeBatch());
    state.unpin([]);
    await settled(state);
    expect(state.decodedProfiles).toBe(1);
    const row = state.decisionRow(state.resolve(ws, 'p3')!);
    expect(Object.getOwnPropertyDescriptor(row.knowledge.m, '__proto__')?.value).toBe(7);
  });
});
