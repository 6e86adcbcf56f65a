import type Database from 'better-sqlite3';

/**
 * `fn` as a transaction that begins IMMEDIATE: it takes the write lock before its first read.
 * better-sqlite3's default (DEFERRED) reads on a snapshot and asks for the lock at its first
 * write; if another connection (the storage thread's) committed in between, the snapshot is
 * stale and SQLite answers SQLITE_BUSY_SNAPSHOT at once, which no busy timeout retries. Begun
 * IMMEDIATE, a transaction waits for the lock under the busy timeout instead, and reads the
 * latest commit. Every transaction of this adapter writes, so all go through here (a lint rule
 * keeps `db.transaction` out of the adapter); inside another transaction it is a savepoint.
 *
 * @example
 * const put = writeTransaction(db, (id: string) => { if (!exists.get(id)) insert.run(id); });
 * put('a');
 */
export function writeTransaction<A extends unknown[], R>(db: Database.Database, fn: (...args: A) => R): (...args: A) => R {
  const tx = db.transaction(fn);
  return (...args) => tx.immediate(...args);
}
