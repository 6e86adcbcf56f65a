import { join } from 'node:path';
import type { AttuneConfig } from '../config/config.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/openSqliteStore.js';
import type { CommitterOptions } from '../store/sqlite/SqliteCommitter.js';

export const databaseFile = 'attune.db';

/** The embedded store in the configured data folder. */
export function openStore(config: AttuneConfig, onCommit?: CommitterOptions['onCommit']): SqliteStore {
  return openSqliteStore({
    path: join(config.dataDir, databaseFile),
    synchronous: config.synchronous,
    maxPendingEvents: config.maxPendingEvents,
    ...(onCommit === undefined ? {} : { onCommit }),
  });
}
