import type { ActionDefinition } from '../../src/core/decide/ActionDefinition.js';
import type { CapRules } from '../../src/core/decide/caps.js';
import type { PlacementDefinition } from '../../src/core/decide/PlacementDefinition.js';
import type { FeatureDefinition } from '../../src/core/features/FeatureDefinition.js';
import type { SegmentDefinition } from '../../src/core/segments/SegmentDefinition.js';
import { pick } from './random.js';

/**
 * The workspace of the `decide` benchmark: a shop with 8 declared features (plus the 4
 * built-in ones), 50 segments over traits, features, the session and the request context
 * (some built on others with in_segment), and 200 actions over 4 placements:
 *
 * - `home-hero` (web, 1 action, priority): 100 actions, the placement the benchmark measures;
 *   rules over traits, features, context and segments; 40% with frequency caps, a few with
 *   schedules, one disabled.
 * - `product-recs` (web, 3 actions, weighted by value): 40 actions.
 * - `email-block` (email, 1 action, expected value with a propensity rule): 38 actions.
 * - `peer` (web, 1 action, priority with random ties): the GrowthBook comparison, 20 targeting
 *   actions with distinct priorities (first match wins) and two arms of equal priority
 *   without a rule (a 50/50 split of whoever no rule caught). `peerRules` holds each rule in
 *   both languages.
 *
 * Profiles come from `profileEvents`: an identify call with traits (country, plan, age, ltv,
 * language, ...) and 2-4 page and e-commerce track events over the last 60 days; a quarter
 * also saw a capped home-hero action in the last day (a `Decision Viewed` event), so that
 * the caps have state to check.
 */

const viewed = 'Product Viewed';
const added = 'Product Added';
const ordered = 'Order Completed';

export const decideFeatures: readonly FeatureDefinition[] = [
  { name: 'page_views_7d', aggregate: 'count', types: ['page'], window: '7d' },
  { name: 'product_views_30d', aggregate: 'count', events: [viewed], window: '30d' },
  { name: 'cart_adds_30d', aggregate: 'count', events: [added], window: '30d' },
  { name: 'orders_90d', aggregate: 'count', events: [ordered], window: '90d' },
  { name: 'spend_90d', aggregate: 'sum', events: [ordered], property: 'properties.revenue', window: '90d' },
  { name: 'last_category', aggregate: 'last', events: [viewed, added], property: 'properties.category' },
  { name: 'categories_30d', aggregate: 'distinct_count', events: [viewed, added], property: 'properties.category', window: '30d', maxKeys: 10 },
  { name: 'category_affinity', aggregate: 'decayed', events: [viewed, added, ordered], property: 'properties.category', halfLife: '14d', maxKeys: 10 },
];

const segment = (id: string, rule: string): SegmentDefinition => ({ id, name: id.replaceAll('_', ' '), rule });

