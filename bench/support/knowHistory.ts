import type { CallType } from '../../src/core/events/callTypes.js';
import { applyTraits, emptyTraits, type TraitState } from '../../src/core/identity/traits.js';
import type { KnowledgeModel } from '../../src/core/knowledge/KnowledgeModel.js';
import { applyEventKnowledge, emptyKnowledge, type KnowledgeEvent, type KnowledgeState, type ProfileFacts } from '../../src/core/knowledge/KnowledgeState.js';
import { pick } from './random.js';

/**
 * Realistic event histories for one profile, for the parts of the `know` benchmark that run
 * the pure core without HTTP or SQLite: 20 to 60 events over 90 days, in visits of a few
 * minutes (pages, product views, cart adds, a few orders, searches, articles), identify
 * calls for the 40% of people who log in, and consent preferences from a consent manager
 * for a third of them. Bodies look like the stored calls of the ingest workload.
 */

const dayMs = 86_400_000;

const products = [
  { id: 'prod_1042', sku: 'TSH-BLU-M', name: 'Organic Cotton T-Shirt', category: 'Apparel', price: 24.9 },
  { id: 'prod_1043', sku: 'HOD-GRY-L', name: 'Recycled Hoodie', category: 'Apparel', price: 59 },
  { id: 'prod_2231', sku: 'SNK-WHT-42', name: 'Canvas Sneakers', category: 'Footwear', price: 69 },
  { id: 'prod_2240', sku: 'BOT-BRN-43', name: 'Leather Boots', category: 'Footwear', price: 139 },
  { id: 'prod_3310', sku: 'MUG-CER-01', name: 'Ceramic Coffee Mug', category: 'Kitchen', price: 12.5 },
  { id: 'prod_4478', sku: 'BKP-GRY-20', name: 'Commuter Backpack 20L', category: 'Bags', price: 89 },
  { id: 'prod_5126', sku: 'HDP-BLK-BT', name: 'Wireless Headphones', category: 'Electronics', price: 149 },
  { id: 'prod_5130', sku: 'SPK-BLK-MN', name: 'Mini Speaker', category: 'Electronics', price: 45 },
  { id: 'prod_6001', sku: 'BTL-STL-75', name: 'Steel Water Bottle', category: 'Outdoor', price: 29.95 },
  { id: 'prod_6010', sku: 'TNT-GRN-2P', name: 'Two-Person Tent', category: 'Outdoor', price: 199 },
];
const pages = [
  { path: '/', title: 'Home | Example Store', name: 'Home' },
  { path: '/collections/new', title: 'New arrivals | Example Store', name: 'New Arrivals' },
  { path: '/products/organic-cotton-t-shirt', title: 'Organic Cotton T-Shirt | Example Store', name: 'Product' },
  { path: '/products/canvas-sneakers', title: 'Canvas Sneakers | Example Store', name: 'Product' },
  { path: '/shoes/sneakers', title: 'Sneakers | Example Store', name: 'Shoes' },
  { path: '/cart', title: 'Your cart | Example Store', name: 'Cart' },
  { path: '/blog/how-we-source-cotton', title: 'How we source our cotton | Example Store', name: 'Article' },
  { path: '/search', title: 'Search | Example Store', name: 'Search' },
];
const agents = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
];
const queries = ['organic cotton', 'sneakers', 'headphones', 'backpack', 'tent', 'gift ideas', 'boots size 43'];
const referrers = [null, null, 'https://www.google.com/', 'https://www.instagram.com/', 'https://news.example.org/gear'];
const campaigns = [null, null, null, { name: 'spring_sale', medium: 'cpc', source: 'google' }, { name: 'newsletter_w12', medium: 'email', source: 'newsletter' }];
const plans = ['free', 'starter', 'pro', 'enterprise'];
const locales = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES'];
/** Track events and their shares of the track calls. */
const trackMix: readonly (readonly [string, number])[] = [
  ['Product Viewed', 0.45], ['Product Added', 0.15], ['Checkout Started', 0.06], ['Order Completed', 0.04], ['Products Searched', 0.15], ['Article Read', 0.15],
];

export interface ProfileHistory {
  readonly id: string;
  readonly events: readonly KnowledgeEvent[];
  readonly known: boolean;
}

function trackName(random: () => number): string {
  let roll = random();
  for (const [name, share] of trackMix) {
    roll -= share;
    if (roll < 0) return name;
  }
  return trackMix[0]![0];
}

