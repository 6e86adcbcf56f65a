import type { CollectedEvent } from '../../core/events/CollectedEvent.js';
import type { ProfileState } from '../../core/identity/mergeProfileState.js';
import type { TraitState } from '../../core/identity/traits.js';
import type { IdentityKey, ProfileFacts } from '../../core/identity/types.js';
import type { ConsentChange } from '../../core/consent/ConsentState.js';
import { emptyKnowledge, type KnowledgeState } from '../../core/knowledge/KnowledgeState.js';
import type { MembershipChange } from '../../core/segments/compileSegments.js';
import type { CollectTx } from '../ports.js';
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

/** The collect unit of work on SQLite. Statements are prepared once; callers run inside a transaction. */
export class SqliteCollectTx implements CollectTx {
  private readonly stmts;

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
      writeTraits: db.prepare('UPDATE profiles SET traits = ?, trait_times = ? WHERE workspace_id = ? AND id = ?'),
      touch: db.prepare(
        "UPDATE profiles SET first_seen = min(first_seen, @ts), last_seen = max(last_seen, @ts), event_counts = json_set(event_counts, '$.' || @type, coalesce(json_extract(event_counts, '$.' || @type), 0) + 1) WHERE workspace_id = @ws AND id = @id",
      ),
      setEventProfile: db.prepare('UPDATE events SET profile_id = ? WHERE workspace_id = ? AND seq = ?'),
      loadKnowledge: db.prepare('SELECT knowledge FROM profiles WHERE workspace_id = ? AND id = ?').pluck(),
      saveKnowledge: db.prepare('UPDATE profiles SET knowledge = ? WHERE workspace_id = ? AND id = ?'),
      segmentChange: db.prepare('INSERT INTO segment_changes (workspace_id, segment_id, profile_id, kind, at) VALUES (?, ?, ?, ?, ?)'),
      enterSegment: db.prepare('INSERT INTO segment_members (workspace_id, segment_id, profile_id, entered_at) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET entered_at = excluded.entered_at'),
      leaveSegment: db.prepare('DELETE FROM segment_members WHERE workspace_id = ? AND segment_id = ? AND profile_id = ?'),
      leaveAllSegments: db.prepare("INSERT INTO segment_changes (workspace_id, segment_id, profile_id, kind, at) SELECT workspace_id, segment_id, profile_id, 'leave', ? FROM segment_members WHERE workspace_id = ? AND profile_id = ?"),
      dropMemberships: db.prepare('DELETE FROM segment_members WHERE workspace_id = ? AND profile_id = ?'),
      consentChange: db.prepare('INSERT INTO consent_changes (workspace_id, profile_id, purpose, granted, source, at) VALUES (?, ?, ?, ?, ?, ?)'),
      profileIds: db.prepare('SELECT id FROM profiles WHERE workspace_id = ? AND merged_into IS NULL AND id > ? ORDER BY id LIMIT ?').pluck(),
      // The derived tables of migrations.ts; the log (events) and the definitions are source.
      resetDerived: ['profiles', 'identities', 'profile_merges', 'segment_members', 'segment_changes', 'consent_changes']
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
    const row = this.stmts.findIdentity.get(workspaceId, key.kind, key.value) as { id: string; mergedCount: number } | undefined;
    if (row === undefined) return undefined;
    // Read lazily: most lookups only need the id, and user ids matter only for merges.
    const userIds = this.stmts.userIds;
    return {
      id: row.id,
      mergedCount: row.mergedCount,
      get userIds() {
        return userIds.all(workspaceId, row.id) as string[];
      },
    };
  }

  createProfile(workspaceId: string, profileId: string, at: number): void {
    this.stmts.createProfile.run(workspaceId, profileId, at, at, at);
  }

  linkIdentity(workspaceId: string, key: IdentityKey, profileId: string, at: number): void {
    this.stmts.linkIdentity.run(workspaceId, key.kind, key.value, profileId, at);
  }

  loadProfileState(workspaceId: string, profileId: string): ProfileState {
    const row = this.stmts.loadProfile.get(workspaceId, profileId) as ProfileRow | undefined;
    if (row === undefined) throw new Error(`profile ${profileId} is missing in workspace ${workspaceId}`);
    return {
      id: row.id,
      firstSeen: row.first_seen,
      lastSeen: row.last_seen,
      traits: { values: JSON.parse(row.traits) as Record<string, unknown>, updatedAt: JSON.parse(row.trait_times) as Record<string, number> },
      eventCounts: JSON.parse(row.event_counts) as Record<string, number>,
      mergedCount: row.merged_count,
    };
  }

  absorbProfile(workspaceId: string, merged: ProfileState, absorbedId: string, at: number): void {
    const s = this.stmts;
    s.writeState.run(
      merged.firstSeen, merged.lastSeen, JSON.stringify(merged.traits.values), JSON.stringify(merged.traits.updatedAt),
      JSON.stringify(merged.eventCounts), merged.mergedCount, workspaceId, merged.id,
    );
    s.moveIdentities.run(merged.id, at, workspaceId, absorbedId);
    s.flattenMerged.run(merged.id, workspaceId, absorbedId);
    s.markMerged.run(merged.id, workspaceId, absorbedId);
    s.recordMerge.run(workspaceId, merged.id, absorbedId, at);
    // The absorbed profile leaves its segments; the survivor's are re-evaluated by the caller.
    s.leaveAllSegments.run(at, workspaceId, absorbedId);
    s.dropMemberships.run(workspaceId, absorbedId);
  }

  writeTraits(workspaceId: string, profileId: string, traits: TraitState): void {
    this.stmts.writeTraits.run(JSON.stringify(traits.values), JSON.stringify(traits.updatedAt), workspaceId, profileId);
  }

  touchProfile(workspaceId: string, profileId: string, type: string, timestamp: number): void {
    this.stmts.touch.run({ ts: timestamp, type, ws: workspaceId, id: profileId });
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
    const json = this.stmts.loadKnowledge.get(workspaceId, profileId) as string | undefined;
    return { ...emptyKnowledge(), ...(json === undefined ? {} : (JSON.parse(json) as Partial<KnowledgeState>)) };
  }

  saveKnowledge(workspaceId: string, profileId: string, state: KnowledgeState): void {
    this.stmts.saveKnowledge.run(JSON.stringify(state), workspaceId, profileId);
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

  profileIds(workspaceId: string, afterId: string, limit: number): string[] {
    return this.stmts.profileIds.all(workspaceId, afterId, limit) as string[];
  }

  resetDerivedState(workspaceId: string): void {
    for (const stmt of this.stmts.resetDerived) stmt.run(workspaceId);
  }
}
