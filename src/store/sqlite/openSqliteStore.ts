import { sha256Hex } from '../auditHash.js';
import type { AttuneStore } from '../ports.js';
import { SqliteAuditStore } from './SqliteAuditStore.js';
import { openDatabase, type OpenDatabaseOptions, type SqliteDatabase } from './openDatabase.js';
import { SqliteCatalogStore } from './SqliteCatalogStore.js';
import { SqliteDecisionStore } from './SqliteDecisionStore.js';
import { SqliteExperimentStore } from './SqliteExperimentStore.js';
import { SqliteFairnessStore } from './SqliteFairnessStore.js';
import { SqliteEventLog } from './SqliteEventLog.js';
import { SqliteKnowledgeStore } from './SqliteKnowledgeStore.js';
import { SqliteLogWriter } from './SqliteLogWriter.js';
import { SqlitePrivacyStore } from './SqlitePrivacyStore.js';
import { SqliteRetentionStore } from './SqliteRetentionStore.js';
import { SqliteProfileReader } from './SqliteProfileReader.js';
import { SqliteQualityStore } from './SqliteQualityStore.js';
import { SqliteRankEventStore } from './SqliteRankEventStore.js';
import { SqliteReviewStore } from './SqliteReviewStore.js';
import { SqliteRecommenderModelStore } from './SqliteRecommenderModelStore.js';
import { SqliteStateStore } from './SqliteStateStore.js';
import { SqliteWorkspaceStore } from './SqliteWorkspaceStore.js';
import { SqliteUserStore } from './SqliteUserStore.js';
import { StorageThread } from './StorageThread.js';
import { ThreadedLogWriter } from './ThreadedLogWriter.js';
import { ThreadedQualityStore } from './ThreadedQualityStore.js';
import { ThreadedStateStore } from './ThreadedStateStore.js';

/**
 * Where the log appends and the state writes commit: `worker`, on a storage thread that owns
 * a second connection (the main thread parses, validates and decides while the thread's
 * statements and fsyncs run on another core); `inline`, on the main thread's connection.
 */
export type StorageWriter = 'worker' | 'inline';

export interface OpenSqliteStoreOptions extends OpenDatabaseOptions {
  /** Default `inline`. A ':memory:' database has one connection only, so it is always `inline`. */
  readonly writer?: StorageWriter;
}

export interface SqliteStore extends AttuneStore {
  /** The main thread's connection: every read, and the configuration writes. */
  readonly db: SqliteDatabase;
  /** Where the appends and the state writes commit (`inline` for ':memory:' whatever was asked). */
  readonly writer: StorageWriter;
  /** Runs a pragma on the connection that appends and writes the state (for tuning and fault tests). */
  writerPragma(pragma: string): Promise<unknown>;
}

/**
 * The embedded adapter: every port on one SQLite file.
 *
 * @example const store = openSqliteStore({ path: 'attune-data/attune.db', synchronous: 'full', writer: 'worker' })
 */
export function openSqliteStore(options: OpenSqliteStoreOptions): SqliteStore {
  const db = openDatabase(options);
  const knowledge = new SqliteKnowledgeStore(db);
  const decisions = new SqliteDecisionStore(db);
  const log = new SqliteLogWriter(db);
  const state = new SqliteStateStore(db, options.synchronous);
  // Opened after the main connection, which has migrated the schema already.
  const thread = options.writer === 'worker' && options.path !== ':memory:' ? new StorageThread({ path: options.path, synchronous: options.synchronous }) : undefined;
  return {
    db,
    writer: thread === undefined ? 'inline' : 'worker',
    log: thread === undefined ? log : new ThreadedLogWriter(thread, log),
    state: thread === undefined ? state : new ThreadedStateStore(thread, state),
    events: new SqliteEventLog(db),
    profiles: new SqliteProfileReader(db),
    workspaces: new SqliteWorkspaceStore(db),
    users: new SqliteUserStore(db),
    knowledgeConfig: knowledge,
    knowledge,
    decisionConfig: decisions,
    decisions,
    experiments: new SqliteExperimentStore(db),
    catalog: new SqliteCatalogStore(db),
    recommenderModels: new SqliteRecommenderModelStore(db),
    rankEvents: new SqliteRankEventStore(db),
    privacy: new SqlitePrivacyStore(db),
    audit: new SqliteAuditStore(db, sha256Hex),
    retention: new SqliteRetentionStore(db),
    quality: thread === undefined ? new SqliteQualityStore(db) : new ThreadedQualityStore(db, thread),
    fairness: new SqliteFairnessStore(db),
    review: new SqliteReviewStore(db),
    async writerPragma(pragma) {
      return thread === undefined ? db.pragma(pragma) : thread.run({ kind: 'pragma', pragma });
    },
    async close() {
      // The thread's pending writes commit and its connection closes first: the checkpoint
      // below then folds the whole WAL into the file.
      await thread?.close();
      if (db.open) {
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      }
    },
  };
}
