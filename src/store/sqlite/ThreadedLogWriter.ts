import type { DecisionRecord, EventLogWriter, LogRecord, RecentMessage } from '../ports.js';
import { decisionRow, eventRow, type SqliteLogWriter } from './SqliteLogWriter.js';
import type { StorageThread } from './StorageThread.js';

/**
 * The event log with its appends committed on the storage thread. The rows are encoded here
 * (the body to JSON, once) and cloned to the thread with the message; reads stay on the main
 * thread's connection, which sees an append once it has settled (the thread replies after the
 * commit). A failed append rejects with the thread's error (its SQLite code kept).
 */
export class ThreadedLogWriter implements EventLogWriter {
  constructor(private readonly thread: StorageThread, private readonly reads: SqliteLogWriter) {}

  async append(events: readonly LogRecord[], decisions: readonly DecisionRecord[]): Promise<void> {
    await this.thread.run({ kind: 'append', events: events.map(eventRow), decisions: decisions.map(decisionRow) });
  }

  lastSeq(): Promise<number> {
    return this.reads.lastSeq();
  }

  recentMessages(windowMillis: number): Promise<RecentMessage[]> {
    return this.reads.recentMessages(windowMillis);
  }
}
