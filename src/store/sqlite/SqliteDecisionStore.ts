import type { ActionDefinition } from '../../core/decide/ActionDefinition.js';
import type { PlacementDefinition } from '../../core/decide/PlacementDefinition.js';
import type { ActivityHours } from '../../core/sendTime/ActivityHours.js';
import { emptyKnowledge, type KnowledgeState } from '../../core/knowledge/KnowledgeState.js';
import { conversionValue, interactionEvents, readInteraction, type Interaction } from '../../core/decide/interactions.js';
import type { ContextualRecord } from '../../core/decide/contextual.js';
import type { ActionOutcomes, ContextualDecision, ContextualFeedback, DecisionConfigStore, DecisionProfileRow, DecisionReader, DecisionRecord, ArmWeights, LoggedDecision, LoggedDecisionQuery } from '../ports.js';
import type { SqliteDatabase } from './openDatabase.js';
import { DefinitionTable } from './DefinitionTable.js';
import { knowledgeCodec } from './knowledgeCodec.js';

interface ProfileRow {
  id: string;
  traits: string;
  first_seen: number;
  last_seen: number;
  merged_into: string | null;
  state: string | null;
  packed: Buffer | null;
}

/** A row of `decisions` as the readers select it (`decisionColumns`). */
export interface DecisionRow {
  decision_id: string;
  profile_id: string | null;
  placement_id: string;
  action_id: string | null;
  variant: string | null;
  score: number | null;
  probability: number;
  fallback: string | null;
  segments: string;
  reasons: string;
  at: number;
}

/** Actions, placements, and the reads of deciding, on SQLite. */
export class SqliteDecisionStore implements DecisionConfigStore, DecisionReader {
  private readonly stmts;
  private readonly actions: DefinitionTable<ActionDefinition>;
  private readonly placements: DefinitionTable<PlacementDefinition>;

