import type { ConfigVersion, Draft, DraftState } from '../../core/review/Draft.js';
import type { ReviewKind } from '../../core/review/ReviewKind.js';
import type { ReviewPolicy } from '../../core/review/ReviewPolicy.js';
import type { ReviewStore } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { writeTransaction } from './writeTransaction.js';

interface VersionRow {
  workspace_id: string;
  kind: string;
  target_id: string;
  version: number;
  at: number;
  actor: string;
  definition: string | null;
  draft_id: string | null;
  placements: string;
  segments: string;
}

function versionOf(row: VersionRow): ConfigVersion {
  return {
    workspaceId: row.workspace_id, kind: row.kind as ReviewKind, targetId: row.target_id, version: row.version, at: row.at,
    actor: JSON.parse(row.actor) as ConfigVersion['actor'], definition: row.definition === null ? null : JSON.parse(row.definition) as unknown,
    draftId: row.draft_id, placements: JSON.parse(row.placements) as string[], segments: JSON.parse(row.segments) as string[],
  };
}

/** Drafts, versions and the review policy on SQLite: drafts as one JSON document each, versions one row each. */
export class SqliteReviewStore implements ReviewStore {
  private readonly stmts;

  constructor(private readonly db: SqliteDatabase) {
    this.stmts = {
      policy: db.prepare('SELECT policy FROM review_policies WHERE workspace_id = ?').pluck(),
      setPolicy: db.prepare('INSERT INTO review_policies (workspace_id, policy, updated_at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at'),
      putDraft: db.prepare(`INSERT INTO config_drafts (workspace_id, id, state, publish_at, updated_at, draft) VALUES (@ws, @id, @state, @publishAt, @updatedAt, @draft)
        ON CONFLICT DO UPDATE SET state = excluded.state, publish_at = excluded.publish_at, updated_at = excluded.updated_at, draft = excluded.draft`),
      draft: db.prepare('SELECT draft FROM config_drafts WHERE workspace_id = ? AND id = ?').pluck(),
      drafts: db.prepare('SELECT draft FROM config_drafts WHERE workspace_id = ? ORDER BY updated_at DESC, id DESC').pluck(),
      due: db.prepare("SELECT draft FROM config_drafts WHERE state = 'scheduled' AND publish_at <= ? ORDER BY publish_at, workspace_id, id").pluck(),
      latest: db.prepare('SELECT coalesce(max(version), 0) FROM config_versions WHERE workspace_id = ? AND kind = ? AND target_id = ?').pluck(),
      insertVersion: db.prepare(`INSERT INTO config_versions (workspace_id, kind, target_id, version, at, actor, definition, draft_id, placements, segments)
        VALUES (@workspace_id, @kind, @target_id, @version, @at, @actor, @definition, @draft_id, @placements, @segments)`),
      versions: db.prepare('SELECT * FROM config_versions WHERE workspace_id = ? AND kind = ? AND target_id = ? ORDER BY version'),
      version: db.prepare('SELECT * FROM config_versions WHERE workspace_id = ? AND kind = ? AND target_id = ? AND version = ?'),
      since: db.prepare('SELECT * FROM config_versions WHERE workspace_id = ? AND at >= ? ORDER BY at, kind, target_id, version'),
    };
  }

  async policy(workspaceId: string): Promise<ReviewPolicy | null> {
    const json = this.stmts.policy.get(workspaceId) as string | undefined;
    return json === undefined ? null : JSON.parse(json) as ReviewPolicy;
  }

  async setPolicy(workspaceId: string, policy: ReviewPolicy, at: number): Promise<void> {
    this.stmts.setPolicy.run(workspaceId, JSON.stringify(policy), at);
  }

  async putDraft(draft: Draft): Promise<void> {
    this.stmts.putDraft.run({ ws: draft.workspaceId, id: draft.id, state: draft.state, publishAt: draft.publishAt, updatedAt: draft.updatedAt, draft: JSON.stringify(draft) });
  }

  async draft(workspaceId: string, id: string): Promise<Draft | null> {
    const json = this.stmts.draft.get(workspaceId, id) as string | undefined;
    return json === undefined ? null : JSON.parse(json) as Draft;
  }

  async listDrafts(workspaceId: string, states?: readonly DraftState[]): Promise<Draft[]> {
    const all = (this.stmts.drafts.all(workspaceId) as string[]).map((json) => JSON.parse(json) as Draft);
    return states === undefined ? all : all.filter((d) => states.includes(d.state));
  }

  async dueDrafts(now: number): Promise<Draft[]> {
    return (this.stmts.due.all(now) as string[]).map((json) => JSON.parse(json) as Draft);
  }

  async appendVersion(version: Omit<ConfigVersion, 'version'>): Promise<ConfigVersion> {
    // Numbering and insert in one transaction: two appends never take the same number.
    return writeTransaction(this.db, () => {
      const next = (this.stmts.latest.get(version.workspaceId, version.kind, version.targetId) as number) + 1;
      const row: VersionRow = {
        workspace_id: version.workspaceId, kind: version.kind, target_id: version.targetId, version: next, at: version.at, actor: JSON.stringify(version.actor),
        definition: version.definition === null || version.definition === undefined ? null : JSON.stringify(version.definition), draft_id: version.draftId,
        placements: JSON.stringify(version.placements), segments: JSON.stringify(version.segments),
      };
      this.stmts.insertVersion.run(row);
      return versionOf(row);
    })();
  }

  async versions(workspaceId: string, kind: ReviewKind, targetId: string): Promise<ConfigVersion[]> {
    return (this.stmts.versions.all(workspaceId, kind, targetId) as VersionRow[]).map(versionOf);
  }

  async version(workspaceId: string, kind: ReviewKind, targetId: string, version: number): Promise<ConfigVersion | null> {
    const row = this.stmts.version.get(workspaceId, kind, targetId, version) as VersionRow | undefined;
    return row === undefined ? null : versionOf(row);
  }

  async latestVersion(workspaceId: string, kind: ReviewKind, targetId: string): Promise<number> {
    return this.stmts.latest.get(workspaceId, kind, targetId) as number;
  }

  async versionsSince(workspaceId: string, since: number): Promise<ConfigVersion[]> {
    return (this.stmts.since.all(workspaceId, since) as VersionRow[]).map(versionOf);
  }
}
