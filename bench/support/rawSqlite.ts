import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/sqlite/openDatabase.js';
import { cpuTimes } from './child.js';
import { round, type Check } from './report.js';
import { BodySource, fillEvent, type Workload } from './workload.js';

export interface RawSqliteResult {
  readonly synchronous: 'full' | 'normal';
  readonly batchSize: number;
  readonly events: number;
  readonly transactions: number;
  /** Rows in the table at the end, and the events inserted (warm-up included): equal when every insert landed. */
  readonly storedRows: number;
  readonly insertedEvents: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Bytes this process sent to storage per event (Linux only; null elsewhere). */
  readonly diskBytesPerEvent: number | null;
}

/**
 * The floor for storage: the same events appended straight to the same log, the `events`
 * table (Attune's migration, so the same columns and indexes, and the same pragmas: WAL,
 * synchronous FULL or NORMAL, cache size), with the statement of the engine's log writer
 * (SqliteLogWriter: the sequence number given) and one transaction per batch. No HTTP, no
 * validation, no identity resolution, no profile state, no knowledge.
 */
export function runRawSqlite(workload: Workload, synchronous: 'full' | 'normal', options: { warmupSeconds: number; seconds: number }): RawSqliteResult {
  const dir = mkdtempSync(join(tmpdir(), 'attune-bench-raw-'));
  const db = openDatabase({ path: join(dir, 'raw.db'), synchronous });
  try {
    const insert = db.prepare(
      'INSERT INTO events (seq, workspace_id, message_id, type, name, user_id, anonymous_id, profile_id, timestamp, received_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const source = new BodySource(workload, 1);
    const workspaceId = 'ws_0123456789abcdef0123';
    // Sequence numbers given by the writer, as the engine's SqliteLogWriter does.
    let seq = 0;
    const insertBatch = db.transaction(() => {
      const { template, prefix } = source.events();
      const receivedAt = Date.now();
      template.events.forEach((event, i) => {
        const { messageId, json } = fillEvent(event, prefix, i);
        insert.run(++seq, workspaceId, messageId, event.type, event.name, event.userId, event.anonymousId, event.profileId, event.timestamp, receivedAt, json);
      });
    });
    const runFor = (seconds: number) => {
      const started = performance.now();
      const deadline = started + seconds * 1000;
      let transactions = 0;
      while (performance.now() < deadline) {
        // IMMEDIATE, as SqliteLogWriter takes the write lock.
        insertBatch.immediate();
        transactions++;
      }
      return { transactions, seconds: (performance.now() - started) / 1000 };
    };
    const warmup = runFor(options.warmupSeconds);
    const writtenBefore = cpuTimes().diskWriteBytes;
    const { transactions, seconds } = runFor(options.seconds);
    const writtenAfter = cpuTimes().diskWriteBytes;
    const events = transactions * workload.options.batchSize;
    const diskBytesPerEvent = writtenBefore === undefined || writtenAfter === undefined ? null : Math.round((writtenAfter - writtenBefore) / events);
    const storedRows = db.prepare('SELECT count(*) FROM events').pluck().get() as number;
    const insertedEvents = (warmup.transactions + transactions) * workload.options.batchSize;
    return { synchronous, batchSize: workload.options.batchSize, events, transactions, storedRows, insertedEvents, seconds, eventsPerSecond: events / seconds, diskBytesPerEvent };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The floor's own check: every event inserted is in the table. */
export function rawSqliteCheck(result: RawSqliteResult, label: string): Check {
  return {
    name: `raw SQLite floor, ${label}`,
    ok: result.insertedEvents > 0 && result.storedRows === result.insertedEvents,
    detail: `${result.storedRows.toString()} rows in events after inserting ${result.insertedEvents.toString()}`,
  };
}

/** The result as the benchmarks write it: seconds and events per second rounded. */
export function sqliteFigures(result: RawSqliteResult) {
  return { ...result, seconds: round(result.seconds, 2), eventsPerSecond: round(result.eventsPerSecond, 0) };
}
