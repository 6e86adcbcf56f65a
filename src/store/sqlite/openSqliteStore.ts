import type { AttuneStore } from '../ports.js';
import { openDatabase, type OpenDatabaseOptions, type SqliteDatabase } from './openDatabase.js';
import { SqliteDecisionStore } from './SqliteDecisionStore.js';
import { SqliteExperimentStore } from './SqliteExperimentStore.js';
import { SqliteEventLog } from './SqliteEventLog.js';
import { SqliteKnowledgeStore } from './SqliteKnowledgeStore.js';
import { SqliteLogWriter } from './SqliteLogWriter.js';
import { SqliteProfileReader } from './SqliteProfileReader.js';
import { SqliteStateStore } from './SqliteStateStore.js';
import { SqliteWorkspaceStore } from './SqliteWorkspaceStore.js';

export interface SqliteStore extends AttuneStore {
  readonly db: SqliteDatabase;
}

/** The embedded adapter: every port on one SQLite file. */
export function openSqliteStore(options: OpenDatabaseOptions): SqliteStore {
  const db = openDatabase(options);
  const knowledge = new SqliteKnowledgeStore(db);
  const decisions = new SqliteDecisionStore(db);
  return {
    db,
    log: new SqliteLogWriter(db),
    state: new SqliteStateStore(db, options.synchronous),
    events: new SqliteEventLog(db),
    profiles: new SqliteProfileReader(db),
    workspaces: new SqliteWorkspaceStore(db),
    knowledgeConfig: knowledge,
    knowledge,
    decisionConfig: decisions,
    decisions,
    experiments: new SqliteExperimentStore(db),
    async close() {
      if (db.open) {
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      }
    },
  };
}
