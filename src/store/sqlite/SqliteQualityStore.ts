import type { CounterKind, QualityCounter } from '../../core/quality/qualityCounters.js';
import { DAY_MS } from '../../core/quality/qualityCounters.js';
import type { VolumeRow } from '../../core/quality/qualityReport.js';
import type { TrackingPlan } from '../../core/quality/TrackingPlan.js';
import type { QualityStore, WorkspaceQualityCounter } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { seqBeforeArrival } from './seqBeforeArrival.js';

const counterKinds: readonly CounterKind[] = ['received', 'rejected', 'event', 'property', 'unreadable', 'mergeSkipped', 'future', 'overflow'];

/**
 * Data quality on SQLite. Counters are summed by an upsert, one transaction per batch the
 * collect path writes behind. The period's volume reads the log's columns and the sender's
 * library from the body: a range of the primary key from the period's first arrival
 * (`+workspace_id`, as the unknown-item report), never an index on arrival time, which would
 * cost every append a B-tree insert.
 */
export class SqliteQualityStore implements QualityStore {
  private readonly stmts;
  private readonly addTx;

  constructor(db: SqliteDatabase) {
    this.stmts = {
      add: db.prepare(`INSERT INTO quality_counters (workspace_id, day, kind, subject, detail, variant, count) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET count = count + excluded.count`),
      counters: db.prepare(`SELECT day, kind, subject, detail, variant, count FROM quality_counters
        WHERE workspace_id = ? AND day >= ? AND day < ? AND kind IN (SELECT value FROM json_each(?)) ORDER BY day, kind, subject, detail, variant`),
      volume: db.prepare(`
        SELECT received_at / ${DAY_MS} AS day, type, name, json_extract(body, '$.context.library.name') AS source, count(*) AS count,
          sum(received_at - timestamp > 3600000) AS over1h, sum(received_at - timestamp > 86400000) AS over1d, sum(received_at - timestamp > 604800000) AS over7d
        FROM events WHERE seq > @after AND +workspace_id = @ws AND received_at >= @since AND received_at < @until
        GROUP BY 1, 2, 3, 4`),
      merges: db.prepare(`SELECT merged_at / ${DAY_MS} AS day, count(*) AS count FROM profile_merges
        WHERE workspace_id = ? AND merged_at >= ? AND merged_at < ? GROUP BY 1 ORDER BY 1`),
      identity: db.prepare(`SELECT count(*) AS profiles, coalesce(sum(merged_count >= ?), 0) AS atMergeCap FROM profiles
        WHERE workspace_id = ? AND merged_into IS NULL`),
      plan: db.prepare('SELECT plan, updated_at FROM tracking_plans WHERE workspace_id = ?'),
      putPlan: db.prepare('INSERT INTO tracking_plans (workspace_id, plan, updated_at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET plan = excluded.plan, updated_at = excluded.updated_at'),
      deletePlan: db.prepare('DELETE FROM tracking_plans WHERE workspace_id = ?'),
      seqAt: db.prepare('SELECT seq, received_at FROM events WHERE seq <= ? ORDER BY seq DESC LIMIT 1'),
      lastSeq: db.prepare('SELECT coalesce(max(seq), 0) FROM events').pluck(),
    };
    this.addTx = db.transaction((rows: readonly WorkspaceQualityCounter[]) => {
      for (const r of rows) this.stmts.add.run(r.workspaceId, r.day, r.kind, r.subject, r.detail, r.variant, r.count);
    });
  }

  async addCounters(rows: readonly WorkspaceQualityCounter[]): Promise<void> {
    if (rows.length > 0) this.addTx(rows);
  }

  async counters(workspaceId: string, fromDay: number, untilDay: number, kinds: readonly CounterKind[] = counterKinds): Promise<QualityCounter[]> {
    return this.stmts.counters.all(workspaceId, fromDay, untilDay, JSON.stringify(kinds)) as QualityCounter[];
  }

  async volume(workspaceId: string, since: number, until: number): Promise<VolumeRow[]> {
    const after = seqBeforeArrival(this.stmts.seqAt, this.stmts.lastSeq.get() as number, since);
    const rows = this.stmts.volume.all({ after, ws: workspaceId, since, until }) as { day: number; type: string; name: string | null; source: unknown; count: number; over1h: number; over1d: number; over7d: number }[];
    // A library name that is not a string (an object, a number) is shown as its text, not lost.
    return rows.map((r) => ({ ...r, day: Math.floor(r.day), source: r.source === null ? null : String(r.source) }));
  }

  async merges(workspaceId: string, since: number, until: number): Promise<{ day: number; count: number }[]> {
    return (this.stmts.merges.all(workspaceId, since, until) as { day: number; count: number }[]).map((r) => ({ day: Math.floor(r.day), count: r.count }));
  }

  async identityHealth(workspaceId: string, maxMergedProfiles: number): Promise<{ profiles: number; atMergeCap: number }> {
    return this.stmts.identity.get(maxMergedProfiles, workspaceId) as { profiles: number; atMergeCap: number };
  }

  async trackingPlan(workspaceId: string): Promise<{ plan: TrackingPlan; updatedAt: number } | null> {
    const row = this.stmts.plan.get(workspaceId) as { plan: string; updated_at: number } | undefined;
    return row === undefined ? null : { plan: JSON.parse(row.plan) as TrackingPlan, updatedAt: row.updated_at };
  }

  async setTrackingPlan(workspaceId: string, plan: TrackingPlan | null, at: number): Promise<void> {
    if (plan === null) this.stmts.deletePlan.run(workspaceId);
    else this.stmts.putPlan.run(workspaceId, JSON.stringify(plan), at);
  }
}
