import { AttuneError } from '../../core/errors/AttuneError.js';
import type { SqliteDatabase } from './openDatabase.js';

/**
 * Takes the database file for this connection alone until it is closed (SQLite's exclusive
 * locking mode), for work that must not interleave with another process's writes: a rebuild.
 * Fails at once with ATTUNE_STORE_UNAVAILABLE when another connection has the file open (in
 * WAL mode even an idle `attune serve` holds a shared lock); while the lock is held, another
 * process cannot open the file (its statements fail with SQLITE_BUSY after its busy timeout).
 */
export function lockDatabaseExclusively(db: SqliteDatabase, description: string, waitMillis = 500): void {
  const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(waitMillis))}`);
  db.pragma('locking_mode = EXCLUSIVE');
  try {
    // The lock is taken by the first write transaction and kept from then on.
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.pragma('locking_mode = NORMAL');
    const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new AttuneError('ATTUNE_STORE_UNAVAILABLE', {
        detail: `${description} is in use by another process (a running attune serve, or an import): stop it first`,
        cause: error,
      });
    }
    throw error;
  } finally {
    db.pragma(`busy_timeout = ${busyTimeout}`);
  }
}

/** Gives up the exclusive lock: back to normal locking, which takes effect at the next access. */
export function releaseExclusiveLock(db: SqliteDatabase): void {
  db.pragma('locking_mode = NORMAL');
  db.prepare('SELECT count(*) FROM sqlite_master').get();
}

/**
 * Whether another connection (another process: a server, an import) has the file open now.
 * Probes by taking the exclusive lock for an instant.
 */
export function isDatabaseOpenElsewhere(db: SqliteDatabase): boolean {
  try {
    lockDatabaseExclusively(db, 'the database', 0);
  } catch (error) {
    if (error instanceof AttuneError && error.code === 'ATTUNE_STORE_UNAVAILABLE') return true;
    throw error;
  }
  releaseExclusiveLock(db);
  return false;
}
