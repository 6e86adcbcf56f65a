import type { ActionDefinition } from '../core/decide/ActionDefinition.js';
import type { PlacementDefinition } from '../core/decide/PlacementDefinition.js';
import type { FeatureDefinition } from '../core/features/FeatureDefinition.js';
import type { Engine } from '../engine/createEngine.js';
import { userHash } from '../workspaces/userHash.js';
import type { DemoUser } from './shopPage.js';

export const shopWorkspaceName = 'Example shop';
/** The example's workspace is known by this id (generated ids are random), so that a workspace of a user's named alike is never touched. */
export const shopWorkspaceId = 'ws_example_shop';

/** The example shop's placements: a hero banner and a recommendations slot. */
export const shopPlacements: readonly PlacementDefinition[] = [
  { id: 'home-hero', name: 'Home page hero banner', channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome to the shop', text: 'Fresh picks every week.', cta: 'Browse the catalog' } },
  { id: 'home-recs', name: 'Home page recommendations', channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Popular right now', items: ['Trail runner', 'Canvas tote', 'Wool beanie'] } },
];

/** The user "Log in as Ada" signs in as; the server signs this id for the page (identity verification). */
export const shopDemoUserId = 'ada';

/**
 * What the shop knows of a visitor beyond the built-ins: shoe product pages viewed lately.
 * A product view, not the section of the last page, is what a shop targets: the shop's own
 * home page (viewed on every visit) must not erase that someone looked at shoes.
 */
export const shopFeatures: readonly FeatureDefinition[] = [
  {
    name: 'shoe_views_24h', aggregate: 'count', events: ['Product Viewed'], where: 'event.properties.category == "shoes"', window: '24h',
    description: 'Shoe product pages viewed in the last 24 hours',
  },
];

/** Shoes viewed lately, or searched for this session. */
const shoeBannerRule = 'features.shoe_views_24h > 0 or "shoes" in session.search_terms';
/** The shoe banner's rule in earlier releases: the session's last section, which the next page view of the home page replaces. */
const earlierShoeRule = 'session.section == "shoes" or "shoes" in session.search_terms';

/**
 * Actions that show the loop on one page: a sale shown once a day and not again after a
 * click, a banner for people who viewed shoes in the last day, one for returning visitors,
 * new arrivals for everyone else, and a recommendation slot for people who logged in.
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
    rule: shoeBannerRule,
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
 * The engine's services, which the example changes its workspace through as the admin API
 * would, and its store, which it only reads (the stored definitions, not a cached model).
 */
export type ShopProvisionDeps = Pick<Engine, 'store' | 'workspaces' | 'knowledgeAdmin' | 'decisionAdmin' | 'experiments'>;

/**
 * Makes sure the example shop's workspace (id `ws_example_shop`) exists, with its features,
 * placements and actions when it is created (edits and deletions made later are kept), and
 * returns what the page needs: a fresh write key (keys are stored as hashes only, so each
 * start of the server makes one and revokes the earlier ones) and the demo user's userHash,
 * made with a fresh identity secret (the example verifies identities, as new workspaces do).
 */
export async function provisionShopExample(deps: ShopProvisionDeps): Promise<{ workspaceId: string; writeKey: string; demoUser: DemoUser }> {
  const existing = (await deps.workspaces.list()).find((w) => w.id === shopWorkspaceId);
  const workspaceId = existing?.id ?? (await deps.workspaces.create(shopWorkspaceName, {}, shopWorkspaceId)).id;
  for (const key of await deps.workspaces.listKeys(workspaceId)) {
    if (key.kind === 'write' && key.expiresAt === null) await deps.workspaces.revokeKey(workspaceId, key.id);
  }
  const { plain } = await deps.workspaces.createKey(workspaceId, 'write');
  // The example shows identity verification at work, including in a data folder made before it existed.
  if (existing !== undefined && !existing.identity.verification) await deps.workspaces.setIdentityVerification(workspaceId, true);
  const { secret } = await deps.workspaces.rotateIdentitySecret(workspaceId);
  if (existing === undefined) {
    // Seeded once, with the workspace: later edits and deletions through the admin API stay.
    for (const feature of shopFeatures) await deps.knowledgeAdmin.putFeature(workspaceId, feature);
    for (const placement of shopPlacements) await deps.decisionAdmin.putPlacement(workspaceId, placement);
    for (const action of shopActions) await deps.decisionAdmin.putAction(workspaceId, action);
  } else await upgradeShoeBanner(deps, workspaceId);
  if ((await deps.experiments.measurement(workspaceId)).settings === null) {
    // No holdout in the example: every visitor should see what personalization does (the default is 5% held out).
    await deps.experiments.setMeasurement(workspaceId, { holdoutShare: 0 });
  }
  return { workspaceId, writeKey: plain, demoUser: { userId: shopDemoUserId, userHash: userHash(shopDemoUserId, secret) } };
}

/**
 * An example workspace seeded by an earlier release has the shoe banner's old rule, which
 * the reload of the page defeats. Only that untouched definition is replaced (with the
 * feature it reads); a banner the user edited is theirs.
 */
async function upgradeShoeBanner(deps: ShopProvisionDeps, workspaceId: string): Promise<void> {
  const stored = (await deps.store.decisionConfig.listActions(workspaceId)).find((a) => a.id === 'shoe-lover');
  if (stored === undefined || stored.rule !== earlierShoeRule) return;
  const features = new Set((await deps.store.knowledgeConfig.listFeatures(workspaceId)).map((f) => f.name));
  for (const feature of shopFeatures) if (!features.has(feature.name)) await deps.knowledgeAdmin.putFeature(workspaceId, feature);
  // Saved as it was, placements and all: one the user deleted since is theirs to notice.
  await deps.decisionAdmin.putAction(workspaceId, { ...stored, rule: shoeBannerRule }, { allowUnknownPlacements: true });
}
