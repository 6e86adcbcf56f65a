import type { Statement } from 'better-sqlite3';
import type { EventLogReader, EventLogReadOptions, StoredEvent } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { seqBeforeArrival } from './seqBeforeArrival.js';

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
  private readonly countStmt;
  private readonly seqAt;
  private readonly lastSeq;
  /** Statements by their filters (workspace or not, how many names): a handful at most. */
  private readonly reads = new Map<string, Statement>();

  constructor(private readonly db: SqliteDatabase) {
    this.countStmt = db.prepare('SELECT count(*) FROM events WHERE workspace_id = ?').pluck();
    this.seqAt = db.prepare('SELECT seq, received_at FROM events WHERE seq <= ? ORDER BY seq DESC LIMIT 1');
    this.lastSeq = db.prepare('SELECT coalesce(max(seq), 0) FROM events').pluck();
  }

  async *read(options: EventLogReadOptions = {}): AsyncIterable<StoredEvent> {
    const chunkSize = options.chunkSize ?? 1000;
    let after = options.afterSeq ?? 0;
    if (options.receivedSince !== undefined) after = Math.max(after, seqBeforeArrival(this.seqAt, this.lastSeq.get() as number, options.receivedSince));
    const names = options.names ?? [];
    if (options.names !== undefined && names.length === 0) return;
    const statement = this.statement(options.workspaceId !== undefined, names.length);
    const head = options.workspaceId === undefined ? [] : [options.workspaceId];
    for (;;) {
      const rows = statement.all(...head, after, ...names, chunkSize) as EventRow[];
      for (const row of rows) yield toStoredEvent(row);
      if (rows.length < chunkSize) return;
      after = rows[rows.length - 1]!.seq;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async count(workspaceId: string): Promise<number> {
    return this.countStmt.get(workspaceId) as number;
  }

  private statement(byWorkspace: boolean, nameCount: number): Statement {
    const key = `${byWorkspace ? 'w' : 'a'}${nameCount}`;
    let statement = this.reads.get(key);
    if (statement === undefined) {
      const where = [
        // `+`: not through an index on workspace_id, whose rows would be sorted by seq again for
        // every chunk (a temporary B-tree per chunk made reading a workspace quadratic): the
        // primary key's range is read in order and filtered.
        ...(byWorkspace ? ['+workspace_id = ?'] : []),
        'seq > ?',
        ...(nameCount === 0 ? [] : [`type = 'track' AND name IN (${Array.from({ length: nameCount }, () => '?').join(', ')})`]),
      ].join(' AND ');
      statement = this.db.prepare(`SELECT ${eventColumns} FROM events WHERE ${where} ORDER BY seq LIMIT ?`);
      this.reads.set(key, statement);
    }
    return statement;
  }
}
