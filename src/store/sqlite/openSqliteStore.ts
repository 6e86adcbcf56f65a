import type { AttuneStore } from '../ports.js';
import { openDatabase, type OpenDatabaseOptions, type SqliteDatabase } from './openDatabase.js';
import { SqliteCollectTx } from './SqliteCollectTx.js';
import { SqliteCommitter, type CommitterOptions } from './SqliteCommitter.js';
import { SqliteDecisionStore } from './SqliteDecisionStore.js';
import { SqliteExperimentStore } from './SqliteExperimentStore.js';
import { SqliteEventLog } from './SqliteEventLog.js';
import { SqliteKnowledgeStore } from './SqliteKnowledgeStore.js';
import { SqliteProfileReader } from './SqliteProfileReader.js';
import { SqliteWorkspaceStore } from './SqliteWorkspaceStore.js';

export interface SqliteStore extends AttuneStore {
  readonly db: SqliteDatabase;
}

/** The embedded store: every port on one SQLite file. */
export function openSqliteStore(options: OpenDatabaseOptions & CommitterOptions): SqliteStore {
  const db = openDatabase(options);
  const collectTx = new SqliteCollectTx(db);
  const committer = new SqliteCommitter(db, collectTx, options);
  const knowledge = new SqliteKnowledgeStore(db);
  const decisions = new SqliteDecisionStore(db);
  return {
    db,
    committer,
    events: new SqliteEventLog(db),
    profiles: new SqliteProfileReader(db),
    workspaces: new SqliteWorkspaceStore(db),
    knowledgeConfig: knowledge,
    knowledge,
    decisionConfig: decisions,
    decisions,
    experiments: new SqliteExperimentStore(db, () => collectTx.forgetArmStats()),
    async close() {
      await committer.close();
      if (db.open) {
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      }
    },
  };
}
