import type { EmbeddedStore } from '../../src/engine/openStore.js';

/**
 * Loads every live profile of a workspace into the store's profile cache (LiveState.load, 500
 * at a time, as a cold read does), for the benchmarks that measure warm profiles (decide) or
 * what cached profiles take (memory). Returns the profile ids listed.
 */
export async function preloadProfiles(store: Pick<EmbeddedStore, 'live' | 'profileIds'>, workspaceId: string): Promise<number> {
  const ids: string[] = [];
  for (let after = ''; ;) {
    const page = await store.profileIds(workspaceId, after, 5_000);
    if (page.length === 0) break;
    ids.push(...page);
    after = page[page.length - 1]!;
  }
  for (let i = 0; i < ids.length; i += 500) {
    const pinned = await store.live.load({ workspaceId, profileIds: ids.slice(i, i + 500) });
    store.live.unpin(pinned);
  }
  return ids.length;
}
