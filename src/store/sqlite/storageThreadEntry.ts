import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './openDatabase.js';
import { encodeEvent, SqliteLogWriter } from './SqliteLogWriter.js';
import { SqliteQualityStore } from './SqliteQualityStore.js';
import { SqliteStateStore } from './SqliteStateStore.js';
import type { StorageCommand, StorageReply, StorageRequest, StorageThreadData, ThreadError } from './storageThreadProtocol.js';

/**
 * The storage thread (started by StorageThread): it owns the database's write connection and
 * applies the log appends and the state writes posted to it, one message at a time, so they
 * commit in the order they were called. Each reply is posted after the commit: the main
 * thread's connection reads the write from then on. An error in a write is replied, not
 * thrown; anything thrown here ends the thread, and the main thread fails what was pending.
 */
const port = parentPort;
if (port === null) throw new Error('storageThreadEntry runs as a worker thread only');
const data = workerData as StorageThreadData;
const db = openDatabase({ path: data.path, synchronous: data.synchronous });
const log = new SqliteLogWriter(db);
const state = new SqliteStateStore(db, data.synchronous);
const quality = new SqliteQualityStore(db);

async function apply(command: StorageCommand): Promise<unknown> {
  switch (command.kind) {
    case 'append':
      log.appendRows(command.events.map(encodeEvent), command.decisions);
      return undefined;
    case 'write':
      state.writeEncoded(command.batch);
      return undefined;
    case 'addCounters':
      return quality.addCounters(command.rows);
    case 'resetDerived':
      return state.resetDerived(command.workspaceId);
    case 'pragma':
      return db.pragma(command.pragma);
    case 'close':
      if (db.open) db.close();
      return undefined;
  }
}

function threadError(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), code: undefined };
  const code = (error as Error & { code?: unknown }).code;
  return { name: error.name, message: error.message, code: typeof code === 'string' ? code : undefined };
}

port.on('message', (request: StorageRequest) => {
  // Every command's statements run before `apply` first awaits, and the next message is a
  // later macrotask: commands never interleave.
  apply(request).then(
    (value) => port.postMessage({ id: request.id, ok: true, value } satisfies StorageReply),
    (error: unknown) => port.postMessage({ id: request.id, ok: false, error: threadError(error) } satisfies StorageReply),
  );
});
