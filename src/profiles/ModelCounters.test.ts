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

async function freshState(): Promise<LiveState> {
  store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
  await store.workspaces.createWorkspace({ id: ws, name: 'One', createdAt: 0, identity: defaultIdentitySettings }, []);
  return new LiveState(store.state, new DedupeWindow(86_400_000), 0, 1_000_000);
}

describe('model counters in the live state', () => {
  it('are refused to a job that did not preload them', async () => {
    const state = await freshState();
    expect(() => state.modelCounters(ws)).toThrow(NotPreloadedError);
  });

  it('go into the next batch only when changed, once, and load back as written', async () => {
    const state = await freshState();
    await state.load({ workspaceId: ws, counters: true });
    const counters = state.modelCounters(ws);
    counters.set('pop:v:a', 1, 10);
    counters.set('pop:v:a', 2, 20);
    counters.set('pop:v:b', 1, 15);
    expect(state.hasChanges).toBe(true);
    const batch = state.takeBatch();
    expect(batch.counters).toEqual([{ workspaceId: ws, key: 'pop:v:a', value: 2, at: 20 }, { workspaceId: ws, key: 'pop:v:b', value: 1, at: 15 }]);
    expect(state.hasChanges).toBe(false);
    await store!.state.write(batch);
    expect(state.takeBatch().counters).toEqual([]);

    const reloaded = new LiveState(store!.state, new DedupeWindow(86_400_000), 0, 1_000_000);
    await reloaded.load({ workspaceId: ws, counters: true });
    expect([...reloaded.modelCounters(ws).entries()]).toEqual([['pop:v:a', { value: 2, at: 20 }], ['pop:v:b', { value: 1, at: 15 }]]);
  });

  it('are forgotten with their workspace and on reset', async () => {
    const state = await freshState();
    await state.load({ workspaceId: ws, counters: true });
    state.modelCounters(ws).set('k', 1, 1);
    state.dropWorkspace(ws);
    expect(state.loadedCounters(ws)).toBeUndefined();
    expect(state.takeBatch().counters).toEqual([]);
    await state.load({ workspaceId: ws, counters: true });
    state.modelCounters(ws).set('k', 1, 1);
    state.reset(0);
    expect(state.loadedCounters(ws)).toBeUndefined();
  });
});
