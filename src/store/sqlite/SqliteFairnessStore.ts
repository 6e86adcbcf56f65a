import type { FairnessSettings } from '../../core/fairness/FairnessSettings.js';
import { NO_VALUE, type GroupBy } from '../../core/fairness/groupBy.js';
import type { ExperimentGroupRow, FairnessStore, PlacementGroupRow } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { seqBeforeArrival } from './seqBeforeArrival.js';

/** A JSON path of SQLite for a trait path whose parts parseGroupBy has kept to safe characters. */
function jsonPath(path: readonly string[]): string {
  return `$${path.map((p) => `."${p}"`).join('')}`;
}

/** The group label of a trait value in SQL: booleans as words, absent and null as NO_VALUE, the rest as text. */
const traitLabel = (traits: string): string => `CASE json_type(${traits}, @path)
    WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN '${NO_VALUE}'
    ELSE coalesce(CAST(json_extract(${traits}, @path) AS TEXT), '${NO_VALUE}') END`;

/**
 * The fairness report's counts on SQLite, grouped in SQL so that only one row per group
 * leaves the database. A unit is a profile; an absorbed profile is grouped by the traits of
 * the profile that absorbed it (one level, as merges leave them).
 */
export class SqliteFairnessStore implements FairnessStore {
  private readonly stmts;

  constructor(db: SqliteDatabase) {
    this.stmts = {
      settings: db.prepare('SELECT settings FROM fairness_settings WHERE workspace_id = ?').pluck(),
      putSettings: db.prepare('INSERT INTO fairness_settings (workspace_id, settings, updated_at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at'),
      seqAt: db.prepare('SELECT seq, received_at FROM events WHERE seq <= ? ORDER BY seq DESC LIMIT 1'),
      lastSeq: db.prepare('SELECT coalesce(max(seq), 0) FROM events').pluck(),
      placementByTrait: db.prepare(this.placementSql('trait')),
      placementBySegment: db.prepare(this.placementSql('segment')),
      experimentByTrait: db.prepare(this.experimentSql('trait')),
      experimentBySegment: db.prepare(this.experimentSql('segment')),
    };
  }

  private placementSql(kind: GroupBy['kind']): string {
    const group = kind === 'trait'
      ? traitLabel('coalesce(s.traits, p.traits)')
      : "CASE WHEN per.in_segment = 1 THEN 'in' ELSE 'out' END";
    // Outcomes are read once for the workspace (from the period's first arrival on, by the
    // primary key); each IN list becomes one ephemeral index, so a decision is a lookup, not a
    // scan of the outcomes (a join on the materialized list scanned it per decision). A decision
    // clicked twice counts once.
    return `
      WITH outcome AS MATERIALIZED (
        SELECT json_extract(body, '$.properties.decisionId') AS decision_id, max(name = 'Decision Clicked') AS clicked, max(name = 'Decision Converted') AS converted
        FROM events WHERE seq > @after AND +workspace_id = @ws AND type = 'track' AND name IN ('Decision Clicked', 'Decision Converted')
        GROUP BY 1
      ), per AS (
        SELECT d.profile_id,
          max(d.action_id IS NOT NULL AND (@action IS NULL OR d.action_id = @action)) AS exposed,
          max(d.action_id IS NOT NULL AND (@action IS NULL OR d.action_id = @action) AND d.decision_id IN (SELECT decision_id FROM outcome WHERE clicked = 1)) AS clicked,
          max(d.action_id IS NOT NULL AND (@action IS NULL OR d.action_id = @action) AND d.decision_id IN (SELECT decision_id FROM outcome WHERE converted = 1)) AS converted,
          ${kind === 'segment' ? 'max(EXISTS (SELECT 1 FROM json_each(d.segments) WHERE value = @segment))' : '0'} AS in_segment
        FROM decisions d
        WHERE d.workspace_id = @ws AND d.placement_id = @placement AND d.at >= @since AND d.at < @until AND d.profile_id IS NOT NULL
        GROUP BY d.profile_id
      )
      SELECT ${group} AS "group", count(*) AS units, sum(per.exposed) AS exposed, sum(per.clicked) AS clicked, sum(per.converted) AS converted
      FROM per
        LEFT JOIN profiles p ON p.workspace_id = @ws AND p.id = per.profile_id
        LEFT JOIN profiles s ON s.workspace_id = @ws AND s.id = p.merged_into
      GROUP BY 1 ORDER BY 1`;
  }

  private experimentSql(kind: GroupBy['kind']): string {
    const group = kind === 'trait'
      ? traitLabel('p.traits')
      : `CASE WHEN EXISTS (SELECT 1 FROM segment_members m WHERE m.segment_key = (SELECT id FROM segment_keys WHERE workspace_id = @ws AND segment_id = @segment)
          AND m.profile_id = p.id) THEN 'in' ELSE 'out' END`;
    // A ratio metric's value is [numerator, denominator]: the unit converted when its numerator is above 0.
    return `
      WITH units AS (
        SELECT k.profile_id, json_extract(k.state, @unit || '.a') AS arm,
          CASE json_type(k.state, @value) WHEN 'array' THEN json_extract(k.state, @value || '[0]') ELSE json_extract(k.state, @value) END AS value
        FROM profile_knowledge k
        WHERE k.workspace_id = @ws AND json_type(k.state, @unit) = 'object'
          AND json_extract(k.state, @unit || '.t') >= @since AND json_extract(k.state, @unit || '.t') < @until
      )
      SELECT ${group} AS "group", CAST(units.arm AS TEXT) AS arm, count(*) AS units, sum(coalesce(units.value, 0) > 0) AS converted
      FROM units JOIN profiles p ON p.workspace_id = @ws AND p.id = units.profile_id
      WHERE p.merged_into IS NULL
      GROUP BY 1, 2 ORDER BY 1, 2`;
  }

  async settings(workspaceId: string): Promise<FairnessSettings | null> {
    const json = this.stmts.settings.get(workspaceId) as string | undefined;
    return json === undefined ? null : JSON.parse(json) as FairnessSettings;
  }

  async setSettings(workspaceId: string, settings: FairnessSettings, at: number): Promise<void> {
    this.stmts.putSettings.run(workspaceId, JSON.stringify(settings), at);
  }

  async placementGroups(workspaceId: string, query: { placementId: string; actionId: string | null; by: GroupBy; since: number; until: number }): Promise<PlacementGroupRow[]> {
    const after = seqBeforeArrival(this.stmts.seqAt, this.stmts.lastSeq.get() as number, query.since);
    const params = { ws: workspaceId, placement: query.placementId, action: query.actionId, since: query.since, until: query.until, after };
    const rows = query.by.kind === 'trait'
      ? this.stmts.placementByTrait.all({ ...params, path: jsonPath(query.by.path) })
      : this.stmts.placementBySegment.all({ ...params, segment: query.by.id });
    return rows as PlacementGroupRow[];
  }

  async experimentGroups(workspaceId: string, query: { experimentId: string; metricId: string; by: GroupBy; since: number; until: number }): Promise<ExperimentGroupRow[]> {
    const unit = jsonPath(['x', query.experimentId]);
    const params = { ws: workspaceId, unit, value: `${unit}.v."${query.metricId}"`, since: query.since, until: query.until };
    const rows = query.by.kind === 'trait'
      ? this.stmts.experimentByTrait.all({ ...params, path: jsonPath(query.by.path) })
      : this.stmts.experimentBySegment.all({ ...params, segment: query.by.id });
    return rows as ExperimentGroupRow[];
  }
}