/** In creation order: a segment comes after the segments its rule reads. */
export const decideSegments: readonly SegmentDefinition[] = [
  // Traits.
  segment('us_visitor', 'profile.traits.country == "US"'),
  segment('dach', 'profile.traits.country in ["DE", "AT", "CH"]'),
  segment('eu', 'profile.traits.country in ["DE", "AT", "FR", "ES", "IT", "NL"]'),
  segment('free_plan', 'profile.traits.plan == "free"'),
  segment('paying', 'profile.traits.plan in ["starter", "pro", "enterprise"]'),
  segment('pro_plan', 'profile.traits.plan == "pro"'),
  segment('enterprise', 'profile.traits.plan == "enterprise"'),
  segment('young', 'profile.traits.age < 25'),
  segment('adult', 'profile.traits.age >= 25 and profile.traits.age < 45'),
  segment('senior', 'profile.traits.age >= 60'),
  segment('high_ltv', 'profile.traits.ltv >= 1000'),
  segment('mid_ltv', 'profile.traits.ltv >= 200 and profile.traits.ltv < 1000'),
  segment('low_ltv', 'profile.traits.ltv < 200'),
  segment('german_speaker', 'profile.traits.language == "de"'),
  segment('french_speaker', 'profile.traits.language == "fr"'),
  segment('spanish_speaker', 'profile.traits.language == "es"'),
  segment('has_email', 'exists(profile.traits.email)'),
  segment('newsletter', 'profile.traits.newsletter == true'),
  segment('power_user', 'profile.traits.logins >= 30'),
  segment('new_signup', 'days_since(profile.traits.createdAt) < 30'),
  // Features (lifetime, windowed, derived, decayed).
  segment('buyer', 'features.order_count >= 1'),
  segment('repeat_buyer', 'features.order_count >= 2'),
  segment('recent_buyer', 'features.orders_90d >= 1'),
  segment('big_spender', 'features.spend_90d >= 150'),
  segment('lapsed_buyer', 'features.order_count >= 1 and features.days_since_last_order > 30'),
  segment('browser', 'features.product_views_30d >= 2'),
  segment('cart_abandoner', 'features.cart_adds_30d >= 1 and features.orders_90d == 0'),
  segment('electronics_fan', '(features.category_affinity.Electronics ?? 0) > 0.5'),
  segment('apparel_fan', '(features.category_affinity.Apparel ?? 0) > 0.5'),
  segment('shoes_last', 'features.last_category == "Shoes"'),
  segment('multi_category', 'features.categories_30d >= 2'),
  segment('active_week', 'features.page_views_7d >= 1'),
  segment('gold_tier', 'profile.traits.ltv >= 500 and features.order_count >= 2'),
  segment('returning_customer', 'features.days_since_first_seen > 30 and features.order_count >= 1'),
  // The session.
  segment('deep_session', 'session.pages >= 3'),
  // Consent.
  segment('marketable', 'has_consent("marketing") and in_segment("has_email")'),
  segment('personalizable', 'has_consent("personalization")'),
  // Built on other segments.
  segment('vip', 'in_segment("high_ltv") or profile.traits.plan == "enterprise"'),
  segment('vip_buyer', 'in_segment("vip") and in_segment("buyer")'),
  segment('churn_risk', 'in_segment("paying") and features.days_since_last_seen > 14'),
  segment('upsell_pro', 'in_segment("free_plan") and in_segment("power_user")'),
  segment('dach_paying', 'in_segment("dach") and in_segment("paying")'),
  segment('winback', 'in_segment("lapsed_buyer") and in_segment("marketable")'),
  segment('engaged', 'in_segment("active_week") and in_segment("browser")'),
  segment('deal_seeker', 'in_segment("cart_abandoner") and not in_segment("high_ltv")'),
  segment('young_shopper', 'in_segment("young") and in_segment("browser")'),
  segment('senior_buyer', 'in_segment("senior") and in_segment("buyer")'),
  segment('en_market', 'profile.traits.country in ["US", "GB"] and profile.traits.language == "en"'),
  // The request context: evaluated at decision time only.
  segment('mobile_now', 'context.device == "mobile"'),
  segment('checkout_page', 'context.page.path starts_with "/checkout"'),
];

