import { afterEach, describe, expect, it } from 'vitest';
import { defaultIdentitySettings } from '../core/identity/types.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/openSqliteStore.js';
import { DedupeWindow } from './DedupeWindow.js';
import { LiveState, NotPreloadedError } from './LiveState.js';

const ws = 'ws1';
let store: SqliteStore | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
});

/** A state with `count` written (clean) profiles p0..p(count-1), loaded in that order. */
async function stateWithProfiles(count: number, budgetBytes: number): Promise<LiveState> {
  store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
  await store.workspaces.createWorkspace({ id: ws, name: 'One', createdAt: 0, identity: defaultIdentitySettings }, []);
  const state = new LiveState(store.state, new DedupeWindow(86_400_000), 0, budgetBytes);
  for (let i = 0; i < count; i++) state.createProfile(ws, `p${i}`, 1_000 + i);
  await store.state.write(state.takeBatch());
  return state;
}

describe('LiveState eviction', () => {
  it('keeps every profile while the cache is within its budget', async () => {
    const state = await stateWithProfiles(10, 1_000_000);
    expect(state.evict()).toBe(0);
    expect(state.profileCount).toBe(10);
  });

  it('drops the least recently used profiles first: a read keeps a profile in memory', async () => {
    const state = await stateWithProfiles(10, Number.MAX_SAFE_INTEGER);
    const perProfile = state.estimatedBytes / 10;
    // p0 was loaded first, but is read last: it must outlive p1..p4.
    expect(state.resolve(ws, 'p0')?.id).toBe('p0');
    const budgeted = new LiveState(store!.state, new DedupeWindow(86_400_000), 0, perProfile * 6);
    await budgeted.load({ workspaceId: ws, profileIds: ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9'] }).then((pinned) => budgeted.unpin(pinned));
    expect(budgeted.resolve(ws, 'p0')?.id).toBe('p0');
    // The last profile a job looked up: once evicted, a job must not find it any more.
    expect(budgeted.loadKnowledge(ws, 'p1')).toBeDefined();
    const evicted = budgeted.evict();
    expect(evicted).toBeGreaterThan(0);
    expect(budgeted.estimatedBytes).toBeLessThanOrEqual(perProfile * 6);
    expect(budgeted.resolve(ws, 'p0')?.id).toBe('p0');
    expect(budgeted.resolve(ws, 'p1')).toBeUndefined();
    expect(() => budgeted.loadKnowledge(ws, 'p1')).toThrow(NotPreloadedError);
    expect(budgeted.resolve(ws, 'p9')?.id).toBe('p9');
  });

  it('forgets a dropped workspace\'s profiles, the last one a job looked up included', async () => {
    const state = await stateWithProfiles(2, Number.MAX_SAFE_INTEGER);
    expect(state.loadKnowledge(ws, 'p1')).toBeDefined();
    state.dropWorkspace(ws);
    expect(() => state.loadKnowledge(ws, 'p1')).toThrow(NotPreloadedError);
    state.createProfile(ws, 'p1', 2_000);
    expect(state.loadProfileState(ws, 'p1').firstSeen).toBe(2_000);
    state.reset(0);
    expect(() => state.loadKnowledge(ws, 'p1')).toThrow(NotPreloadedError);
  });

  it('never drops a profile with unwritten changes or one a job has pinned', async () => {
    const state = await stateWithProfiles(4, Number.MAX_SAFE_INTEGER);
    const perProfile = state.estimatedBytes / 4;
    const tight = new LiveState(store!.state, new DedupeWindow(86_400_000), 0, perProfile);
    const pinned = await tight.load({ workspaceId: ws, profileIds: ['p0'] });
    await tight.load({ workspaceId: ws, profileIds: ['p1', 'p2', 'p3'] }).then((p) => tight.unpin(p));
    tight.touchProfile(ws, 'p1', 'track', 5_000);
    tight.evict();
    expect(tight.resolve(ws, 'p0')?.id).toBe('p0');
    expect(tight.resolve(ws, 'p1')?.id).toBe('p1');
    expect(tight.resolve(ws, 'p2')).toBeUndefined();
    tight.unpin(pinned);
  });
});
