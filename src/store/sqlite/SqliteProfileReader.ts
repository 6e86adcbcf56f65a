import type { IdentityKey, IdentityKind } from '../../core/identity/types.js';
import type { ProfileReader, ProfileView, TraitMatch } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { eventColumns, toStoredEvent, type EventRow } from './SqliteEventLog.js';

interface ProfileRow {
  id: string;
  first_seen: number;
  last_seen: number;
  traits: string;
  event_counts: string;
  merged_into: string | null;
}

export class SqliteProfileReader implements ProfileReader {
  private readonly stmts;

  constructor(private readonly db: SqliteDatabase) {
    this.stmts = {
      // Both kinds named, so that the lookup is two primary-key probes, not a walk of the workspace.
      byIdentity: db.prepare("SELECT profile_id FROM identities WHERE workspace_id = ? AND kind IN ('user', 'anonymous') AND value = ? ORDER BY kind = 'user' DESC LIMIT 1").pluck(),
      profile: db.prepare('SELECT id, first_seen, last_seen, traits, event_counts, merged_into FROM profiles WHERE workspace_id = ? AND id = ?'),
      identities: db.prepare('SELECT kind, value FROM identities INDEXED BY identities_profile WHERE workspace_id = ? AND profile_id = ? ORDER BY kind DESC, linked_at'),
      merged: db.prepare('SELECT id FROM profiles WHERE workspace_id = ? AND merged_into = ? ORDER BY id').pluck(),
      // json_extract gives TEXT for a string trait and INTEGER or REAL for a number: one comparison each.
      byTrait: db.prepare(
        'SELECT id AS profileId, first_seen AS firstSeen, last_seen AS lastSeen FROM profiles WHERE workspace_id = @workspaceId AND merged_into IS NULL AND id > @after '
        + "AND ((json_type(traits, @path) = 'text' AND json_extract(traits, @path) = @value COLLATE NOCASE) "
        + "OR (@number IS NOT NULL AND json_type(traits, @path) IN ('integer', 'real') AND json_extract(traits, @path) = @number)) "
        + 'ORDER BY id LIMIT @limit',
      ),
    };
  }

  async findByTrait(workspaceId: string, name: string, value: string, afterProfileId: string, limit: number): Promise<TraitMatch[]> {
    const number = value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : null;
    // The name is quoted as one JSON path member, so dots and brackets in it are not a path.
    const path = `$."${name.replace(/["\\]/g, '')}"`;
    return this.stmts.byTrait.all({ workspaceId, after: afterProfileId, path, value, number, limit }) as TraitMatch[];
  }

  async findProfile(workspaceId: string, id: string, recentEventLimit: number): Promise<ProfileView | undefined> {
    const s = this.stmts;
    const profileId = (s.byIdentity.get(workspaceId, id) as string | undefined) ?? id;
    let row = s.profile.get(workspaceId, profileId) as ProfileRow | undefined;
    // A merged-away profile id still finds the profile it was merged into (merges are flattened).
    if (row?.merged_into) row = s.profile.get(workspaceId, row.merged_into) as ProfileRow | undefined;
    if (row === undefined) return undefined;
    const mergedProfileIds = s.merged.all(workspaceId, row.id) as string[];
    const ids = [row.id, ...mergedProfileIds];
    const recent = this.db
      .prepare(`SELECT ${eventColumns} FROM events WHERE workspace_id = ? AND profile_id IN (${ids.map(() => '?').join(',')}) ORDER BY seq DESC LIMIT ?`)
      .all(workspaceId, ...ids, recentEventLimit) as EventRow[];
    return {
      id: row.id,
      identities: (s.identities.all(workspaceId, row.id) as { kind: IdentityKind; value: string }[]).map((r): IdentityKey => ({ kind: r.kind, value: r.value })),
      mergedProfileIds,
      traits: JSON.parse(row.traits) as Record<string, unknown>,
      firstSeen: row.first_seen,
      lastSeen: row.last_seen,
      eventCounts: JSON.parse(row.event_counts) as Record<string, number>,
      recentEvents: recent.map(toStoredEvent),
    };
  }
}
