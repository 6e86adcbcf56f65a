import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AttuneError } from '../../core/errors/AttuneError.js';
import { migrations } from './migrations.js';
import { writeTransaction } from './writeTransaction.js';

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /** A file path, or ':memory:' for tests. */
  readonly path: string;
  /**
   * `full` (default): each commit is fsynced, so an acknowledged event survives a power loss.
   * `normal`: survives a crash of the process but not of the machine; faster on slow disks.
   */
  readonly synchronous: 'full' | 'normal';
}

/** Opens (or creates) the database file in WAL mode and brings its schema up to date. */
export function openDatabase(options: OpenDatabaseOptions): SqliteDatabase {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Deleted rows and freed pages are overwritten with zeros, so an erased person's data does
  // not linger in free space (docs/privacy.md). Rows are rarely deleted on the hot path (the
  // log appends, profiles are updated in place), so the cost falls on erasure and rebuild.
  db.pragma('secure_delete = ON');
  // A bigger page cache keeps the hot indexes (message ids, identities) in memory.
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  // Reads (a decision loads its profile by identity: three B-tree lookups) go through a
  // memory map instead of a read() call per page not in SQLite's own cache; writes are unchanged.
  db.pragma('mmap_size = 1073741824');
  // Checkpoint the WAL every ~40 MB (10,000 pages) instead of SQLite's default 1,000 pages.
  // Collection dirties several random pages per event (indexes, profile rows); a page
  // written many times between checkpoints is copied to the database once, so fewer,
  // larger checkpoints cost less I/O on the committing thread (bench/ingest, docs/BENCHMARKS.md).
  // Durability is unchanged: a commit is as durable as `synchronous` makes it, whenever the checkpoint runs.
  db.pragma('wal_autocheckpoint = 10000');
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function migrate(db: SqliteDatabase): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    // Its tables may mean something this version does not know: reading or writing them could lose data.
    throw new AttuneError('ATTUNE_STORE_NEWER_VERSION', {
      detail: `the database has schema version ${current}, this version of Attune knows up to ${migrations.length}: run the newer version, or restore a backup made with this one`,
    });
  }
  for (const [index, sql] of migrations.entries()) {
    const version = index + 1;
    if (version <= current) continue;
    writeTransaction(db, () => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    })();
  }
}
