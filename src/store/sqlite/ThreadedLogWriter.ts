import type { DecisionRecord, EventLogWriter, LogRecord, RecentMessage } from '../ports.js';
import { decisionRow, eventColumns, type SqliteLogWriter } from './SqliteLogWriter.js';
import type { StorageThread } from './StorageThread.js';

/**
 * The event log with its appends committed on the storage thread. Only the stored columns
 * are cloned to the thread, where the body is encoded to JSON (the structured clone of a body
 * costs the main thread less than JSON.stringify plus the clone of the string); reads stay on the main
 * thread's connection, which sees an append once it has settled (the thread replies after the
 * commit). A failed append rejects with the thread's error (its SQLite code kept).
 */
export class ThreadedLogWriter implements EventLogWriter {
  constructor(private readonly thread: StorageThread, private readonly reads: SqliteLogWriter) {}

  async append(events: readonly LogRecord[], decisions: readonly DecisionRecord[]): Promise<void> {
    await this.thread.run({ kind: 'append', events: events.map(eventColumns), decisions: decisions.map(decisionRow) });
  }

  lastSeq(): Promise<number> {
    return this.reads.lastSeq();
  }

  recentMessages(windowMillis: number): Promise<RecentMessage[]> {
    return this.reads.recentMessages(windowMillis);
  }
}
