import type { Clock } from '../core/common/ports.js';
import { KnowledgeModels } from '../knowledge/KnowledgeModels.js';
import { createLiveStore, type LiveStore, type LiveStoreOptions } from '../profiles/LiveStore.js';
import type { OpenDatabaseOptions, SqliteDatabase } from '../store/sqlite/openDatabase.js';
import { openSqliteStore } from '../store/sqlite/openSqliteStore.js';

export interface OpenStoreOptions extends OpenDatabaseOptions, Partial<Omit<LiveStoreOptions, 'contextOf' | 'clock' | 'maxPendingEvents'>> {
  readonly maxPendingEvents: number;
  /** Default: the system clock. */
  readonly clock?: Clock;
}

/** The embedded store as the engine uses it: SQLite behind the in-memory profile state. */
export type EmbeddedStore = LiveStore & { readonly db: SqliteDatabase };

const systemClock: Clock = { now: () => Date.now() };

/**
 * Opens the SQLite file and puts the profile state in memory in front of it. Recovery (the
 * log after the state's checkpoint, replayed with each workspace's current definitions) starts
 * at once; every write and every read of profiles waits for it (`recovered`).
 */
export function openStore(options: OpenStoreOptions): EmbeddedStore {
  const adapter = openSqliteStore(options);
  const clock = options.clock ?? systemClock;
  const models = new KnowledgeModels(adapter.knowledgeConfig, clock, { experiments: adapter.experiments });
  const live = createLiveStore(adapter, {
    ...options,
    clock,
    contextOf: async (workspaceId) => {
      const workspace = await adapter.workspaces.getWorkspace(workspaceId);
      if (workspace === undefined) return undefined;
      return { id: workspace.id, identity: workspace.identity, model: await models.get(workspaceId) };
    },
  });
  return { ...live, db: adapter.db };
}