/** One profile's history, ending at `end`; deterministic for (seed of `random`, index). */
export function profileHistory(random: () => number, index: number, end: number): ProfileHistory {
  const known = random() < 0.4;
  const anonymousId = `anon-${index.toString(16).padStart(8, '0')}-4b1c-9d2e-${(index * 7919).toString(16).padStart(12, '0')}`;
  const userId = known ? `user_${(100000 + index).toString()}` : null;
  const agent = pick(random, agents);
  const locale = pick(random, locales);
  const ip = `198.51.${Math.floor(index / 250) % 256}.${index % 250}`;
  const consent = random() < 0.33 ? { categoryPreferences: { advertising: random() < 0.6, functional: true, performance: random() < 0.8 } } : null;
  const plan = pick(random, plans);
  const total = 20 + Math.floor(random() * 41);
  // Visits of 3 to 12 events at random times over the 90 days, sorted.
  const visits: { start: number; size: number; campaign: (typeof campaigns)[number]; referrer: string | null }[] = [];
  for (let left = total; left > 0;) {
    const size = Math.min(left, 3 + Math.floor(random() * 10));
    visits.push({ start: end - Math.floor(random() * 90 * dayMs), size, campaign: pick(random, campaigns), referrer: pick(random, referrers) });
    left -= size;
  }
  visits.sort((a, b) => a.start - b.start);
  const events: KnowledgeEvent[] = [];
  let logins = 1 + Math.floor(random() * 5);
  for (const visit of visits) {
    let t = visit.start;
    for (let i = 0; i < visit.size; i++) {
      t += 10_000 + Math.floor(random() * 110_000);
      const first = i === 0;
      const roll = random();
      const type: CallType = known && (first && random() < 0.5 || roll < 0.08) ? 'identify' : first || roll < 0.4 ? 'page' : 'track';
      const page = pick(random, pages);
      const query = page.path === '/search' ? `?q=${encodeURIComponent(pick(random, queries))}` : '';
      const utm = first && visit.campaign !== null ? `${query === '' ? '?' : '&'}utm_source=${visit.campaign.source}&utm_medium=${visit.campaign.medium}&utm_campaign=${visit.campaign.name}` : '';
      const url = `https://shop.example.com${page.path}${query}${utm}`;
      const context: Record<string, unknown> = {
        library: { name: 'analytics.js', version: '5.2.0' }, ip, locale, userAgent: agent,
        page: { path: page.path, url, title: page.title, referrer: first ? visit.referrer ?? '' : 'https://shop.example.com/' },
        ...(consent === null ? {} : { consent }),
        ...(first && visit.campaign !== null ? { campaign: visit.campaign } : {}),
      };
      const iso = new Date(t).toISOString();
      const base = { messageId: `ajs-next-${index.toString(16)}-${events.length.toString()}`, anonymousId, ...(userId === null ? {} : { userId }), timestamp: iso, originalTimestamp: iso, sentAt: iso, receivedAt: iso, context };
      let name: string | null = null;
      let body: Record<string, unknown>;
      if (type === 'identify') {
        logins += random() < 0.5 ? 1 : 0;
        body = { type, ...base, traits: { email: `customer${index.toString()}@example.com`, name: `Customer ${index.toString()}`, plan, logins, createdAt: '2025-11-20T08:30:00.000Z' } };
      } else if (type === 'page') {
        name = page.name;
        body = { type, ...base, name, properties: { path: page.path, title: page.title, url } };
      } else {
        name = trackName(random);
        const product = pick(random, products);
        body = {
          type, ...base, event: name,
          properties: name === 'Products Searched' || name === 'Article Read'
            ? { query: pick(random, queries), results: Math.floor(random() * 50) }
            : { product_id: product.id, sku: product.sku, name: product.name, category: product.category, price: product.price, currency: 'USD', quantity: 1 + Math.floor(random() * 3) },
        };
      }
      events.push({ type, name, timestamp: t, body, traitsChanged: false });
    }
  }
  return { id: `p_${index.toString(16).padStart(32, '0')}`, events, known };
}

/** What the collector keeps besides the knowledge: traits, times and counts (the other columns of `profiles`). */
export interface BuiltProfile {
  readonly id: string;
  readonly knowledge: KnowledgeState;
  readonly traits: TraitState;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly eventCounts: Record<string, number>;
}

/**
 * Applies a history as collection does, event by event: traits first (identify), then the
 * profile's first and last seen, then applyEventKnowledge with those facts.
 */
export function buildProfile(model: KnowledgeModel, history: ProfileHistory): BuiltProfile {
  const knowledge = emptyKnowledge();
  let traits = emptyTraits;
  let firstSeen = Number.POSITIVE_INFINITY;
  let lastSeen = Number.NEGATIVE_INFINITY;
  const eventCounts: Record<string, number> = {};
  for (const event of history.events) {
    let traitsChanged = false;
    if (event.type === 'identify') {
      const next = applyTraits(traits, event.body['traits'] as Record<string, unknown>, event.timestamp);
      traitsChanged = next !== traits;
      traits = next;
    }
    firstSeen = Math.min(firstSeen, event.timestamp);
    lastSeen = Math.max(lastSeen, event.timestamp);
    eventCounts[event.type] = (eventCounts[event.type] ?? 0) + 1;
    const facts: ProfileFacts = { id: history.id, traits: traits.values, firstSeen, lastSeen };
    applyEventKnowledge(knowledge, { ...event, traitsChanged }, facts, model);
  }
  return { id: history.id, knowledge, traits, firstSeen, lastSeen, eventCounts };
}
