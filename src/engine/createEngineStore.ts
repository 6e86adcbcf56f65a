import type { Clock } from '../core/common/ports.js';
import { KnowledgeModels } from '../knowledge/KnowledgeModels.js';
import { createLiveStore, type LiveStore, type LiveStoreOptions } from '../profiles/LiveStore.js';
import type { AttuneStore } from '../store/ports.js';

export interface EngineStoreOptions extends Partial<Omit<LiveStoreOptions, 'contextOf' | 'clock' | 'maxPendingEvents'>> {
  readonly maxPendingEvents: number;
  /** Default: the system clock. */
  readonly clock?: Clock;
}

const systemClock: Clock = { now: () => Date.now() };

/**
 * Any adapter's ports with the in-memory profile state in front, recovering with each
 * workspace's current definitions: the engine's store whatever the adapter. `openStore` uses
 * it on SQLite; the contract suites use it to drive writes the way the engine does.
 *
 * @example const store = createEngineStore(openSqliteStore({ path, synchronous: 'full' }), { maxPendingEvents: 100_000 });
 */
export function createEngineStore(adapter: AttuneStore, options: EngineStoreOptions): LiveStore {
  const clock = options.clock ?? systemClock;
  const models = new KnowledgeModels(adapter.knowledgeConfig, clock, { experiments: adapter.experiments });
  return createLiveStore(adapter, {
    ...options,
    clock,
    contextOf: async (workspaceId) => {
      const workspace = await adapter.workspaces.getWorkspace(workspaceId);
      if (workspace === undefined) return undefined;
      return { id: workspace.id, identity: workspace.identity, model: await models.get(workspaceId) };
    },
  });
}
