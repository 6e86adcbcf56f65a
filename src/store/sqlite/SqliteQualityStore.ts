import type { CounterKind, QualityCounter } from '../../core/quality/qualityCounters.js';
import { DAY_MS, MAX_EVENT_KEYS_PER_DAY } from '../../core/quality/qualityCounters.js';
import type { VolumeRow } from '../../core/quality/qualityReport.js';
import { volumeFromCounters } from '../../core/quality/volumeTally.js';
import type { TrackingPlan } from '../../core/quality/TrackingPlan.js';
import type { QualityStore, WorkspaceQualityCounter } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { addVolumeFromLogSql } from './volumeTallySql.js';
import { writeTransaction } from './writeTransaction.js';

/** The per-event kinds `counters` reads by default; `volume` rows are read (and folded) by `volume`. */
const counterKinds: readonly CounterKind[] = ['received', 'rejected', 'event', 'property', 'unreadable', 'mergeSkipped', 'future', 'overflow'];

/**
 * Data quality on SQLite. Counters are summed by an upsert, one transaction per batch the
 * collect path writes behind. The period's volume is the `volume` counters the collect path
 * tallies (a few hundred rows a week), not the log: reading a week of the log's bodies took
 * seconds with 100,000 profiles. `recountVolume` rebuilds them from the log.
 */
export class SqliteQualityStore implements QualityStore {
  private readonly stmts;
  private readonly addTx;
  private readonly recountTx;

  constructor(db: SqliteDatabase) {
    this.stmts = {
      add: db.prepare(`INSERT INTO quality_counters (workspace_id, day, kind, subject, detail, variant, count) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET count = count + excluded.count`),
      counters: db.prepare(`SELECT day, kind, subject, detail, variant, count FROM quality_counters
        WHERE workspace_id = ? AND day >= ? AND day < ? AND kind IN (SELECT value FROM json_each(?)) ORDER BY day, kind, subject, detail, variant`),
      volume: db.prepare(`SELECT day, kind, subject, detail, variant, count FROM quality_counters
        WHERE workspace_id = @ws AND day >= @fromDay AND day < @untilDay AND kind = 'volume' ORDER BY day, subject, detail, variant`),
      clearVolume: db.prepare(`DELETE FROM quality_counters WHERE workspace_id = ? AND kind = 'volume'`),
      addVolume: db.prepare(addVolumeFromLogSql('workspace_id = @ws', MAX_EVENT_KEYS_PER_DAY)),
      merges: db.prepare(`SELECT merged_at / ${DAY_MS} AS day, count(*) AS count FROM profile_merges
        WHERE workspace_id = ? AND merged_at >= ? AND merged_at < ? GROUP BY 1 ORDER BY 1`),
      identity: db.prepare(`SELECT count(*) AS profiles, coalesce(sum(merged_count >= ?), 0) AS atMergeCap FROM profiles
        WHERE workspace_id = ? AND merged_into IS NULL`),
      plan: db.prepare('SELECT plan, updated_at FROM tracking_plans WHERE workspace_id = ?'),
      putPlan: db.prepare('INSERT INTO tracking_plans (workspace_id, plan, updated_at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET plan = excluded.plan, updated_at = excluded.updated_at'),
      deletePlan: db.prepare('DELETE FROM tracking_plans WHERE workspace_id = ?'),
    };
    this.recountTx = writeTransaction(db, (workspaceId: string) => {
      this.stmts.clearVolume.run(workspaceId);
      this.stmts.addVolume.run({ ws: workspaceId });
    });
    this.addTx = writeTransaction(db, (rows: readonly WorkspaceQualityCounter[]) => {
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
    // Counted per day: a period of whole days (the report's) reads exactly its own.
    return volumeFromCounters(this.stmts.volume.all({ ws: workspaceId, fromDay: Math.floor(since / DAY_MS), untilDay: Math.ceil(until / DAY_MS) }) as QualityCounter[]);
  }

  async recountVolume(workspaceId: string): Promise<void> {
    this.recountTx(workspaceId);
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
