import type { LiveStore } from '../profiles/LiveStore.js';
import type { OpenDatabaseOptions, SqliteDatabase } from '../store/sqlite/openDatabase.js';
import { openSqliteStore } from '../store/sqlite/openSqliteStore.js';
import { createEngineStore, type EngineStoreOptions } from './createEngineStore.js';

export interface OpenStoreOptions extends OpenDatabaseOptions, EngineStoreOptions {}

/** The embedded store as the engine uses it: SQLite behind the in-memory profile state. */
export type EmbeddedStore = LiveStore & { readonly db: SqliteDatabase };

/**
 * Opens the SQLite file and puts the profile state in memory in front of it. Recovery (the
 * log after the state's checkpoint, replayed with each workspace's current definitions) starts
 * at once; every write and every read of profiles waits for it (`recovered`).
 */
export function openStore(options: OpenStoreOptions): EmbeddedStore {
  const adapter = openSqliteStore(options);
  return { ...createEngineStore(adapter, options), db: adapter.db };
}
