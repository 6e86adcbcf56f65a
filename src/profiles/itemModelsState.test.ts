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

const view = (item: string, timestamp: number) => ({ kind: 'view' as const, items: [item], timestamp });

describe('item models in the live state', () => {
  it('are refused to a job that did not preload them', async () => {
    const state = await freshState();
    expect(() => state.itemModels(ws)).toThrow(NotPreloadedError);
  });

  it('go into the next batch only when changed, once, and load back as written', async () => {
    const state = await freshState();
    await state.load({ workspaceId: ws, counters: true });
    const models = state.itemModels(ws)!;
    models.apply(view('a', 10), []);
    models.apply(view('b', 20), ['a']);
    expect(state.hasChanges).toBe(true);
    const batch = state.takeBatch();
    expect(new Set(batch.counters.map((c) => c.key))).toEqual(new Set(['vb', 'vi:a', 'vi:b', 'vp:a\u001fb', 'tv:a', 'tv:b']));
    expect(batch.counters.every((c) => c.workspaceId === ws)).toBe(true);
    expect(state.hasChanges).toBe(false);
    await store!.state.write(batch);
    expect(state.takeBatch().counters).toEqual([]);

    const reloaded = new LiveState(store!.state, new DedupeWindow(86_400_000), 0, 1_000_000);
    await reloaded.load({ workspaceId: ws, counters: true });
    const again = reloaded.itemModels(ws)!;
    expect(again.viewed.baskets).toBe(1);
    expect(again.popularity('viewed', again.ids.find('b')!)).toBe(1);
    expect(again.viewed.pairs.get(again.ids.find('a')!)?.get(again.ids.find('b')!)).toBe(1);
  });

  it('are not taught when learning is off (to measure what they cost)', async () => {
    await freshState();
    const off = new LiveState(store!.state, new DedupeWindow(86_400_000), 0, 1_000_000, false);
    await off.load({ workspaceId: ws, counters: true });
    expect(off.itemModels(ws)).toBeNull();
    expect(off.loadedItemModels(ws)?.ids.size).toBe(0);
  });

  it('are forgotten with their workspace and on reset', async () => {
    const state = await freshState();
    await state.load({ workspaceId: ws, counters: true });
    state.itemModels(ws)!.apply(view('a', 1), []);
    state.dropWorkspace(ws);
    expect(state.loadedItemModels(ws)).toBeUndefined();
    expect(state.takeBatch().counters).toEqual([]);
    await state.load({ workspaceId: ws, counters: true });
    state.itemModels(ws)!.apply(view('a', 1), []);
    state.reset(0);
    expect(state.loadedItemModels(ws)).toBeUndefined();
  });
});
