import { AttuneError } from '../../core/errors/AttuneError.js';
import type { IdentityKey } from '../../core/identity/types.js';
import type { ArmStatsRow, CounterRow, StateBatch, StateStore, StoredProfile } from '../ports.js';
import { encodeProfiles, encodeStateBatch, type EncodedStateBatch } from './encodeStateBatch.js';
import { knowledgeCodec } from './knowledgeCodec.js';
import type { SqliteDatabase } from './openDatabase.js';
import { writeTransaction } from './writeTransaction.js';

/** A row of `profiles` with its knowledge, as `profileColumns` selects it. */
export interface ProfileRow {
  id: string;
  created_at: number;
  first_seen: number;
  last_seen: number;
  traits: string;
  trait_times: string;
  event_counts: string;
  merged_count: number;
  merged_into: string | null;
  state: string | null;
  packed: Buffer | null;
}

/** Tables derived from the log, deleted by a rebuild (the log and the definitions are source). */
const derivedTables = ['profiles', 'profile_knowledge', 'identities', 'profile_merges', 'segment_changes', 'consent_changes', 'action_outcomes', 'experiment_stats', 'experiment_daily', 'model_counters'];

/**
 * The profile state on SQLite: cold profiles read by id or identifier, and batches written in
 * one transaction with their checkpoint. Batches are not fsynced on their own (synchronous
 * NORMAL): the log is, and a batch lost to a power cut only moves the checkpoint back, so
 * recovery replays more of the log.
 */
export class SqliteStateStore implements StateStore {
  private readonly stmts;
  private readonly writeBatch;
  /**
   * Segment numbers by workspace and segment id: a number never changes meaning (segment_keys
   * is never deleted from), so a member row is written with it, without a lookup or an insert.
   * Those a batch added are taken out again if it rolls back (it may have made them).
   */
  private readonly segmentKeys = new Map<string, Map<string, number>>();
  private addedKeys: { workspaceId: string; segmentId: string }[] = [];