  constructor(db: SqliteDatabase) {
    this.actions = new DefinitionTable(db, 'action_definitions');
    this.placements = new DefinitionTable(db, 'placement_definitions');
    const profileColumns = "p.id, p.traits, p.first_seen, p.last_seen, p.merged_into, k.state, k.packed FROM profiles p LEFT JOIN profile_knowledge k ON k.workspace_id = p.workspace_id AND k.profile_id = p.id";
    this.stmts = {
      // One statement from identity to knowledge: deciding is on the hot path.
      byIdentity: db.prepare(`SELECT ${profileColumns} JOIN identities i ON i.workspace_id = p.workspace_id AND i.profile_id = p.id WHERE i.workspace_id = ? AND i.kind = ? AND i.value = ?`),
      byId: db.prepare(`SELECT ${profileColumns} WHERE p.workspace_id = ? AND p.id = ?`),
      hasUserId: db.prepare("SELECT 1 FROM identities WHERE workspace_id = ? AND profile_id = ? AND kind = 'user' LIMIT 1").pluck(),
      outcomes: db.prepare('SELECT action_id, placement_id, impressions, clicks, dismisses, conversions, conversion_value, conversion_value_m2 FROM action_outcomes WHERE workspace_id = ? ORDER BY action_id, placement_id'),
      // A decision counts as clicked once, however many click events name it.
      armWeights: db.prepare(`
        SELECT d.action_id AS actionId, count(*) AS decisions, count(c.decision_id) AS clicked,
          coalesce(sum(CASE WHEN c.decision_id IS NULL THEN 0 ELSE 1.0 / d.probability END), 0) AS weightedClicks,
          coalesce(sum(CASE WHEN c.decision_id IS NULL THEN 0 ELSE 1.0 / (d.probability * d.probability) END), 0) AS weightedClicksSquared
        FROM decisions d
        LEFT JOIN (
          SELECT DISTINCT json_extract(body, '$.properties.decisionId') AS decision_id FROM events
          WHERE workspace_id = ? AND type = 'track' AND name = 'Decision Clicked'
        ) c ON c.decision_id = d.decision_id
        WHERE d.workspace_id = ? AND d.placement_id = ? AND d.action_id IS NOT NULL AND d.probability > 0
        GROUP BY d.action_id ORDER BY d.action_id`),
      loggedDecisions: db.prepare(`
        SELECT decision_id AS decisionId, profile_id AS profileId, action_id AS actionId, probability, at,
          json_extract(reasons, '$.shadow.key') AS shadowKey, json_extract(reasons, '$.shadow.probabilities') AS shadowProbabilities FROM decisions
        WHERE workspace_id = ? AND placement_id = ? AND at >= ? AND at < ? ORDER BY at, decision_id LIMIT ?`),
      outcomeEvents: db.prepare(`
        SELECT json_extract(body, '$.properties.decisionId') AS decisionId, timestamp FROM events
        WHERE workspace_id = ? AND type = 'track' AND name = ?`),
      // Each conversion naming a decision of the placement, with the two properties its value is
      // read from (only JSON numbers and strings, as readNumber reads them; a boolean is no value).
      // The workspace's conversions are read once and joined by id, not scanned per decision.
      armConversions: db.prepare(`
        WITH c AS MATERIALIZED (
          SELECT json_extract(body, '$.properties.decisionId') AS decision_id,
            CASE WHEN json_type(body, '$.properties.value') IN ('integer', 'real', 'text') THEN json_extract(body, '$.properties.value') END AS value,
            CASE WHEN json_type(body, '$.properties.revenue') IN ('integer', 'real', 'text') THEN json_extract(body, '$.properties.revenue') END AS revenue
          FROM events WHERE workspace_id = ? AND type = 'track' AND name = 'Decision Converted'
        )
        SELECT d.decision_id AS decisionId, d.action_id AS actionId, d.probability AS probability, c.value AS value, c.revenue AS revenue
        FROM c JOIN decisions d ON d.workspace_id = ? AND d.decision_id = c.decision_id
        WHERE d.placement_id = ? AND d.action_id IS NOT NULL AND d.probability > 0`),
      contextualDecisions: db.prepare(`
        SELECT decision_id AS decisionId, placement_id AS placementId, action_id AS actionId, at, json_extract(reasons, '$.contextual') AS contextual FROM decisions
        WHERE workspace_id = ? AND action_id IS NOT NULL AND json_extract(reasons, '$.contextual') IS NOT NULL ORDER BY at, decision_id`),
      contextualDecision: db.prepare(`
        SELECT decision_id AS decisionId, placement_id AS placementId, action_id AS actionId, at, json_extract(reasons, '$.contextual') AS contextual FROM decisions
        WHERE workspace_id = ? AND decision_id = ? AND action_id IS NOT NULL AND json_extract(reasons, '$.contextual') IS NOT NULL`),
      interactionEvents: db.prepare(`
        SELECT name, timestamp, json_extract(body, '$.properties') AS properties FROM events
        WHERE workspace_id = ? AND type = 'track' AND name IN (${Object.keys(interactionEvents).map((n) => `'${n}'`).join(', ')}) ORDER BY seq`),
      activity: db.prepare("SELECT json_extract(state, '$.h') FROM profile_knowledge WHERE workspace_id = ? AND json_extract(state, '$.h') IS NOT NULL").pluck(),
      decisionsOf: db.prepare("SELECT decision_id, profile_id, placement_id, action_id, variant, score, probability, fallback, segments, reasons, at FROM decisions WHERE workspace_id = ? AND profile_id IN (SELECT value FROM json_each(?)) ORDER BY at DESC, rowid DESC LIMIT ?"),
    };
  }

  async listActions(workspaceId: string): Promise<ActionDefinition[]> {
    return this.actions.list(workspaceId);
  }

  async putAction(workspaceId: string, definition: ActionDefinition, at: number): Promise<'created' | 'updated'> {
    return this.actions.put(workspaceId, definition, at);
  }

  async deleteAction(workspaceId: string, id: string): Promise<boolean> {
    return this.actions.delete(workspaceId, id);
  }

  async listPlacements(workspaceId: string): Promise<PlacementDefinition[]> {
    return this.placements.list(workspaceId);
  }

  async putPlacement(workspaceId: string, definition: PlacementDefinition, at: number): Promise<'created' | 'updated'> {
    return this.placements.put(workspaceId, definition, at);
  }

  async deletePlacement(workspaceId: string, id: string): Promise<boolean> {
    return this.placements.delete(workspaceId, id);
  }

