import { join } from 'node:path';
import type { AttuneConfig } from '../config/config.js';
import { openStore as openEmbeddedStore, type EmbeddedStore, type OpenStoreOptions } from '../engine/openStore.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/openSqliteStore.js';
import { lockDataFolder } from '../engine/dataFolderLock.js';
import { AuditTrail } from '../audit/AuditTrail.js';
import { WorkspaceService } from '../workspaces/WorkspaceService.js';
import { systemClock } from './systemClock.js';

export const databaseFile = 'attune.db';

/**
 * The embedded store in the configured data folder, as the engine uses it (the profiles in
 * memory, written behind). It takes the folder for this process (`lockDataFolder`): `command`
 * names the holder in the message another process gets. Closing the store gives it back.
 */
export function openStore(
  config: AttuneConfig,
  command: string,
  onCommit?: OpenStoreOptions['onCommit'],
  options: Pick<OpenStoreOptions, 'rebuildsEverything' | 'writer' | 'learnItems'> = {},
): EmbeddedStore {
  const release = lockDataFolder(config.dataDir, command);
  let store: EmbeddedStore;
  try {
    store = openEmbeddedStore({
      path: join(config.dataDir, databaseFile),
      synchronous: config.synchronous,
      writer: config.storageThread,
      maxPendingEvents: config.maxPendingEvents,
      cacheBytes: config.profileCacheMegabytes * 1024 * 1024,
      ...(config.hotProfiles === null ? {} : { hotProfiles: config.hotProfiles }),
      dedupeWindowMillis: config.dedupeHours * 3_600_000,
      stateWriteMillis: config.stateWriteSeconds * 1000,
      ...(onCommit === undefined ? {} : { onCommit }),
      ...options,
    });
  } catch (error) {
    release();
    throw error;
  }
  return {
    ...store,
    close: async () => {
      try {
        await store.close();
      } finally {
        release();
      }
    },
  };
}

/**
 * The store's configuration ports only (workspaces, keys, identity settings), for commands
 * that change configuration beside a running server: they touch no derived state, so they
 * neither recover nor write it, and need not own the folder.
 */
export function openConfigStore(config: AttuneConfig): SqliteStore {
  return openSqliteStore({ path: join(config.dataDir, databaseFile), synchronous: config.synchronous });
}

/** The WorkspaceService the admin API uses, over a configuration store, recording in its audit trail. */
export function configWorkspaces(store: SqliteStore): WorkspaceService {
  return new WorkspaceService(store.workspaces, systemClock, new AuditTrail({ store: store.audit, clock: systemClock }));
}
