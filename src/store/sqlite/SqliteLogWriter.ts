import type { DecisionRecord, EventLogWriter, LogRecord, RecentMessage } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { seqBeforeArrival } from './seqBeforeArrival.js';
import { writeTransaction } from './writeTransaction.js';

/** An event in the `events` table's column order, its body as JSON (`string`) or still an object. */
export type EventColumns<Body> = readonly [seq: number, workspaceId: string, messageId: string, type: string, name: string | null, userId: string | null, anonymousId: string | null, profileId: string, timestamp: number, receivedAt: number, body: Body];

/** An event as the `events` table stores it. */
export type EventRow = EventColumns<string>;

/** A decision record as the `decisions` table stores it, in column order. */
export type DecisionRow = readonly [workspaceId: string, decisionId: string, profileId: string | null, placementId: string, actionId: string | null, variant: string | null, score: number | null, probability: number, fallback: string | null, segments: string, reasons: string, at: number];

/**
 * The columns of an appended event, the body left as it is. The storage thread receives
 * these, not records: the record's parsed parts (traits, properties, context) repeat its body
 * and are not stored, so cloning them to the thread would be wasted work on the main thread.
 * The body is encoded on the thread: cloning it costs the main thread less than JSON would.
 */
export function eventColumns({ seq, workspaceId, profileId, event: e }: LogRecord): EventColumns<Readonly<Record<string, unknown>>> {
  return [seq, workspaceId, e.messageId, e.type, e.name, e.userId, e.anonymousId, profileId, e.timestamp, e.receivedAt, e.body];
}

/** Encodes the body of `eventColumns`. */
export function encodeEvent(columns: EventColumns<unknown>): EventRow {
  const [seq, workspaceId, messageId, type, name, userId, anonymousId, profileId, timestamp, receivedAt, body] = columns;
  return [seq, workspaceId, messageId, type, name, userId, anonymousId, profileId, timestamp, receivedAt, JSON.stringify(body)];
}

export function decisionRow(r: DecisionRecord): DecisionRow {
  return [r.workspaceId, r.decisionId, r.profileId, r.placementId, r.actionId, r.variant, r.score, r.probability, r.fallback, JSON.stringify(r.segments), JSON.stringify(r.reasons), r.at];
}

/**
 * Appends events (and the decision records made with them) in one transaction, fsynced as
 * the database's `synchronous` setting says (FULL by default): the only write on the request
 * path. Sequence numbers come from the engine, so that its memory and the log agree.
 */
export class SqliteLogWriter implements EventLogWriter {
  private readonly appendBatch: (events: readonly EventRow[], decisions: readonly DecisionRow[]) => void;
  private readonly stmts;

  constructor(db: SqliteDatabase) {
    this.stmts = {
      append: db.prepare(
        'INSERT INTO events (seq, workspace_id, message_id, type, name, user_id, anonymous_id, profile_id, timestamp, received_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      recordDecision: db.prepare(
        'INSERT OR IGNORE INTO decisions (workspace_id, decision_id, profile_id, placement_id, action_id, variant, score, probability, fallback, segments, reasons, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      // An erasure may delete the events at the log's tail; `log_end` keeps the position they
      // had, so the stored state's checkpoint is never beyond the log's end after a restart.
      lastSeq: db.prepare('SELECT max(coalesce((SELECT max(seq) FROM events), 0), coalesce((SELECT seq FROM log_end WHERE id = 1), 0))').pluck(),
      recent: db.prepare('SELECT workspace_id, message_id, received_at FROM events WHERE seq > ? ORDER BY seq DESC'),
      seqAt: db.prepare('SELECT seq, received_at FROM events WHERE seq <= ? ORDER BY seq DESC LIMIT 1'),
    };
    // IMMEDIATE (writeTransaction) takes the write lock up front: another process writing the same file makes this wait (busy_timeout).
    this.appendBatch = writeTransaction(db, (events: readonly EventRow[], decisions: readonly DecisionRow[]) => {
      for (const row of events) this.stmts.append.run(row);
      for (const row of decisions) this.stmts.recordDecision.run(row);
    });
  }

  async append(events: readonly LogRecord[], decisions: readonly DecisionRecord[]): Promise<void> {
    this.appendRows(events.map((e) => encodeEvent(eventColumns(e))), decisions.map(decisionRow));
  }

  /** Appends rows already encoded (`encodeEvent`, `decisionRow`) in one transaction; throws when it fails. */
  appendRows(events: readonly EventRow[], decisions: readonly DecisionRow[]): void {
    this.appendBatch(events, decisions);
  }

  async lastSeq(): Promise<number> {
    return this.stmts.lastSeq.get() as number;
  }

  async recentMessages(windowMillis: number): Promise<RecentMessage[]> {
    const last = this.stmts.seqAt.get(Number.MAX_SAFE_INTEGER) as { seq: number; received_at: number } | undefined;
    if (last === undefined) return [];
    const low = seqBeforeArrival(this.stmts.seqAt, this.stmts.lastSeq.get() as number, last.received_at - windowMillis);
    const rows = this.stmts.recent.all(low) as { workspace_id: string; message_id: string; received_at: number }[];
    return rows.map((r) => ({ workspaceId: r.workspace_id, messageId: r.message_id, receivedAt: r.received_at }));
  }
}
