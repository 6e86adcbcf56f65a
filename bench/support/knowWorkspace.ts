import type { FeatureDefinition } from '../../src/core/features/FeatureDefinition.js';
import type { SegmentDefinition } from '../../src/core/segments/SegmentDefinition.js';

/**
 * The workspace of the `know` benchmark: 20 features and 50 segments a shop would declare,
 * over the events the ingest workload sends (bench/support/workload.ts: page views, the
 * e-commerce track events, searches, articles, identify with plan and logins). Every
 * aggregate is used, windows run from 1h to 90d and lifetime, three features filter with
 * a `where` rule, and the segments read features, the session, traits, consent and each other.
 */

const viewed = 'Product Viewed';
const added = 'Product Added';
const checkout = 'Checkout Started';
const ordered = 'Order Completed';

export const knowFeatures: readonly FeatureDefinition[] = [
  { name: 'page_views_1h', aggregate: 'count', types: ['page'], window: '1h' },
  { name: 'page_views_24h', aggregate: 'count', types: ['page'], window: '24h' },
  { name: 'product_views_7d', aggregate: 'count', events: [viewed], window: '7d' },
  { name: 'product_views_30d', aggregate: 'count', events: [viewed], window: '30d' },
  { name: 'cart_adds_30d', aggregate: 'count', events: [added], window: '30d' },
  { name: 'checkouts_30d', aggregate: 'count', events: [checkout], window: '30d' },
  { name: 'orders_90d', aggregate: 'count', events: [ordered], window: '90d' },
  { name: 'spend_90d', aggregate: 'sum', events: [ordered], property: 'properties.price', window: '90d' },
  { name: 'spend_lifetime', aggregate: 'sum', events: [ordered], property: 'properties.price', window: 'lifetime' },
  { name: 'max_order_value_90d', aggregate: 'max', events: [ordered], property: 'properties.price', window: '90d' },
  { name: 'cheapest_viewed_30d', aggregate: 'min', events: [viewed], property: 'properties.price', window: '30d' },
  { name: 'last_viewed_product', aggregate: 'last', events: [viewed], property: 'properties.product_id' },
  { name: 'last_category_7d', aggregate: 'last', events: [viewed, added], property: 'properties.category', window: '7d' },
  { name: 'distinct_products_30d', aggregate: 'distinct_count', events: [viewed], property: 'properties.product_id', window: '30d', maxKeys: 50 },
  { name: 'distinct_categories_90d', aggregate: 'distinct_count', events: [viewed, added, ordered], property: 'properties.category', window: '90d', maxKeys: 20 },
  { name: 'category_affinity', aggregate: 'decayed', events: [viewed, added, ordered], property: 'properties.category', weight: 'properties.quantity', halfLife: '14d', maxKeys: 20 },
  { name: 'searches_7d', aggregate: 'count', events: ['Products Searched'], window: '7d' },
  { name: 'big_cart_adds_30d', aggregate: 'count', events: [added], where: 'event.properties.price >= 50', window: '30d' },
  { name: 'premium_views_7d', aggregate: 'count', events: [viewed], where: 'event.properties.price > 100 or event.properties.category in ["Electronics", "Bags"]', window: '7d' },
  { name: 'articles_read_90d', aggregate: 'count', types: ['track', 'page'], where: 'event.event == "Article Read" or event.properties.path starts_with "/blog/"', window: '90d' },
];

const segment = (id: string, name: string, rule: string): SegmentDefinition => ({ id, name, rule });

/** The rule the benchmark times on its own (segment `shoe_intent_personalizable`). */
export const simpleRule = 'features.orders_90d >= 2 and session.section == "shoes" and has_consent("personalization")';

/** A heavier rule: arithmetic, a function on a trait, a list, a clock function, a decayed score, in_segment and consent. */
export const heavyRule = [
  '(features.spend_90d >= 200 or features.order_count >= 5 and features.average_order_value > 40)',
  'and lower(profile.traits.plan ?? "free") in ["pro", "enterprise", "starter"]',
  'and days_since(features.last_order_at) < 60',
  'and (features.category_affinity.Electronics ?? 0) > 2 * (features.category_affinity.Apparel ?? 0)',
  'and session.pages >= 3 and not in_segment("lapsed_buyer") and has_consent("marketing")',
].join('\n');