export const countries = ['US', 'US', 'US', 'DE', 'DE', 'GB', 'GB', 'FR', 'FR', 'CH', 'AT', 'NL', 'ES', 'IT', 'BR', 'JP'] as const;
const languageOf: Readonly<Record<string, readonly string[]>> = {
  US: ['en', 'en', 'en', 'es'], GB: ['en'], DE: ['de'], AT: ['de'], CH: ['de', 'de', 'fr'], FR: ['fr'], NL: ['nl', 'en'],
  ES: ['es'], IT: ['it'], BR: ['pt'], JP: ['ja'],
};
const plans = ['free', 'free', 'free', 'free', 'free', 'free', 'starter', 'starter', 'pro', 'pro', 'enterprise'] as const;
export const categories = ['Electronics', 'Apparel', 'Shoes', 'Home', 'Beauty', 'Sports', 'Toys', 'Books'] as const;
const firstNames = ['Ana', 'Ben', 'Chloé', 'David', 'Eva', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kim', 'Lea', 'Marco', 'Nora', 'Omar', 'Paula'] as const;
const localeOf: Readonly<Record<string, string>> = { en: 'en-US', de: 'de-DE', fr: 'fr-FR', es: 'es-ES', it: 'it-IT', nl: 'nl-NL', pt: 'pt-BR', ja: 'ja-JP' };

const segmentIds = decideSegments.map((s) => s.id);
const storedSegmentIds = segmentIds.filter((id) => id !== 'mobile_now' && id !== 'checkout_page');

function heroRule(i: number): string | undefined {
  const country = countries[i % countries.length]!;
  const cat = categories[i % categories.length]!;
  const segA = storedSegmentIds[(i * 7) % storedSegmentIds.length]!;
  const segB = storedSegmentIds[(i * 11 + 5) % storedSegmentIds.length]!;
  const lang = ['en', 'de', 'fr', 'es', 'it'][i % 5]!;
  switch (i % 25) {
    case 0: return `profile.traits.country == "${country}"`;
    case 1: return `profile.traits.plan == "${plans[i % plans.length]!}" and features.order_count >= ${(1 + (i % 3)).toString()}`;
    case 2: return `in_segment("${segA}")`;
    case 3: return `in_segment("${segA}") and not in_segment("${segB}")`;
    case 4: return `features.spend_90d >= ${(50 + (i % 5) * 50).toString()}`;
    case 5: return `context.device == "mobile" and in_segment("${segA}")`;
    case 6: return `context.page.path starts_with "/products" and features.last_category == "${cat}"`;
    case 7: return `profile.traits.age >= ${(18 + (i % 40)).toString()} and profile.traits.age < ${(33 + (i % 40)).toString()}`;
    case 8: return `(features.category_affinity.${cat} ?? 0) > 0.5`;
    case 9: return `profile.traits.language == "${lang}" and has_consent("marketing")`;
    case 10: return `days_since(profile.traits.createdAt) < ${(30 + (i % 300)).toString()}`;
    case 11: return 'features.cart_adds_30d >= 1 and features.orders_90d == 0';
    case 12: return `lower(profile.traits.plan) in ["pro", "enterprise"] and profile.traits.ltv > ${(100 + ((i * 7) % 900)).toString()}`;
    case 13: return `features.product_views_30d >= ${(1 + (i % 4)).toString()} and not in_segment("buyer")`;
    case 14: return 'context.locale starts_with "de" and in_segment("dach")';
    case 15: return `features.days_since_last_order > ${(10 + (i % 50)).toString()} and in_segment("has_email")`;
    case 16: return `profile.traits.country in ["${country}", "${countries[(i + 3) % countries.length]!}", "${countries[(i + 7) % countries.length]!}"] and features.page_views_7d >= 1`;
    case 17: return `in_segment("${segA}") or in_segment("${segB}")`;
    case 18: return `features.categories_30d >= 2 and profile.traits.ltv >= ${((i * 13) % 500).toString()}`;
    case 19: return 'exists(profile.traits.email) and profile.traits.newsletter == true and not in_segment("churn_risk")';
    case 20: return `features.average_order_value > ${(20 + (i % 80)).toString()}`;
    case 21: return 'context.page.path == "/checkout" and features.cart_adds_30d >= 1';
    case 22: return `profile.traits.logins >= ${(i % 50).toString()} and profile.traits.plan == "free"`;
    case 23: return 'in_segment("vip") and context.device == "desktop"';
    default: return undefined;
  }
}

function heroCaps(i: number): CapRules | undefined {
  if (i === 11 || i === 57) return { budget: 50_000_000 };
  switch (i % 10) {
    case 0: return { perProfile: [{ max: 1, window: '24h' }] };
    case 3: return { perProfile: [{ max: 3, window: '7d' }, { max: 10, window: 'lifetime' }] };
    case 5: return { perPlacement: [{ max: 2, window: 'day' }], perChannelPerDay: 6 };
    case 7: return { dismissCooldown: '7d', clickCooldown: '30d' };
    default: return undefined;
  }
}

function heroAction(i: number): ActionDefinition {
  const id = `hero-${i.toString().padStart(3, '0')}`;
  const rule = heroRule(i);
  const caps = heroCaps(i);
  const title = `Offer ${i.toString()} for {{ profile.traits.first_name | "you" }}`;
  const base = { subtitle: 'Picked for you: {{ features.last_category | "our bestsellers" }}', image: `https://cdn.example.com/hero/${id}.jpg`, url: `/offers/${id}` };
  const variants: Record<string, unknown> = { default: { title, cta: 'Shop now', ...base } };
  if (i % 3 === 0) {
    variants['de'] = { title: `Angebot ${i.toString()} für {{ profile.traits.first_name | "Sie" }}`, cta: 'Jetzt kaufen', ...base };
    variants['fr'] = { title: `Offre ${i.toString()} pour {{ profile.traits.first_name | "vous" }}`, cta: 'Acheter', ...base };
  }
  return {
    id,
    name: `Home hero ${i.toString()}`,
    kind: 'banner',
    placements: ['home-hero'],
    ...(rule === undefined ? {} : { rule }),
    // Actions without a rule (everyone) come last: they are the fallback offers.
    priority: rule === undefined ? i % 4 : 10 + ((i * 37) % 90),
    value: 5 + ((i * 13) % 95),
    variants,
    ...(caps === undefined ? {} : { caps }),
    ...(i % 20 === 1 ? { schedule: { start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' } } : {}),
    ...(i === 42 ? { schedule: { end: '2021-01-01T00:00:00Z' } } : {}),
    ...(i === 62 ? { schedule: { start: '2099-01-01T00:00:00Z' } } : {}),
    ...(i === 82 ? { enabled: false } : {}),
  };
}

function recAction(i: number): ActionDefinition {
  const cat = categories[i % categories.length]!;
  const rules = [
    `(features.category_affinity.${cat} ?? 0) > 0.2`,
    `features.last_category == "${cat}"`,
    `profile.traits.country == "${countries[i % countries.length]!}" and in_segment("browser")`,
    undefined,
  ];
  const rule = rules[i % rules.length];
  return {
    id: `rec-${i.toString().padStart(2, '0')}`,
    kind: 'recommendations',
    placements: ['product-recs'],
    ...(rule === undefined ? {} : { rule }),
    priority: 1,
    value: 1 + (i % 9),
    variants: { default: { product: `prod_${(1000 + i).toString()}`, category: cat, title: `{{ profile.traits.first_name | "You" }}, you may like these ${cat.toLowerCase()}` } },
    ...(i % 5 === 0 ? { caps: { perProfile: [{ max: 5, window: '24h' }] } } : {}),
  };
}

function emailAction(i: number): ActionDefinition {
  const seg = ['winback', 'marketable', 'upsell_pro', 'vip_buyer', 'deal_seeker', 'newsletter'][i % 6]!;
  return {
    id: `email-${i.toString().padStart(2, '0')}`,
    kind: 'message',
    placements: ['email-block'],
    channel: 'email',
    rule: `in_segment("${seg}") and features.orders_90d >= ${(i % 3).toString()}`,
    priority: i % 10,
    value: 10 + i,
    variants: { default: { subject: `News ${i.toString()} for {{ profile.traits.first_name | "you" }}`, body: 'Hello {{ profile.traits.first_name | "there" }}' } },
    caps: { perProfile: [{ max: 1, window: '7d' }] },
  };
}

/** One targeting rule of the peer comparison, in Attune's rules language and as a GrowthBook condition. */
export interface PeerRule {
  readonly attune: string;
  readonly growthbook: Readonly<Record<string, unknown>>;
}

const inSeg = (id: string) => ({ segments: { $elemMatch: { $eq: id } } });

/**
 * The 20 targeting rules of the peer comparison, first match wins. GrowthBook reads the
 * attributes of `peerAttributes`: the traits, four features and `segments`, the list of
 * segments the profile is in.
 */
export const peerRules: readonly PeerRule[] = [
  { attune: 'profile.traits.plan == "enterprise" and in_segment("high_ltv")', growthbook: { plan: 'enterprise', ...inSeg('high_ltv') } },
  { attune: 'in_segment("vip_buyer") and profile.traits.country == "US"', growthbook: { ...inSeg('vip_buyer'), country: 'US' } },
  { attune: 'profile.traits.country in ["DE", "AT", "CH"] and profile.traits.ltv >= 800', growthbook: { country: { $in: ['DE', 'AT', 'CH'] }, ltv: { $gte: 800 } } },
  { attune: 'in_segment("winback")', growthbook: inSeg('winback') },
  { attune: 'profile.traits.age >= 65 and features.order_count >= 1', growthbook: { age: { $gte: 65 }, orders: { $gte: 1 } } },
  { attune: 'profile.traits.plan == "pro" and profile.traits.logins >= 40', growthbook: { plan: 'pro', logins: { $gte: 40 } } },
  { attune: 'in_segment("cart_abandoner") and profile.traits.language == "fr"', growthbook: { ...inSeg('cart_abandoner'), language: 'fr' } },
  { attune: 'profile.traits.country == "JP"', growthbook: { country: 'JP' } },
  { attune: 'features.spend_90d >= 300', growthbook: { spend90: { $gte: 300 } } },
  { attune: 'profile.traits.email ends_with "@example.org" and profile.traits.age < 30', growthbook: { email: { $regex: '@example\\.org$' }, age: { $lt: 30 } } },
  { attune: 'in_segment("upsell_pro") and not in_segment("churn_risk")', growthbook: { $and: [inSeg('upsell_pro'), { segments: { $not: { $elemMatch: { $eq: 'churn_risk' } } } }] } },
  { attune: 'profile.traits.country == "BR" and profile.traits.plan != "free"', growthbook: { country: 'BR', plan: { $ne: 'free' } } },
  { attune: 'features.last_category == "Shoes" and features.product_views_30d >= 2', growthbook: { lastCategory: 'Shoes', views30: { $gte: 2 } } },
  { attune: 'in_segment("electronics_fan") and profile.traits.age < 25', growthbook: { ...inSeg('electronics_fan'), age: { $lt: 25 } } },
  { attune: 'profile.traits.ltv > 1500 or profile.traits.logins >= 49', growthbook: { $or: [{ ltv: { $gt: 1500 } }, { logins: { $gte: 49 } }] } },
  { attune: 'profile.traits.language == "it" and in_segment("browser")', growthbook: { language: 'it', ...inSeg('browser') } },
  { attune: 'in_segment("dach_paying")', growthbook: inSeg('dach_paying') },
  { attune: 'profile.traits.newsletter == true and profile.traits.country == "GB"', growthbook: { newsletter: true, country: 'GB' } },
  { attune: 'in_segment("senior_buyer")', growthbook: inSeg('senior_buyer') },
  {
    attune: 'profile.traits.plan in ["starter", "pro"] and profile.traits.age >= 40 and profile.traits.age < 50 and profile.traits.country == "US"',
    growthbook: { plan: { $in: ['starter', 'pro'] }, age: { $gte: 40, $lt: 50 }, country: 'US' },
  },
];

export const peerRuleIds = peerRules.map((_, i) => `peer-rule-${(i + 1).toString().padStart(2, '0')}`);
export const peerArms = ['peer-arm-a', 'peer-arm-b'] as const;

function peerActions(): ActionDefinition[] {
  const rules = peerRules.map((rule, i): ActionDefinition => ({
    id: peerRuleIds[i]!, placements: ['peer'], rule: rule.attune, priority: 100 - i, value: 0, variants: { default: { value: peerRuleIds[i]! } },
  }));
  const arms = peerArms.map((id): ActionDefinition => ({ id, placements: ['peer'], priority: 0, value: 0, variants: { default: { value: id } } }));
  return [...rules, ...arms];
}

export const decidePlacements: readonly PlacementDefinition[] = [
  { id: 'home-hero', name: 'Home page hero', channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome to the shop', cta: 'Browse', url: '/new' } },
  { id: 'product-recs', name: 'Recommended products', channel: 'web', count: 3, strategy: { kind: 'weighted', weightFrom: 'value' }, defaultContent: { title: 'Bestsellers' } },
  { id: 'email-block', name: 'Newsletter block', channel: 'email', count: 1, strategy: { kind: 'expectedValue', propensity: { rule: 'min(features.orders_90d / 5, 1)' } }, defaultContent: { subject: 'News' } },
  { id: 'peer', name: 'GrowthBook comparison', channel: 'web', count: 1, strategy: { kind: 'priority', ties: 'random' }, defaultContent: { value: null } },
];

export const mainPlacement = 'home-hero';

export const decideActions: readonly ActionDefinition[] = [
  ...Array.from({ length: 100 }, (_, i) => heroAction(i)),
  ...Array.from({ length: 40 }, (_, i) => recAction(i)),
  ...Array.from({ length: 38 }, (_, i) => emailAction(i)),
  ...peerActions(),
];

/** The home-hero actions with caps per profile: a `Decision Viewed` event of the profile data counts against them. */
export const cappedHeroActions: readonly string[] = decideActions
  .filter((a) => a.placements.includes(mainPlacement) && a.caps !== undefined && a.caps.budget === undefined)
  .map((a) => a.id);

export function userIdOf(index: number): string {
  return `user-${index.toString().padStart(6, '0')}`;
}

const dayMs = 86_400_000;

/** The events that make profile `index`: identify, then 2-4 page and e-commerce events, maybe an impression. */
export function profileEvents(index: number, random: () => number, now: number): Record<string, unknown>[] {
  const userId = userIdOf(index);
  const country = pick(random, countries);
  const language = pick(random, languageOf[country]!);
  const locale = localeOf[language] ?? 'en-US';
  const start = now - Math.floor(random() * 60 * dayMs) - 60_000;
  const extra = 2 + Math.floor(random() * 3);
  const times = Array.from({ length: extra }, () => start + Math.floor(random() * (now - start))).sort((a, b) => a - b);
  const iso = (t: number) => new Date(t).toISOString();
  const context = { locale, library: { name: 'analytics.js', version: '5.2.0' } };
  const email = random() < 0.7 ? `${userId}@${random() < 0.2 ? 'example.org' : 'example.com'}` : undefined;
  const events: Record<string, unknown>[] = [{
    type: 'identify', userId, messageId: `m-${index.toString()}-0`, timestamp: iso(start), context,
    traits: {
      first_name: pick(random, firstNames), country, language, plan: pick(random, plans),
      age: 18 + Math.floor(random() * 58), ltv: Math.floor(random() ** 2 * 2000), logins: Math.floor(random() * 50),
      newsletter: random() < 0.4, createdAt: iso(start - Math.floor(random() * 365 * dayMs)), ...(email === undefined ? {} : { email }),
    },
  }];
  times.forEach((t, k) => {
    const cat = pick(random, categories);
    const product = `prod_${(1000 + Math.floor(random() * 500)).toString()}`;
    const price = 5 + Math.floor(random() * 200);
    const base = { userId, messageId: `m-${index.toString()}-${(k + 1).toString()}`, timestamp: iso(t), context };
    const r = random();
    if (r < 0.3) events.push({ ...base, type: 'page', name: 'Product', properties: { path: `/products/${product}`, category: cat } });
    else if (r < 0.65) events.push({ ...base, type: 'track', event: viewed, properties: { product_id: product, category: cat, price } });
    else if (r < 0.82) events.push({ ...base, type: 'track', event: added, properties: { product_id: product, category: cat, price, quantity: 1 } });
    else events.push({ ...base, type: 'track', event: ordered, properties: { order_id: `o-${index.toString()}-${k.toString()}`, revenue: price, category: cat } });
  });
  if (random() < 0.25) {
    events.push({
      type: 'track', userId, event: 'Decision Viewed', messageId: `m-${index.toString()}-v`, timestamp: iso(now - Math.floor(random() * 20 * 3_600_000)), context,
      properties: { decisionId: `d_seed_${index.toString()}`, actionId: pick(random, cappedHeroActions), placement: 'home-hero', channel: 'web' },
    });
  }
  return events;
}

/** The request context of a decide call: locale, device, page. */
export function decideContext(random: () => number): Record<string, unknown> {
  const r = random();
  const path = r < 0.5 ? '/' : r < 0.85 ? `/products/prod_${(1000 + Math.floor(random() * 500)).toString()}` : '/checkout';
  return {
    locale: pick(random, ['en-US', 'en-US', 'de-DE', 'de-CH', 'fr-FR', 'es-ES']),
    device: random() < 0.55 ? 'mobile' : 'desktop',
    page: { path },
  };
}
