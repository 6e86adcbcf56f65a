import { eventVerdict, type RetentionCutOffs, type RetentionPolicy } from '../../core/retention/RetentionPolicy.js';
import type { EventPurgeStep, RetentionStore } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { subtractVolumeSql } from './volumeTallySql.js';
import { writeTransaction } from './writeTransaction.js';

interface ScannedEvent {
  seq: number;
  type: string;
  name: string | null;
  at: number;
  /** 1 when the person has not given `analytics` (their survivor's stored knowledge, or the default). */
  without: number;
}

/**
 * Retention on SQLite. Deletes run with `secure_delete` on (openDatabase), and `log_end` keeps
 * the log's end before events go, as an erasure does (SqlitePrivacyStore), so a restart never
 * finds the stored state ahead of the log and new events never reuse a sequence number.
 * Events are read in sequence order a part at a time (the log has no index by time, on purpose:
 * one B-tree insert fewer per event on the hot path); the verdict is the core's (`eventVerdict`).
 */
export class SqliteRetentionStore implements RetentionStore {
  private readonly stmts;
  private readonly deleteTx;

  constructor(db: SqliteDatabase) {
    this.stmts = {
      policy: db.prepare<[string], { policy: string; updated_at: number }>('SELECT policy, updated_at FROM retention_policies WHERE workspace_id = ?'),
      setPolicy: db.prepare('INSERT INTO retention_policies (workspace_id, policy, updated_at) VALUES (?, ?, ?) ON CONFLICT (workspace_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at'),
      scan: db.prepare<{ ws: string; after: number; limit: number; analyticsDefault: number }, ScannedEvent>(`
        SELECT e.seq, e.type, e.name, min(e.timestamp, e.received_at) AS at,
          coalesce(json_extract(k.state, '$.c.analytics[0]'), @analyticsDefault) = 0 AS without
        FROM events e
        LEFT JOIN profiles p ON p.workspace_id = e.workspace_id AND p.id = e.profile_id
        LEFT JOIN profile_knowledge k ON k.workspace_id = e.workspace_id AND k.profile_id = coalesce(p.merged_into, e.profile_id)
        WHERE e.workspace_id = @ws AND e.seq > @after ORDER BY e.seq LIMIT @limit`),
      logEnd: db.prepare('INSERT INTO log_end (id, seq) SELECT 1, coalesce(max(seq), 0) FROM events WHERE true ON CONFLICT (id) DO UPDATE SET seq = max(seq, excluded.seq)'),
      deleteEvents: db.prepare('DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?))'),
      // The data-quality volume counts the events the log stores: purged ones leave it too.
      subtractVolume: db.prepare(subtractVolumeSql('seq IN (SELECT value FROM json_each(?))')),
      countDecisions: db.prepare<[string, number], number>('SELECT count(*) FROM decisions WHERE workspace_id = ? AND at < ?').pluck(),
      deleteDecisions: db.prepare('DELETE FROM decisions WHERE workspace_id = ? AND at < ?'),
      oldestEvent: db.prepare<[string], number | null>('SELECT min(min(timestamp, received_at)) FROM events WHERE workspace_id = ?').pluck(),
      oldestDecision: db.prepare<[string], number | null>('SELECT min(at) FROM decisions WHERE workspace_id = ?').pluck(),
    };
    this.deleteTx = writeTransaction(db, (seqs: readonly number[]) => {
      // Before the delete: the log's end stays where it was, whichever events go.
      this.stmts.logEnd.run();
      const json = JSON.stringify(seqs);
      this.stmts.subtractVolume.run(json);
      this.stmts.deleteEvents.run(json);
    });
  }

  async policy(workspaceId: string): Promise<{ policy: RetentionPolicy; updatedAt: number } | null> {
    const row = this.stmts.policy.get(workspaceId);
    return row === undefined ? null : { policy: JSON.parse(row.policy) as RetentionPolicy, updatedAt: row.updated_at };
  }

  async setPolicy(workspaceId: string, policy: RetentionPolicy, at: number): Promise<void> {
    this.stmts.setPolicy.run(workspaceId, JSON.stringify(policy), at);
  }

  async purgeEvents(
    workspaceId: string, cutOffs: RetentionCutOffs, options: { readonly analyticsDefault: boolean; readonly dryRun: boolean; readonly afterSeq: number; readonly limit: number },
  ): Promise<EventPurgeStep> {
    const rows = this.stmts.scan.all({ ws: workspaceId, after: options.afterSeq, limit: options.limit, analyticsDefault: options.analyticsDefault ? 1 : 0 });
    const byEvent = new Map<string, number>();
    const byType = new Map<string, number>();
    const seqs: number[] = [];
    let withoutAnalytics = 0;
    const bump = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
    for (const row of rows) {
      const verdict = eventVerdict(cutOffs, row, row.without === 1);
      if (verdict === 'kept') continue;
      seqs.push(row.seq);
      if (verdict === 'withoutAnalytics') withoutAnalytics++;
      if (row.type === 'track' && row.name !== null) bump(byEvent, row.name);
      else bump(byType, row.type);
    }
    if (!options.dryRun && seqs.length > 0) this.deleteTx(seqs);
    return { removed: seqs.length, byEvent: Object.fromEntries(byEvent), byType: Object.fromEntries(byType), withoutAnalytics, lastSeq: rows.length < options.limit ? null : rows[rows.length - 1]!.seq };
  }

  async purgeDecisions(workspaceId: string, before: number, dryRun: boolean): Promise<number> {
    return dryRun ? this.stmts.countDecisions.get(workspaceId, before)! : this.stmts.deleteDecisions.run(workspaceId, before).changes;
  }

  async oldest(workspaceId: string): Promise<{ event: number | null; decision: number | null }> {
    return { event: this.stmts.oldestEvent.get(workspaceId) ?? null, decision: this.stmts.oldestDecision.get(workspaceId) ?? null };
  }
}
