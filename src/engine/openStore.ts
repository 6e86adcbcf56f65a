import type { LiveStore } from '../profiles/LiveStore.js';
import type { SqliteDatabase } from '../store/sqlite/openDatabase.js';
import { openSqliteStore, type OpenSqliteStoreOptions, type SqliteStore } from '../store/sqlite/openSqliteStore.js';
import { createEngineStore, type EngineStoreOptions } from './createEngineStore.js';

export interface OpenStoreOptions extends OpenSqliteStoreOptions, EngineStoreOptions {}

/** The embedded store as the engine uses it: SQLite behind the in-memory profile state. */
export type EmbeddedStore = LiveStore & { readonly db: SqliteDatabase } & Pick<SqliteStore, 'writer' | 'writerPragma'>;

/**
 * Opens the SQLite file and puts the profile state in memory in front of it. Recovery (the
 * log after the state's checkpoint, replayed with each workspace's current definitions) starts
 * at once; every write and every read of profiles waits for it (`recovered`).
 */
export function openStore(options: OpenStoreOptions): EmbeddedStore {
  const adapter = openSqliteStore(options);
  return { ...createEngineStore(adapter, options), db: adapter.db, writer: adapter.writer, writerPragma: (pragma) => adapter.writerPragma(pragma) };
}
