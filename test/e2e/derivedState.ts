import Database from 'better-sqlite3';
import { knowledgeCodec } from '../../src/store/sqlite/knowledgeCodec.js';
import { databasePath } from './support.js';

/** A row of a derived table as better-sqlite3 returns it. */
export type Row = Record<string, unknown>;

/** Every derived table of a workspace, by name. */
export type DerivedState = Record<string, Row[]>;

/**
 * Every derived table of a workspace, plus the profile each event points at, in a
 * deterministic order: what `attune rebuild` must reproduce from the log, and what recovery
 * after a crash must equal.
 */
export function derivedState(db: Database.Database, workspaceId: string): DerivedState {
  const all = (sql: string) => db.prepare(sql).all(workspaceId) as Row[];
  return {
    // The knowledge as the store reads it (JSON text), whichever form its row was written in.
    profiles: all(`SELECT id, created_at, first_seen, last_seen, traits, trait_times, event_counts, merged_into, merged_count, coalesce(k.state, '{}') AS knowledge, k.packed
                   FROM profiles p LEFT JOIN profile_knowledge k ON k.workspace_id = p.workspace_id AND k.profile_id = p.id
                   WHERE p.workspace_id = ? ORDER BY id`).map(({ packed, ...row }) => ({ ...row, knowledge: JSON.stringify(knowledgeCodec.decode(row['knowledge'] as string, packed as Buffer | null)) })),
    identities: all('SELECT kind, value, profile_id, linked_at FROM identities WHERE workspace_id = ? ORDER BY kind, value'),
    // History tables in the order they were written (rowid), which a faithful replay repeats.
    profileMerges: all('SELECT survivor_id, absorbed_id, merged_at FROM profile_merges WHERE workspace_id = ? ORDER BY rowid'),
    segmentMembers: all('SELECT k.segment_id, m.profile_id, m.entered_at FROM segment_keys k JOIN segment_members m ON m.segment_key = k.id WHERE k.workspace_id = ? ORDER BY k.segment_id, m.profile_id'),
    segmentChanges: all('SELECT segment_id, profile_id, kind, at, reason FROM segment_changes WHERE workspace_id = ? ORDER BY rowid'),
    consentChanges: all('SELECT profile_id, purpose, granted, source, at FROM consent_changes WHERE workspace_id = ? ORDER BY rowid'),
    actionOutcomes: all('SELECT action_id, placement_id, impressions, clicks, dismisses, conversions, conversion_value FROM action_outcomes WHERE workspace_id = ? ORDER BY action_id, placement_id'),
    experimentStats: all('SELECT experiment_id, arm_id, metric_id, n, mean_x, mean_y, m2_x, m2_y, c_xy, first_at, last_at FROM experiment_stats WHERE workspace_id = ? ORDER BY experiment_id, arm_id, metric_id'),
    experimentDaily: all('SELECT experiment_id, arm_id, metric_id, day, n, mean_x, mean_y, m2_x, m2_y, c_xy FROM experiment_daily WHERE workspace_id = ? ORDER BY experiment_id, day, arm_id, metric_id'),
    modelCounters: all('SELECT key, value, at FROM model_counters WHERE workspace_id = ? ORDER BY key'),
    events: all('SELECT seq, message_id, profile_id FROM events WHERE workspace_id = ? ORDER BY seq'),
  };
}

/** The derived state of a workspace in a data folder whose server is stopped. */
export function derivedStateInFolder(dataDir: string, workspaceId: string): DerivedState {
  const db = new Database(databasePath(dataDir), { readonly: true });
  try {
    return derivedState(db, workspaceId);
  } finally {
    db.close();
  }
}