  async findDecisionProfile(workspaceId: string, userId: string | null, anonymousId: string | null): Promise<DecisionProfileRow | undefined> {
    let row: ProfileRow | undefined;
    if (userId !== null) row = this.stmts.byIdentity.get(workspaceId, 'user', userId) as ProfileRow | undefined;
    if (row === undefined && anonymousId !== null) row = this.stmts.byIdentity.get(workspaceId, 'anonymous', anonymousId) as ProfileRow | undefined;
    return this.resolve(workspaceId, row);
  }

  async findAnonymousDecisionProfile(workspaceId: string, anonymousId: string): Promise<{ profile: DecisionProfileRow | undefined; withheld: boolean }> {
    const profile = this.resolve(workspaceId, this.stmts.byIdentity.get(workspaceId, 'anonymous', anonymousId) as ProfileRow | undefined);
    // Identities point at the surviving profile after a merge, so one look at it suffices.
    if (profile !== undefined && this.stmts.hasUserId.get(workspaceId, profile.id) !== undefined) return { profile: undefined, withheld: true };
    return { profile, withheld: false };
  }

  async decisionProfile(workspaceId: string, profileId: string): Promise<DecisionProfileRow | undefined> {
    return this.resolve(workspaceId, this.stmts.byId.get(workspaceId, profileId) as ProfileRow | undefined);
  }

  /** Identities move with merges, but a merged-away id is followed once (merges are flattened). */
  private resolve(workspaceId: string, row: ProfileRow | undefined): DecisionProfileRow | undefined {
    if (row?.merged_into) row = this.stmts.byId.get(workspaceId, row.merged_into) as ProfileRow | undefined;
    if (row === undefined) return undefined;
    const knowledge: KnowledgeState = row.state === null ? emptyKnowledge() : { ...emptyKnowledge(), ...knowledgeCodec.decode(row.state, row.packed) };
    return { id: row.id, traits: JSON.parse(row.traits) as Record<string, unknown>, firstSeen: row.first_seen, lastSeen: row.last_seen, knowledge };
  }

  async outcomes(workspaceId: string): Promise<ActionOutcomes[]> {
    const rows = this.stmts.outcomes.all(workspaceId) as { action_id: string; placement_id: string; impressions: number; clicks: number; dismisses: number; conversions: number; conversion_value: number; conversion_value_m2: number }[];
    return rows.map((r) => ({
      actionId: r.action_id, placementId: r.placement_id, impressions: r.impressions, clicks: r.clicks,
      dismisses: r.dismisses, conversions: r.conversions, conversionValue: r.conversion_value, conversionValueM2: r.conversion_value_m2,
    }));
  }

  async activityHours(workspaceId: string): Promise<ActivityHours[]> {
    return (this.stmts.activity.all(workspaceId) as string[]).map((json) => knowledgeCodec.decodeActivity(JSON.parse(json)));
  }

  async armWeights(workspaceId: string, placementId: string): Promise<ArmWeights[]> {
    type Clicks = Pick<ArmWeights, 'actionId' | 'decisions' | 'clicked' | 'weightedClicks' | 'weightedClicksSquared'>;
    const clicks = this.stmts.armWeights.all(workspaceId, workspaceId, placementId) as Clicks[];
    const conversions = this.stmts.armConversions.all(workspaceId, workspaceId, placementId) as { decisionId: string; actionId: string; probability: number; value: unknown; revenue: unknown }[];
    // A decision's revenue is the sum of its conversions' values, weighted once by 1/p.
    const perDecision = new Map<string, { actionId: string; probability: number; revenue: number }>();
    for (const c of conversions) {
      const d = perDecision.get(c.decisionId) ?? { actionId: c.actionId, probability: c.probability, revenue: 0 };
      d.revenue += conversionValue({ value: c.value, revenue: c.revenue });
      perDecision.set(c.decisionId, d);
    }
    const revenue = new Map<string, { converted: number; weightedRevenue: number; weightedRevenueSquared: number }>();
    for (const d of perDecision.values()) {
      const sums = revenue.get(d.actionId) ?? { converted: 0, weightedRevenue: 0, weightedRevenueSquared: 0 };
      const x = d.revenue / d.probability;
      sums.converted += 1;
      sums.weightedRevenue += x;
      sums.weightedRevenueSquared += x * x;
      revenue.set(d.actionId, sums);
    }
    return clicks.map((c) => ({ ...c, ...(revenue.get(c.actionId) ?? { converted: 0, weightedRevenue: 0, weightedRevenueSquared: 0 }) }));
  }