  constructor(private readonly db: SqliteDatabase, private readonly synchronous: 'full' | 'normal') {
    this.stmts = {
      findIdentity: db.prepare('SELECT profile_id FROM identities WHERE workspace_id = ? AND kind = ? AND value = ?').pluck(),
      loadProfile: db.prepare(`SELECT ${profileColumns} FROM ${profileTables} WHERE p.workspace_id = ? AND p.id = ?`),
      // INDEXED BY: without statistics the planner prefers the primary key's workspace prefix,
      // a scan of every identity of the workspace per cold profile (10 ms at 100,000 profiles).
      identitiesOf: db.prepare('SELECT kind, value FROM identities INDEXED BY identities_profile WHERE workspace_id = ? AND profile_id = ? ORDER BY linked_at, kind, value'),
      upsertProfile: db.prepare(
        `INSERT INTO profiles (workspace_id, id, created_at, first_seen, last_seen, traits, trait_times, event_counts, merged_count, merged_into) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (workspace_id, id) DO UPDATE SET first_seen = excluded.first_seen, last_seen = excluded.last_seen, traits = excluded.traits,
           trait_times = excluded.trait_times, event_counts = excluded.event_counts, merged_count = excluded.merged_count, merged_into = excluded.merged_into`,
      ),
      saveKnowledge: db.prepare('INSERT INTO profile_knowledge (workspace_id, profile_id, state, packed) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET state = excluded.state, packed = excluded.packed'),
      dropKnowledge: db.prepare('DELETE FROM profile_knowledge WHERE workspace_id = ? AND profile_id = ?'),
      linkIdentity: db.prepare(
        'INSERT INTO identities (workspace_id, kind, value, profile_id, linked_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, kind, value) DO UPDATE SET profile_id = excluded.profile_id, linked_at = excluded.linked_at',
      ),
      flattenMerged: db.prepare('UPDATE profiles SET merged_into = ? WHERE workspace_id = ? AND merged_into = ?'),
      recordMerge: db.prepare('INSERT INTO profile_merges (workspace_id, survivor_id, absorbed_id, merged_at) VALUES (?, ?, ?, ?)'),
      segmentChange: db.prepare('INSERT INTO segment_changes (workspace_id, segment_id, profile_id, kind, at, reason) VALUES (?, ?, ?, ?, ?, ?)'),
      // A segment's number is made at its first member and kept (segment_keys is never deleted from).
      keySegment: db.prepare('INSERT INTO segment_keys (workspace_id, segment_id) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      segmentKey: db.prepare(`SELECT ${segmentKey}`).pluck(),
      enterSegment: db.prepare('INSERT INTO segment_members (segment_key, profile_id, entered_at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET entered_at = excluded.entered_at'),
      leaveSegment: db.prepare('DELETE FROM segment_members WHERE segment_key = ? AND profile_id = ?'),
      consentChange: db.prepare('INSERT INTO consent_changes (workspace_id, profile_id, purpose, granted, source, at) VALUES (?, ?, ?, ?, ?, ?)'),
      countOutcome: db.prepare(
        // M2 merges by Chan's formula (every right-hand side reads the row before the update):
        // M2 = M2₁ + M2₂ + (mean₂ − mean₁)² · n₁n₂ / (n₁ + n₂).
        `INSERT INTO action_outcomes (workspace_id, action_id, placement_id, impressions, clicks, dismisses, conversions, conversion_value, conversion_value_m2) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET impressions = impressions + excluded.impressions, clicks = clicks + excluded.clicks, dismisses = dismisses + excluded.dismisses,
           conversions = conversions + excluded.conversions, conversion_value = conversion_value + excluded.conversion_value,
           conversion_value_m2 = conversion_value_m2 + excluded.conversion_value_m2 + CASE WHEN conversions > 0 AND excluded.conversions > 0
             THEN (excluded.conversion_value / excluded.conversions - conversion_value / conversions) * (excluded.conversion_value / excluded.conversions - conversion_value / conversions)
               * conversions * excluded.conversions / (1.0 * (conversions + excluded.conversions))
             ELSE 0 END`,
      ),
      saveArmStats: db.prepare(
        `INSERT INTO experiment_stats (workspace_id, experiment_id, arm_id, metric_id, n, mean_x, mean_y, m2_x, m2_y, c_xy, first_at, last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET n = excluded.n, mean_x = excluded.mean_x, mean_y = excluded.mean_y, m2_x = excluded.m2_x, m2_y = excluded.m2_y, c_xy = excluded.c_xy, first_at = excluded.first_at, last_at = excluded.last_at`,
      ),
      saveArmDay: db.prepare(
        `INSERT INTO experiment_daily (workspace_id, experiment_id, arm_id, metric_id, day, n, mean_x, mean_y, m2_x, m2_y, c_xy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET n = excluded.n, mean_x = excluded.mean_x, mean_y = excluded.mean_y, m2_x = excluded.m2_x, m2_y = excluded.m2_y, c_xy = excluded.c_xy`,
      ),
      armStats: db.prepare('SELECT experiment_id, arm_id, metric_id, n, mean_x, mean_y, m2_x, m2_y, c_xy, first_at, last_at FROM experiment_stats WHERE workspace_id = ? ORDER BY experiment_id, arm_id, metric_id'),
      saveCounter: db.prepare('INSERT INTO model_counters (workspace_id, key, value, at) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value, at = excluded.at'),
      counters: db.prepare('SELECT key, value, at FROM model_counters WHERE workspace_id = ? ORDER BY key'),
      setEventProfile: db.prepare('UPDATE events SET profile_id = ? WHERE workspace_id = ? AND seq = ?'),
      checkpoint: db.prepare('SELECT seq FROM state_checkpoint WHERE id = 1').pluck(),
      setCheckpoint: db.prepare('INSERT INTO state_checkpoint (id, seq) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq'),
      profileIds: db.prepare('SELECT id FROM profiles WHERE workspace_id = ? AND merged_into IS NULL AND id > ? ORDER BY id LIMIT ?').pluck(),
      resetDerived: [
        ...derivedTables.map((table) => db.prepare(`DELETE FROM ${table} WHERE workspace_id = ?`)),
        db.prepare('DELETE FROM segment_members WHERE segment_key IN (SELECT id FROM segment_keys WHERE workspace_id = ?)'),
      ],
    };
    this.writeBatch = writeTransaction(db, (batch: EncodedStateBatch) => this.apply(batch));
  }

  async findIdentities(workspaceId: string, keys: readonly IdentityKey[]): Promise<(string | undefined)[]> {
    return keys.map((k) => this.stmts.findIdentity.get(workspaceId, k.kind, k.value) as string | undefined);
  }

  async loadProfiles(workspaceId: string, ids: readonly string[]): Promise<(StoredProfile | undefined)[]> {
    return ids.map((id) => {
      const row = this.stmts.loadProfile.get(workspaceId, id) as ProfileRow | undefined;
      if (row === undefined) return undefined;
      return { ...profileFromRow(workspaceId, row), identities: this.stmts.identitiesOf.all(workspaceId, id) as IdentityKey[] };
    });
  }

  async write(batch: StateBatch): Promise<void> {
    // The batch is written (and so serialised) before this returns, as the port requires.
    this.writeEncoded(encodeStateBatch(batch, encodeProfiles(batch.profiles)));
  }

  /** Writes a batch already encoded (`encodeStateBatch`) in one commit; throws when it fails. */
  writeEncoded(batch: EncodedStateBatch): void {
    if (this.synchronous === 'full') this.db.pragma('synchronous = NORMAL');
    this.addedKeys = [];
    try {
      this.writeBatch(batch);
    } catch (error) {
      for (const { workspaceId, segmentId } of this.addedKeys) this.segmentKeys.get(workspaceId)?.delete(segmentId);
      throw error;
    } finally {
      this.addedKeys = [];
      if (this.synchronous === 'full') this.db.pragma('synchronous = FULL');
    }
  }

  async armStats(workspaceId: string): Promise<ArmStatsRow[]> {
    const rows = this.stmts.armStats.all(workspaceId) as { experiment_id: string; arm_id: string; metric_id: string; n: number; mean_x: number; mean_y: number; m2_x: number; m2_y: number; c_xy: number; first_at: number; last_at: number }[];
    return rows.map((r) => ({
      experimentId: r.experiment_id, armId: r.arm_id, metricId: r.metric_id,
      moments: { n: r.n, meanX: r.mean_x, meanY: r.mean_y, m2X: r.m2_x, m2Y: r.m2_y, cXY: r.c_xy }, firstAt: r.first_at, lastAt: r.last_at,
    }));
  }

  async counters(workspaceId: string): Promise<CounterRow[]> {
    return this.stmts.counters.all(workspaceId) as CounterRow[];
  }

  async checkpoint(): Promise<number> {
    const seq = this.stmts.checkpoint.get() as number | undefined;
    // The migration writes the row and every batch keeps it: without it, nothing says which
    // events the stored state holds, and replaying from the start would count some twice.
    if (seq === undefined) throw new AttuneError('ATTUNE_STATE_CHECKPOINT_MISSING', { detail: 'the stored profile state records no log position (state_checkpoint is empty); run `attune rebuild` to derive it from the log again' });
    return seq;
  }

  async profileIds(workspaceId: string, afterId: string, limit: number): Promise<string[]> {
    return this.stmts.profileIds.all(workspaceId, afterId, limit) as string[];
  }

  async resetDerived(workspaceId: string): Promise<void> {
    writeTransaction(this.db, () => {
      for (const stmt of this.stmts.resetDerived) stmt.run(workspaceId);
    })();
  }

  /** A segment's number, made at its first member (`make`); inside `apply`'s transaction. */
  private segmentKey(workspaceId: string, segmentId: string, make: true): number;
  private segmentKey(workspaceId: string, segmentId: string, make: false): number | undefined;
  private segmentKey(workspaceId: string, segmentId: string, make: boolean): number | undefined {
    let keys = this.segmentKeys.get(workspaceId);
    const known = keys?.get(segmentId);
    if (known !== undefined) return known;
    if (make) this.stmts.keySegment.run(workspaceId, segmentId);
    // The shared subquery answers null, not no row, for a segment without a number.
    const key = this.stmts.segmentKey.get(workspaceId, segmentId) as number | null;
    if (key === null) return undefined;
    if (keys === undefined) this.segmentKeys.set(workspaceId, keys = new Map());
    keys.set(segmentId, key);
    this.addedKeys.push({ workspaceId, segmentId });
    return key;
  }

  private apply(batch: EncodedStateBatch): void {
    const s = this.stmts;
    for (const p of batch.profiles) {
      const [workspaceId, id, createdAt, firstSeen, lastSeen, traits, traitTimes, eventCounts, mergedCount, mergedInto, state, rest] = p;
      s.upsertProfile.run(workspaceId, id, createdAt, firstSeen, lastSeen, traits, traitTimes, eventCounts, mergedCount, mergedInto);
      if (state === null || rest === null) s.dropKnowledge.run(workspaceId, id);
      else s.saveKnowledge.run(workspaceId, id, state, knowledgeCodec.pack(rest));
    }
    for (const m of batch.merges) {
      // Profiles the absorbed one had absorbed now point at the survivor (merges stay flat).
      s.flattenMerged.run(m.survivorId, m.workspaceId, m.absorbedId);
      s.recordMerge.run(m.workspaceId, m.survivorId, m.absorbedId, m.at);
    }
    for (const row of batch.identities) s.linkIdentity.run(row);
    for (const row of batch.segmentChanges) {
      const [workspaceId, segmentId, profileId, kind, at] = row;
      s.segmentChange.run(row);
      if (kind === 'enter') {
        s.enterSegment.run(this.segmentKey(workspaceId, segmentId, true), profileId, at);
      } else {
        // A segment without a number has no members to leave.
        const key = this.segmentKey(workspaceId, segmentId, false);
        if (key !== undefined) s.leaveSegment.run(key, profileId);
      }
    }
    for (const row of batch.consentChanges) s.consentChange.run(row);
    for (const o of batch.outcomes) s.countOutcome.run(o.workspaceId, o.actionId, o.placementId, o.impressions, o.clicks, o.dismisses, o.conversions, o.conversionValue, o.conversionValueM2);
    for (const r of batch.armStats) {
      const m = r.moments;
      s.saveArmStats.run(r.workspaceId, r.experimentId, r.armId, r.metricId, m.n, m.meanX, m.meanY, m.m2X, m.m2Y, m.cXY, r.firstAt, r.lastAt);
    }
    // In the same transaction as the running totals: the last day of a row always equals its total.
    for (const r of batch.armDays) {
      const m = r.moments;
      s.saveArmDay.run(r.workspaceId, r.experimentId, r.armId, r.metricId, r.day, m.n, m.meanX, m.meanY, m.m2X, m.m2Y, m.cXY);
    }
    for (const c of batch.counters) s.saveCounter.run(c.workspaceId, c.key, c.value, c.at);
    for (const e of batch.eventProfiles) s.setEventProfile.run(e.profileId, e.workspaceId, e.seq);
    s.setCheckpoint.run(batch.checkpoint);
  }
}

/** What `ProfileRow` is selected from: `profiles p` with its knowledge `k`. */
export const profileTables = 'profiles p LEFT JOIN profile_knowledge k ON k.workspace_id = p.workspace_id AND k.profile_id = p.id';
export const profileColumns = 'p.id, p.created_at, p.first_seen, p.last_seen, p.traits, p.trait_times, p.event_counts, p.merged_count, p.merged_into, k.state, k.packed';

/** A segment's number in segment_keys, from two parameters (workspace id, segment id); no row when it has none. */
export const segmentKey = '(SELECT id FROM segment_keys WHERE workspace_id = ? AND segment_id = ?)';

/** A stored profile as the port returns it, without its identities. */
export function profileFromRow(workspaceId: string, row: ProfileRow): Omit<StoredProfile, 'identities'> {
  return {
    workspaceId,
    id: row.id,
    createdAt: row.created_at,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    traits: { values: JSON.parse(row.traits) as Record<string, unknown>, updatedAt: JSON.parse(row.trait_times) as Record<string, number> },
    eventCounts: JSON.parse(row.event_counts) as Record<string, number>,
    mergedCount: row.merged_count,
    mergedInto: row.merged_into,
    knowledge: row.state === null ? null : knowledgeCodec.decode(row.state, row.packed),
  };
}
