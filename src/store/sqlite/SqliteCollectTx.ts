import type { CollectedEvent } from '../../core/events/CollectedEvent.js';
import type { ProfileState } from '../../core/identity/mergeProfileState.js';
import type { TraitState } from '../../core/identity/traits.js';
import type { IdentityKey, ProfileFacts } from '../../core/identity/types.js';
import type { ConsentChange } from '../../core/consent/ConsentState.js';
import { emptyKnowledge, type KnowledgeState } from '../../core/knowledge/KnowledgeState.js';
import type { MembershipChange } from '../../core/segments/compileSegments.js';
import type { Interaction } from '../../core/decide/interactions.js';
import type { ArmStatChange } from '../../core/experiments/experimentUnits.js';
import { replacePairInPlace, type MutablePairMoments } from '../../core/stats/SufficientStats.js';
import type { CollectTx, DecisionRecord } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';

interface ProfileRow {
  id: string;
  first_seen: number;
  last_seen: number;
  traits: string;
  trait_times: string;
  event_counts: string;
  merged_count: number;
}

/** A profile as the collect path works on it: parsed once, changed in memory, written once per job. */
interface ProfileRecord {
  readonly workspaceId: string;
  readonly id: string;
  firstSeen: number;
  lastSeen: number;
  traits: TraitState;
  eventCounts: Record<string, number>;
  mergedCount: number;
  /** Loaded on first use. */
  knowledge: KnowledgeState | null;
  rowDirty: boolean;
  knowledgeDirty: boolean;
}

/** Profiles kept parsed between jobs; beyond this the oldest are dropped. */
const maxCachedProfiles = 20_000;

/**
 * The collect unit of work on SQLite. Statements are prepared once; callers run inside a
 * transaction. Profiles (row and knowledge) and identity lookups are cached between jobs, and
 * a profile changed by several events of a job is written once, by `flush` at the job's end
 * (SqliteCommitter calls it inside the job's savepoint). The caches are only right while this
 * connection is the only writer: `beginCommit` drops them when another connection has
 * committed since (SQLite's data_version), and `discard` when a job was rolled back.
 */
interface ArmStatsRecord {
  readonly workspaceId: string;
  readonly experimentId: string;
  readonly armId: string;
  readonly metricId: string;
  readonly moments: MutablePairMoments;
  firstAt: number;
  lastAt: number;
  /** The row exists: flush updates it in place (cheaper than an upsert). */
  stored: boolean;
}

export class SqliteCollectTx implements CollectTx {
  private readonly stmts;
  private readonly profiles = new Map<string, ProfileRecord>();
  private readonly identities = new Map<string, string>();
  private readonly dirty = new Set<ProfileRecord>();
  private dataVersion: unknown = null;
  /**
   * Arm statistics, read once and then kept (a few rows per experiment): changed in memory,
   * the changed ones written by flush. Dropped with the other caches on a rollback or when
   * another connection committed.
   */
  private readonly armStats = new Map<string, Map<string, Map<string, Map<string, ArmStatsRecord>>>>();
  private readonly dirtyStats = new Set<ArmStatsRecord>();