  async loggedDecisions(workspaceId: string, placementId: string, query: LoggedDecisionQuery): Promise<LoggedDecision[]> {
    const rows = this.stmts.loggedDecisions.all(workspaceId, placementId, query.since, query.until, query.limit) as LoggedDecisionRow[];
    const decisions = rows.map(({ shadowKey, shadowProbabilities, ...d }) => ({
      ...d, rewarded: false,
      shadow: typeof shadowKey === 'string' && typeof shadowProbabilities === 'string' ? { key: shadowKey, probabilities: JSON.parse(shadowProbabilities) as Record<string, number> } : null,
    }));
    // The outcome events are read once and matched by id here: joined in SQL (no index on the
    // decision id inside the body), the workspace's events were walked once per decision.
    const byId = new Map(decisions.map((d) => [d.decisionId, d]));
    for (const event of this.stmts.outcomeEvents.iterate(workspaceId, query.outcome) as Iterable<{ decisionId: unknown; timestamp: number }>) {
      const decision = typeof event.decisionId === 'string' ? byId.get(event.decisionId) : undefined;
      // An outcome counts once, however many events name the decision; one outside the window not at all.
      if (decision !== undefined && event.timestamp >= decision.at && event.timestamp <= decision.at + query.windowMillis) decision.rewarded = true;
    }
    return decisions;
  }

  async contextualFeedback(workspaceId: string): Promise<ContextualFeedback> {
    const decisions = (this.stmts.contextualDecisions.all(workspaceId) as ContextualDecisionRow[]).map(contextualDecisionOf);
    const interactions: Interaction[] = [];
    for (const row of this.stmts.interactionEvents.iterate(workspaceId) as Iterable<{ name: string; timestamp: number; properties: string | null }>) {
      const properties = row.properties === null ? null : JSON.parse(row.properties) as unknown;
      if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) continue;
      // Read as the collect path reads it, so a rebuild learns from exactly what live learning did.
      const interaction = readInteraction({ type: 'track', name: row.name, timestamp: row.timestamp, properties: properties as Record<string, unknown> });
      if (interaction !== null) interactions.push(interaction);
    }
    return { decisions, interactions };
  }

  async contextualDecision(workspaceId: string, decisionId: string): Promise<ContextualDecision | undefined> {
    const row = this.stmts.contextualDecision.get(workspaceId, decisionId) as ContextualDecisionRow | undefined;
    return row === undefined ? undefined : contextualDecisionOf(row);
  }

  async decisionsOf(workspaceId: string, profileIds: readonly string[], limit: number): Promise<DecisionRecord[]> {
    return (this.stmts.decisionsOf.all(workspaceId, JSON.stringify(profileIds), limit) as DecisionRow[]).map((r) => decisionFromRow(workspaceId, r));
  }
}

/** The columns of a `DecisionRow`. */
export const decisionColumns = 'decision_id, profile_id, placement_id, action_id, variant, score, probability, fallback, segments, reasons, at';

/** A stored decision as the port returns it. */
export function decisionFromRow(workspaceId: string, r: DecisionRow): DecisionRecord {
  return {
    workspaceId, decisionId: r.decision_id, profileId: r.profile_id, placementId: r.placement_id, actionId: r.action_id,
    variant: r.variant, score: r.score, probability: r.probability, fallback: r.fallback,
    segments: JSON.parse(r.segments) as string[], reasons: JSON.parse(r.reasons) as unknown, at: r.at,
  };
}

/** A row of the loggedDecisions statement: the shadow's parts as json_extract gives them (JSON text for the object). */
type LoggedDecisionRow = Omit<LoggedDecision, 'rewarded' | 'shadow'> & { readonly shadowKey: unknown; readonly shadowProbabilities: unknown };

type ContextualDecisionRow = Omit<ContextualDecision, 'contextual'> & { readonly contextual: string };

function contextualDecisionOf(row: ContextualDecisionRow): ContextualDecision {
  return { ...row, contextual: JSON.parse(row.contextual) as ContextualRecord };
}