export const knowSegments: readonly SegmentDefinition[] = [
  // The session (re-evaluated on every event: the session changes with each one).
  segment('active_session', 'Active session', 'session.active and session.events >= 2'),
  segment('engaged_session', 'Engaged session', 'session.pages >= 5'),
  segment('long_session', 'Long session', 'session.duration_seconds > 600'),
  segment('returning_visitor', 'Returning visitor', 'session.returning'),
  segment('first_visit', 'First visit', 'session.is_new'),
  segment('browsing_products', 'Browsing products', 'session.section == "products"'),
  segment('in_cart', 'Looking at the cart', 'session.section == "cart"'),
  segment('reading_blog', 'Reading the blog', 'session.section == "blog"'),
  segment('searching_now', 'Searching now', 'len(session.search_terms) > 0'),
  segment('mobile_visitor', 'On a phone', 'session.device_type == "mobile"'),
  segment('desktop_visitor', 'On a desktop', 'session.device_type == "desktop"'),
  segment('paid_traffic', 'Came from an ad', 'session.entry_channel == "paid" or session.utm_campaign != null'),
  segment('direct_traffic', 'Came directly', 'session.entry_channel == "direct"'),
  // Purchases: lifetime, windowed and derived (RFM) features.
  segment('buyer', 'Bought once', 'features.order_count >= 1'),
  segment('repeat_buyer', 'Bought twice or more', 'features.order_count >= 2'),
  segment('recent_buyer', 'Bought in the last 90 days', 'features.orders_90d >= 1'),
  segment('frequent_buyer', 'Three orders in 90 days', 'features.orders_90d >= 3'),
  segment('high_spender', 'Spent 200 in 90 days', 'features.spend_90d >= 200'),
  segment('vip', 'VIP', 'features.spend_lifetime >= 500 or profile.traits.plan == "enterprise"'),
  segment('big_ticket_buyer', 'Bought something over 100', 'features.max_order_value_90d > 100'),
  segment('lapsed_buyer', 'Lapsed buyer', 'features.order_count >= 1 and features.days_since_last_order > 60'),
  segment('rfm_champion', 'RFM champion', 'features.recency_days <= 30 and features.frequency >= 3 and features.monetary >= 100'),
  segment('cart_abandoner', 'Added to cart, no order', 'features.cart_adds_30d >= 1 and features.orders_90d == 0'),
  segment('checkout_abandoner', 'Started checkout, no order', 'features.checkouts_30d > features.orders_90d'),
  // Browsing: windowed counts, distinct counts, last values, decayed affinity, filtered counts.
  segment('window_shopper', 'Browses, never buys', 'features.product_views_30d >= 10 and features.order_count == 0'),
  segment('heavy_browser', 'Twenty pages a day', 'features.page_views_24h >= 20'),
  segment('hot_right_now', 'Ten pages this hour', 'features.page_views_1h >= 10'),
  segment('product_explorer', 'Looked at four products', 'features.distinct_products_30d >= 4'),
  segment('multi_category', 'Three categories', 'features.distinct_categories_90d >= 3'),
  segment('electronics_fan', 'Electronics affinity', '(features.category_affinity.Electronics ?? 0) > 3'),
  segment('apparel_fan', 'Apparel affinity', '(features.category_affinity.Apparel ?? 0) > 3'),
  segment('footwear_intent', 'Footwear in the cart lately', 'features.last_category_7d == "Footwear" and features.cart_adds_30d >= 1'),
  segment('premium_browser', 'Premium browsing', 'features.premium_views_7d >= 2'),
  segment('bargain_hunter', 'Bargain hunter', 'features.cheapest_viewed_30d < 20 and features.searches_7d >= 2'),
  segment('content_reader', 'Reads articles', 'features.articles_read_90d >= 3'),
  segment('viewed_headphones', 'Last looked at headphones', 'features.last_viewed_product == "prod_5126"'),
  // Traits (identify calls).
  segment('pro_plan', 'Pro plan', 'profile.traits.plan == "pro"'),
  segment('paying_plan', 'Paying plan', 'profile.traits.plan in ["starter", "pro", "enterprise"]'),
  segment('engaged_free_user', 'Engaged free user', 'profile.traits.plan == "free" and profile.traits.logins >= 10'),
  segment('known_customer', 'Known customer', 'exists(profile.traits.email)'),
  segment('power_user', 'Power user', 'profile.traits.logins >= 30'),
  segment('new_signup', 'Signed up in the last two weeks', 'days_since(profile.traits.createdAt) < 14'),
  // Consent.
  segment('marketable', 'Can be emailed', 'has_consent("marketing") and exists(profile.traits.email)'),
  segment('personalizable', 'Can be personalized', 'has_consent("personalization")'),
  segment('no_sale_sharing', 'Opted out of sale and sharing', 'not has_consent("sale_sharing")'),
  // Built on other segments.
  segment('shoe_intent_personalizable', 'Repeat buyers browsing shoes', simpleRule),
  segment('vip_personalizable', 'VIP, personalizable', 'in_segment("vip") and in_segment("personalizable")'),
  segment('winback', 'Win back by email', 'in_segment("lapsed_buyer") and in_segment("marketable")'),
  segment('upsell_pro', 'Upsell to pro', 'in_segment("engaged_free_user") and features.product_views_30d >= 5 and not in_segment("cart_abandoner")'),
  // Read at decision time only (the request context): never stored, skipped on events.
  segment('german_visitor', 'German-speaking visitor', 'context.locale starts_with "de" and in_segment("personalizable")'),
];
