import type { EventLogReader, EventLogReadOptions, StoredEvent } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';

export interface EventRow {
  seq: number;
  workspace_id: string;
  profile_id: string;
  message_id: string;
  type: string;
  name: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  timestamp: number;
  received_at: number;
  body: string;
}

export const eventColumns = 'seq, workspace_id, profile_id, message_id, type, name, user_id, anonymous_id, timestamp, received_at, body';

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    seq: row.seq,
    workspaceId: row.workspace_id,
    profileId: row.profile_id,
    messageId: row.message_id,
    type: row.type,
    name: row.name,
    userId: row.user_id,
    anonymousId: row.anonymous_id,
    timestamp: row.timestamp,
    receivedAt: row.received_at,
    body: JSON.parse(row.body) as Record<string, unknown>,
  };
}

/**
 * Reads the log in sequence order, a chunk at a time. Between chunks it yields to the event
 * loop, so a long replay never holds up the server, and it sees events committed meanwhile.
 */
export class SqliteEventLog implements EventLogReader {
  private readonly allAfter;
  private readonly workspaceAfter;
  private readonly countStmt;

  constructor(db: SqliteDatabase) {
    this.allAfter = db.prepare(`SELECT ${eventColumns} FROM events WHERE seq > ? ORDER BY seq LIMIT ?`);
    this.workspaceAfter = db.prepare(`SELECT ${eventColumns} FROM events WHERE workspace_id = ? AND seq > ? ORDER BY seq LIMIT ?`);
    this.countStmt = db.prepare('SELECT count(*) FROM events WHERE workspace_id = ?').pluck();
  }

  async *read(options: EventLogReadOptions = {}): AsyncIterable<StoredEvent> {
    const chunkSize = options.chunkSize ?? 1000;
    let after = options.afterSeq ?? 0;
    for (;;) {
      const rows = (options.workspaceId === undefined
        ? this.allAfter.all(after, chunkSize)
        : this.workspaceAfter.all(options.workspaceId, after, chunkSize)) as EventRow[];
      for (const row of rows) yield toStoredEvent(row);
      if (rows.length < chunkSize) return;
      after = rows[rows.length - 1]!.seq;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async count(workspaceId: string): Promise<number> {
    return this.countStmt.get(workspaceId) as number;
  }
}
