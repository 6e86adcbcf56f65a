import type { ActionDefinition } from '../core/decide/ActionDefinition.js';
import type { PlacementDefinition } from '../core/decide/PlacementDefinition.js';
import type { Clock } from '../core/common/ports.js';
import type { DecisionModels } from '../decide/DecisionModels.js';
import type { DecisionConfigStore, ExperimentStore } from '../store/ports.js';
import type { WorkspaceService } from '../workspaces/WorkspaceService.js';

export const shopWorkspaceName = 'Example shop';
/** The example's workspace is known by this id (generated ids are random), so that a workspace of a user's named alike is never touched. */
export const shopWorkspaceId = 'ws_example_shop';

/** The example shop's placements: a hero banner and a recommendations slot. */
export const shopPlacements: readonly PlacementDefinition[] = [
  { id: 'home-hero', name: 'Home page hero banner', channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome to the shop', text: 'Fresh picks every week.', cta: 'Browse the catalog' } },
  { id: 'home-recs', name: 'Home page recommendations', channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Popular right now', items: ['Trail runner', 'Canvas tote', 'Wool beanie'] } },
];

/**
 * Actions that show the loop on one page: a sale shown once a day and not again after a
 * click, a banner for returning visitors, one for people who viewed shoes this session, new
 * arrivals for everyone else, and a recommendation slot for people who logged in.
 */
export const shopActions: readonly ActionDefinition[] = [
  {
    id: 'spring-sale', name: 'Spring sale', kind: 'banner', placements: ['home-hero'], priority: 30, value: 25,
    variants: {
      default: { title: 'Spring sale, {{ profile.traits.name | "friend" }}: 20% off', text: 'Only this week.', cta: 'Shop the sale' },
      de: { title: 'Frühlingsaktion, {{ profile.traits.name | "liebe Kundin, lieber Kunde" }}: 20% Rabatt', text: 'Nur diese Woche.', cta: 'Zur Aktion' },
    },
    caps: { perProfile: [{ max: 1, window: 'day' }], clickCooldown: '7d', dismissCooldown: '3d' },
  },
  {
    id: 'shoe-lover', name: 'Viewed shoes', kind: 'banner', placements: ['home-hero'], priority: 20, value: 40,
    rule: 'session.section == "shoes" or "shoes" in session.search_terms',
    variants: { default: { title: 'Still thinking about those shoes?', text: 'Free returns on every pair.', cta: 'Back to shoes' } },
    caps: { perProfile: [{ max: 3, window: '24h' }] },
  },
  {
    id: 'welcome-back', name: 'Returning visitor', kind: 'banner', placements: ['home-hero'], priority: 10, value: 5,
    rule: 'session.returning',
    variants: { default: { title: 'Welcome back, {{ profile.traits.name | "friend" }}!', text: 'Here is what is new since your last visit.', cta: 'See what is new' } },
  },
  {
    id: 'new-arrivals', name: 'New arrivals', kind: 'banner', placements: ['home-hero'], priority: 1, value: 2,
    variants: { default: { title: 'New arrivals are in', text: 'Twelve new styles this week.', cta: 'See what is new' }, de: { title: 'Neu eingetroffen', text: 'Zwölf neue Modelle diese Woche.', cta: 'Neuheiten ansehen' } },
  },
  {
    id: 'recs-for-you', name: 'Picks for a known customer', kind: 'recommendations', placements: ['home-recs'], priority: 10, value: 10,
    rule: 'exists(profile.traits.name)',
    variants: { default: { title: 'Picked for you, {{ profile.traits.name }}', items: ['Trail runner', 'Merino socks', 'Rain shell'] } },
  },
];

/**
 * Makes sure the example shop's workspace (id `ws_example_shop`) exists, with its placements
 * and actions when it is created (edits and deletions made later are kept), and returns a
 * fresh write key for the page: keys are stored as hashes only, so each start of the server
 * makes one and revokes the earlier ones.
 */
export async function provisionShopExample(deps: { workspaces: WorkspaceService; decisionConfig: DecisionConfigStore; experiments: ExperimentStore; models: DecisionModels; clock: Clock }): Promise<{ workspaceId: string; writeKey: string }> {
  const existing = (await deps.workspaces.list()).find((w) => w.id === shopWorkspaceId);
  const workspaceId = existing?.id ?? (await deps.workspaces.create(shopWorkspaceName, {}, shopWorkspaceId)).id;
  for (const key of await deps.workspaces.listKeys(workspaceId)) {
    if (key.kind === 'write' && key.expiresAt === null) await deps.workspaces.revokeKey(workspaceId, key.id);
  }
  const { plain } = await deps.workspaces.createKey(workspaceId, 'write');
  if (existing === undefined) {
    // Seeded once, with the workspace: later edits and deletions through the admin API stay.
    const now = deps.clock.now();
    for (const placement of shopPlacements) await deps.decisionConfig.putPlacement(workspaceId, placement, now);
    for (const action of shopActions) await deps.decisionConfig.putAction(workspaceId, action, now);
    deps.models.invalidate(workspaceId);
  }
  if ((await deps.experiments.measurement(workspaceId)) === null) {
    // No holdout in the example: every visitor should see what personalization does (the default is 5% held out).
    await deps.experiments.setMeasurement(workspaceId, { holdoutShare: 0 });
    deps.models.invalidate(workspaceId);
  }
  return { workspaceId, writeKey: plain };
}