  constructor(db: SqliteDatabase) {
    this.stmts = {
      hasMessage: db.prepare('SELECT 1 FROM events WHERE workspace_id = ? AND message_id = ?').pluck(),
      findIdentity: db.prepare(
        'SELECT p.id AS id, p.merged_count AS mergedCount FROM identities i JOIN profiles p ON p.workspace_id = i.workspace_id AND p.id = i.profile_id WHERE i.workspace_id = ? AND i.kind = ? AND i.value = ?',
      ),
      userIds: db.prepare("SELECT value FROM identities WHERE workspace_id = ? AND profile_id = ? AND kind = 'user'").pluck(),
      createProfile: db.prepare('INSERT INTO profiles (workspace_id, id, created_at, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)'),
      linkIdentity: db.prepare(
        'INSERT INTO identities (workspace_id, kind, value, profile_id, linked_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, kind, value) DO UPDATE SET profile_id = excluded.profile_id, linked_at = excluded.linked_at',
      ),
      loadProfile: db.prepare('SELECT id, first_seen, last_seen, traits, trait_times, event_counts, merged_count FROM profiles WHERE workspace_id = ? AND id = ?'),
      writeState: db.prepare(
        'UPDATE profiles SET first_seen = ?, last_seen = ?, traits = ?, trait_times = ?, event_counts = ?, merged_count = ? WHERE workspace_id = ? AND id = ?',
      ),
      moveIdentities: db.prepare('UPDATE identities SET profile_id = ?, linked_at = ? WHERE workspace_id = ? AND profile_id = ?'),
      flattenMerged: db.prepare('UPDATE profiles SET merged_into = ? WHERE workspace_id = ? AND merged_into = ?'),
      markMerged: db.prepare('UPDATE profiles SET merged_into = ? WHERE workspace_id = ? AND id = ?'),
      recordMerge: db.prepare('INSERT INTO profile_merges (workspace_id, survivor_id, absorbed_id, merged_at) VALUES (?, ?, ?, ?)'),

      setEventProfile: db.prepare('UPDATE events SET profile_id = ? WHERE workspace_id = ? AND seq = ?'),
      loadKnowledge: db.prepare('SELECT state FROM profile_knowledge WHERE workspace_id = ? AND profile_id = ?').pluck(),
      saveKnowledge: db.prepare('INSERT INTO profile_knowledge (workspace_id, profile_id, state) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET state = excluded.state'),
      dropKnowledge: db.prepare('DELETE FROM profile_knowledge WHERE workspace_id = ? AND profile_id = ?'),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      segmentChange: db.prepare('INSERT INTO segment_changes (workspace_id, segment_id, profile_id, kind, at) VALUES (?, ?, ?, ?, ?)'),
      enterSegment: db.prepare('INSERT INTO segment_members (workspace_id, segment_id, profile_id, entered_at) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET entered_at = excluded.entered_at'),
      leaveSegment: db.prepare('DELETE FROM segment_members WHERE workspace_id = ? AND segment_id = ? AND profile_id = ?'),
      leaveAllSegments: db.prepare("INSERT INTO segment_changes (workspace_id, segment_id, profile_id, kind, at) SELECT workspace_id, segment_id, profile_id, 'leave', ? FROM segment_members WHERE workspace_id = ? AND profile_id = ?"),
      dropMemberships: db.prepare('DELETE FROM segment_members WHERE workspace_id = ? AND profile_id = ?'),
      consentChange: db.prepare('INSERT INTO consent_changes (workspace_id, profile_id, purpose, granted, source, at) VALUES (?, ?, ?, ?, ?, ?)'),
      profileIds: db.prepare('SELECT id FROM profiles WHERE workspace_id = ? AND merged_into IS NULL AND id > ? ORDER BY id LIMIT ?').pluck(),
      // The derived tables of migrations.ts; the log (events) and the definitions are source.
      recordDecision: db.prepare(
        'INSERT OR IGNORE INTO decisions (workspace_id, decision_id, profile_id, placement_id, action_id, variant, score, probability, fallback, segments, reasons, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      countOutcome: db.prepare(
        `INSERT INTO action_outcomes (workspace_id, action_id, placement_id, impressions, clicks, dismisses, conversions, conversion_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET impressions = impressions + excluded.impressions, clicks = clicks + excluded.clicks, dismisses = dismisses + excluded.dismisses,
           conversions = conversions + excluded.conversions, conversion_value = conversion_value + excluded.conversion_value`,
      ),
      loadArmStats: db.prepare('SELECT n, mean_x, mean_y, m2_x, m2_y, c_xy, first_at, last_at FROM experiment_stats WHERE workspace_id = ? AND experiment_id = ? AND arm_id = ? AND metric_id = ?'),
      updateArmStats: db.prepare(
        'UPDATE experiment_stats SET n = ?, mean_x = ?, mean_y = ?, m2_x = ?, m2_y = ?, c_xy = ?, first_at = ?, last_at = ? WHERE workspace_id = ? AND experiment_id = ? AND arm_id = ? AND metric_id = ?',
      ),
      saveArmStats: db.prepare(
        `INSERT INTO experiment_stats (workspace_id, experiment_id, arm_id, metric_id, n, mean_x, mean_y, m2_x, m2_y, c_xy, first_at, last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET n = excluded.n, mean_x = excluded.mean_x, mean_y = excluded.mean_y, m2_x = excluded.m2_x, m2_y = excluded.m2_y, c_xy = excluded.c_xy, first_at = excluded.first_at, last_at = excluded.last_at`,
      ),
      resetDerived: ['profiles', 'profile_knowledge', 'identities', 'profile_merges', 'segment_members', 'segment_changes', 'consent_changes', 'action_outcomes', 'experiment_stats']
        .map((table) => db.prepare(`DELETE FROM ${table} WHERE workspace_id = ?`)),
      append: db.prepare(
        'INSERT INTO events (workspace_id, message_id, type, name, user_id, anonymous_id, profile_id, timestamp, received_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  hasMessage(workspaceId: string, messageId: string): boolean {
    return this.stmts.hasMessage.get(workspaceId, messageId) !== undefined;
  }

  findProfile(workspaceId: string, key: IdentityKey): ProfileFacts | undefined {
    const cacheKey = `${workspaceId}\u0000${key.kind}\u0000${key.value}`;
    let profileId = this.identities.get(cacheKey);
    let mergedCount: number;
    if (profileId === undefined) {
      const row = this.stmts.findIdentity.get(workspaceId, key.kind, key.value) as { id: string; mergedCount: number } | undefined;
      if (row === undefined) return undefined;
      profileId = row.id;
      mergedCount = this.profiles.get(this.profileKey(workspaceId, row.id))?.mergedCount ?? row.mergedCount;
      this.identities.set(cacheKey, profileId);
    } else mergedCount = this.record(workspaceId, profileId).mergedCount;
    // Read lazily: most lookups only need the id, and user ids matter only for merges.
    const userIds = this.stmts.userIds;
    const id = profileId;
    return {
      id,
      mergedCount,
      get userIds() {
        return userIds.all(workspaceId, id) as string[];
      },
    };
  }

  createProfile(workspaceId: string, profileId: string, at: number): void {
    this.stmts.createProfile.run(workspaceId, profileId, at, at, at);
    this.remember({
      workspaceId, id: profileId, firstSeen: at, lastSeen: at, traits: { values: {}, updatedAt: {} }, eventCounts: {}, mergedCount: 0,
      knowledge: emptyKnowledge(), rowDirty: false, knowledgeDirty: false,
    });
  }

  linkIdentity(workspaceId: string, key: IdentityKey, profileId: string, at: number): void {
    this.stmts.linkIdentity.run(workspaceId, key.kind, key.value, profileId, at);
    this.identities.set(`${workspaceId}\u0000${key.kind}\u0000${key.value}`, profileId);
  }

  loadProfileState(workspaceId: string, profileId: string): ProfileState {
    const r = this.record(workspaceId, profileId);
    return { id: r.id, firstSeen: r.firstSeen, lastSeen: r.lastSeen, traits: r.traits, eventCounts: { ...r.eventCounts }, mergedCount: r.mergedCount };
  }

  absorbProfile(workspaceId: string, merged: ProfileState, absorbedId: string, at: number): void {
    const s = this.stmts;
    const survivor = this.record(workspaceId, merged.id);
    Object.assign(survivor, { firstSeen: merged.firstSeen, lastSeen: merged.lastSeen, traits: merged.traits, eventCounts: { ...merged.eventCounts }, mergedCount: merged.mergedCount });
    this.markDirty(survivor, 'row');
    s.moveIdentities.run(merged.id, at, workspaceId, absorbedId);
    s.flattenMerged.run(merged.id, workspaceId, absorbedId);
    s.markMerged.run(merged.id, workspaceId, absorbedId);
    s.recordMerge.run(workspaceId, merged.id, absorbedId, at);
    // The absorbed profile leaves its segments; the survivor's are re-evaluated by the caller.
    s.leaveAllSegments.run(at, workspaceId, absorbedId);
    s.dropMemberships.run(workspaceId, absorbedId);
    s.dropKnowledge.run(workspaceId, absorbedId);
    // The absorbed row stays, frozen as it was when merged: write what this job changed of it.
    const absorbed = this.profiles.get(this.profileKey(workspaceId, absorbedId));
    if (absorbed !== undefined) {
      if (absorbed.rowDirty) this.writeRow(absorbed);
      this.dirty.delete(absorbed);
      this.profiles.delete(this.profileKey(workspaceId, absorbedId));
    }
    // Identities moved in SQL; the cache would still point some at the absorbed profile.
    this.identities.clear();
  }

  writeTraits(workspaceId: string, profileId: string, traits: TraitState): void {
    const r = this.record(workspaceId, profileId);
    r.traits = traits;
    this.markDirty(r, 'row');
  }

  touchProfile(workspaceId: string, profileId: string, type: string, timestamp: number): void {
    const r = this.record(workspaceId, profileId);
    r.firstSeen = Math.min(r.firstSeen, timestamp);
    r.lastSeen = Math.max(r.lastSeen, timestamp);
    r.eventCounts[type] = (r.eventCounts[type] ?? 0) + 1;
    this.markDirty(r, 'row');
  }

  appendEvent(workspaceId: string, profileId: string, event: CollectedEvent): number {
    const result = this.stmts.append.run(
      workspaceId, event.messageId, event.type, event.name, event.userId, event.anonymousId, profileId,
      event.timestamp, event.receivedAt, JSON.stringify(event.body),
    );
    return Number(result.lastInsertRowid);
  }

  setEventProfile(workspaceId: string, seq: number, profileId: string): void {
    this.stmts.setEventProfile.run(profileId, workspaceId, seq);
  }

  loadKnowledge(workspaceId: string, profileId: string): KnowledgeState {
    const r = this.record(workspaceId, profileId);
    if (r.knowledge === null) {
      const json = this.stmts.loadKnowledge.get(workspaceId, profileId) as string | undefined;
      r.knowledge = { ...emptyKnowledge(), ...(json === undefined ? {} : (JSON.parse(json) as Partial<KnowledgeState>)) };
    }
    return r.knowledge;
  }

  saveKnowledge(workspaceId: string, profileId: string, state: KnowledgeState): void {
    const r = this.record(workspaceId, profileId);
    r.knowledge = state;
    this.markDirty(r, 'knowledge');
  }

  recordSegmentChanges(workspaceId: string, profileId: string, changes: readonly MembershipChange[]): void {
    for (const change of changes) {
      this.stmts.segmentChange.run(workspaceId, change.segment, profileId, change.kind, change.at);
      if (change.kind === 'enter') this.stmts.enterSegment.run(workspaceId, change.segment, profileId, change.at);
      else this.stmts.leaveSegment.run(workspaceId, change.segment, profileId);
    }
  }

  recordConsentChanges(workspaceId: string, profileId: string, changes: readonly ConsentChange[]): void {
    for (const c of changes) this.stmts.consentChange.run(workspaceId, profileId, c.purpose, c.granted ? 1 : 0, c.source, c.at);
  }

  recordDecisions(records: readonly DecisionRecord[]): void {
    for (const r of records) {
      this.stmts.recordDecision.run(r.workspaceId, r.decisionId, r.profileId, r.placementId, r.actionId, r.variant, r.score, r.probability, r.fallback, JSON.stringify(r.segments), JSON.stringify(r.reasons), r.at);
    }
  }

  countOutcome(workspaceId: string, interaction: Interaction): void {
    const k = interaction.kind;
    this.stmts.countOutcome.run(
      workspaceId, interaction.actionId, interaction.placementId,
      k === 'impression' ? 1 : 0, k === 'click' ? 1 : 0, k === 'dismiss' ? 1 : 0, k === 'conversion' ? 1 : 0, k === 'conversion' ? interaction.value : 0,
    );
  }

  updateExperimentStats(workspaceId: string, changes: readonly ArmStatChange[], at: number): void {
    for (const c of changes) {
      // Nested by the change's own strings (their hashes are cached), not by a key string built per change.
      let byExperiment = this.armStats.get(workspaceId);
      if (byExperiment === undefined) this.armStats.set(workspaceId, byExperiment = new Map());
      let byArm = byExperiment.get(c.experimentId);
      if (byArm === undefined) byExperiment.set(c.experimentId, byArm = new Map());
      let byMetric = byArm.get(c.armId);
      if (byMetric === undefined) byArm.set(c.armId, byMetric = new Map());
      let r = byMetric.get(c.metricId);
      if (r === undefined) {
        const row = this.stmts.loadArmStats.get(workspaceId, c.experimentId, c.armId, c.metricId) as
          { n: number; mean_x: number; mean_y: number; m2_x: number; m2_y: number; c_xy: number; first_at: number; last_at: number } | undefined;
        r = {
          workspaceId, experimentId: c.experimentId, armId: c.armId, metricId: c.metricId,
          moments: row === undefined ? { n: 0, meanX: 0, meanY: 0, m2X: 0, m2Y: 0, cXY: 0 } : { n: row.n, meanX: row.mean_x, meanY: row.mean_y, m2X: row.m2_x, m2Y: row.m2_y, cXY: row.c_xy },
          firstAt: row?.first_at ?? at, lastAt: row?.last_at ?? at, stored: row !== undefined,
        };
        byMetric.set(c.metricId, r);
      }
      replacePairInPlace(r.moments, c.before, c.after);
      if (at < r.firstAt) r.firstAt = at;
      if (at > r.lastAt) r.lastAt = at;
      this.dirtyStats.add(r);
    }
  }

  profileIds(workspaceId: string, afterId: string, limit: number): string[] {
    return this.stmts.profileIds.all(workspaceId, afterId, limit) as string[];
  }

  resetDerivedState(workspaceId: string): void {
    for (const stmt of this.stmts.resetDerived) stmt.run(workspaceId);
    this.discard();
  }

  /** Writes every profile changed since the last flush: one statement per profile and part. */
  flush(): void {
    for (const r of this.dirty) {
      if (r.rowDirty) this.writeRow(r);
      if (r.knowledgeDirty && r.knowledge !== null) this.stmts.saveKnowledge.run(r.workspaceId, r.id, JSON.stringify(r.knowledge));
      r.rowDirty = false;
      r.knowledgeDirty = false;
    }
    this.dirty.clear();
    for (const r of this.dirtyStats) {
      const m = r.moments;
      if (r.stored) this.stmts.updateArmStats.run(m.n, m.meanX, m.meanY, m.m2X, m.m2Y, m.cXY, r.firstAt, r.lastAt, r.workspaceId, r.experimentId, r.armId, r.metricId);
      else this.stmts.saveArmStats.run(r.workspaceId, r.experimentId, r.armId, r.metricId, m.n, m.meanX, m.meanY, m.m2X, m.m2Y, m.cXY, r.firstAt, r.lastAt);
      r.stored = true;
    }
    this.dirtyStats.clear();
  }

  private writeRow(r: ProfileRecord): void {
    this.stmts.writeState.run(
      r.firstSeen, r.lastSeen, JSON.stringify(r.traits.values), JSON.stringify(r.traits.updatedAt),
      JSON.stringify(r.eventCounts), r.mergedCount, r.workspaceId, r.id,
    );
    r.rowDirty = false;
  }

  /** Forgets the cached arm statistics: their rows were changed outside a commit (an experiment's statistics dropped). */
  forgetArmStats(): void {
    this.armStats.clear();
    this.dirtyStats.clear();
  }

  /** Forgets everything cached: after a rollback, the cache may hold what was never committed. */
  discard(): void {
    this.armStats.clear();
    this.dirtyStats.clear();
    this.profiles.clear();
    this.identities.clear();
    this.dirty.clear();
  }

  /** Called at the start of each group commit: another connection's commit makes the caches stale. */
  beginCommit(): void {
    const version = this.stmts.dataVersion.get();
    if (this.dataVersion !== null && version !== this.dataVersion) this.discard();
    this.dataVersion = version;
  }

  private profileKey(workspaceId: string, profileId: string): string {
    return `${workspaceId}\u0000${profileId}`;
  }

  private remember(r: ProfileRecord): ProfileRecord {
    if (this.profiles.size >= maxCachedProfiles) {
      // Drop the oldest tenth that has nothing to write (insertion order is age).
      let drop = maxCachedProfiles / 10;
      for (const [key, old] of this.profiles) {
        if (drop-- <= 0) break;
        if (this.dirty.has(old)) continue;
        this.profiles.delete(key);
      }
    }
    this.profiles.set(this.profileKey(r.workspaceId, r.id), r);
    return r;
  }

  private record(workspaceId: string, profileId: string): ProfileRecord {
    const cached = this.profiles.get(this.profileKey(workspaceId, profileId));
    if (cached !== undefined) return cached;
    const row = this.stmts.loadProfile.get(workspaceId, profileId) as ProfileRow | undefined;
    if (row === undefined) throw new Error(`profile ${profileId} is missing in workspace ${workspaceId}`);
    return this.remember({
      workspaceId,
      id: row.id,
      firstSeen: row.first_seen,
      lastSeen: row.last_seen,
      traits: { values: JSON.parse(row.traits) as Record<string, unknown>, updatedAt: JSON.parse(row.trait_times) as Record<string, number> },
      eventCounts: JSON.parse(row.event_counts) as Record<string, number>,
      mergedCount: row.merged_count,
      knowledge: null,
      rowDirty: false,
      knowledgeDirty: false,
    });
  }

  private markDirty(r: ProfileRecord, part: 'row' | 'knowledge'): void {
    if (part === 'row') r.rowDirty = true;
    else r.knowledgeDirty = true;
    this.dirty.add(r);
  }
}
