import type { WorkspaceQualityCounter } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { SqliteQualityStore } from './SqliteQualityStore.js';
import type { StorageThread } from './StorageThread.js';

/**
 * Data quality with the counters the collect path writes behind (`addCounters`, every few
 * hundred milliseconds under load) committed on the storage thread: on the main connection they
 * were a second writer, waiting on the WAL write lock the thread holds through its commits, on
 * the main thread. Reads and the rare administrative writes (tracking plans, a volume recount)
 * stay on the main connection.
 */
export class ThreadedQualityStore extends SqliteQualityStore {
  constructor(db: SqliteDatabase, private readonly thread: StorageThread) {
    super(db);
  }

  override async addCounters(rows: readonly WorkspaceQualityCounter[]): Promise<void> {
    if (rows.length > 0) await this.thread.run({ kind: 'addCounters', rows });
  }
}
