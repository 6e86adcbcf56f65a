import { randomUUID } from 'node:crypto';
import { pick, seededRandom } from './random.js';

/**
 * A Segment-like workload: track, page and identify calls from a fixed population of users,
 * as analytics.js would send them (context, page, user agent, properties), in batches.
 *
 * Batches are built once as templates with a placeholder where each messageId goes; every
 * request fills the placeholders with a fresh prefix, so no two requests share a messageId
 * (duplicates would be nearly free to process and would flatter the figures).
 */

/** Where the unique part of each messageId goes in a template (plain ASCII: JSON leaves it as is). */
const placeholder = '@@MID@@';

export interface WorkloadOptions {
  readonly users: number;
  /** Share of users who have logged in: their events carry a userId, and only they send identify. */
  readonly knownUserShare: number;
  readonly batchSize: number;
  /** Distinct batch templates to cycle through. */
  readonly templates: number;
  readonly seed: number;
  /**
   * Products the track events name: the 6 of the list below by default (ingest, know), or this
   * many (`prod_<n>`, popularity falling as 1/rank, like a real catalog's) for the recommend benchmark.
   */
  readonly catalogSize?: number;
}

/** One event of a template, with what the raw SQLite floor stores in the row's columns. */
export interface TemplateEvent {
  readonly type: 'track' | 'page' | 'identify';
  readonly name: string | null;
  readonly userId: string | null;
  readonly anonymousId: string;
  /** Stands for the profile id Attune would give the user; the raw SQLite floor stores it. */
  readonly profileId: string;
  readonly timestamp: number;
  /** The event as JSON, with the messageId placeholder. */
  readonly json: string;
}

export interface BatchTemplate {
  readonly events: readonly TemplateEvent[];
  /** The request body split at each messageId placeholder. */
  readonly parts: readonly string[];
}

export interface Workload {
  readonly options: WorkloadOptions;
  readonly templates: readonly BatchTemplate[];
  /** Sizes of one event as sent (JSON, UTF-8 bytes, with a real messageId). */
  readonly eventBytes: { readonly mean: number; readonly min: number; readonly max: number };
  readonly bodyBytes: number;
  /** Share of each call type over all templates. */
  readonly mix: Readonly<Record<string, number>>;
}

/** The workload of the ingest and know benchmarks (know with batches of 100), so that their figures compare. */
export const benchWorkloadShape = { users: 10_000, knownUserShare: 0.4, templates: 200, seed: 20260302 } as const;

const products = [
  { id: 'prod_1042', sku: 'TSH-BLU-M', name: 'Organic Cotton T-Shirt', category: 'Apparel', price: 24.9 },
  { id: 'prod_2231', sku: 'SNK-WHT-42', name: 'Canvas Sneakers', category: 'Footwear', price: 69 },
  { id: 'prod_3310', sku: 'MUG-CER-01', name: 'Ceramic Coffee Mug', category: 'Kitchen', price: 12.5 },
  { id: 'prod_4478', sku: 'BKP-GRY-20', name: 'Commuter Backpack 20L', category: 'Bags', price: 89 },
  { id: 'prod_5126', sku: 'HDP-BLK-BT', name: 'Wireless Headphones', category: 'Electronics', price: 149 },
  { id: 'prod_6001', sku: 'BTL-STL-75', name: 'Steel Water Bottle', category: 'Outdoor', price: 29.95 },
];
const pages = [
  { path: '/', title: 'Home | Example Store', name: 'Home' },
  { path: '/collections/new', title: 'New arrivals | Example Store', name: 'New Arrivals' },
  { path: '/products/organic-cotton-t-shirt', title: 'Organic Cotton T-Shirt | Example Store', name: 'Product' },
  { path: '/cart', title: 'Your cart | Example Store', name: 'Cart' },
  { path: '/blog/how-we-source-cotton', title: 'How we source our cotton | Example Store', name: 'Article' },
  { path: '/search', title: 'Search | Example Store', name: 'Search' },
];
const agents = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
];
const trackEvents = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed', 'Products Searched', 'Article Read'];
const plans = ['free', 'starter', 'pro', 'enterprise'];
const locales = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES'];

interface User {
  readonly index: number;
  readonly anonymousId: string;
  readonly userId: string | null;
  readonly profileId: string;
  readonly agent: string;
  readonly locale: string;
  readonly ip: string;
}

function makeUsers(options: WorkloadOptions, random: () => number): User[] {
  return Array.from({ length: options.users }, (_, index) => ({
    index,
    anonymousId: randomUUID(),
    userId: random() < options.knownUserShare ? `user_${(100000 + index).toString()}` : null,
    profileId: randomUUID(),
    agent: pick(random, agents),
    locale: pick(random, locales),
    ip: `198.51.${Math.floor(index / 250).toString()}.${(index % 250).toString()}`,
  }));
}

const baseTime = Date.parse('2026-03-02T09:00:00.000Z');

type Product = (typeof products)[number];

/** A product of a catalog of `size`, by Zipf's law (weight 1/rank). */
function zipfProduct(size: number, random: () => number): Product {
  const harmonic = Math.log(size) + 0.5772;
  // Inverse of the continuous approximation of the harmonic numbers: cheap and close enough.
  const rank = Math.min(size, Math.max(1, Math.floor(Math.exp(random() * harmonic - 0.5772))));
  const base = products[rank % products.length]!;
  return { ...base, id: `prod_${rank.toString()}`, sku: `SKU-${rank.toString()}` };
}

function makeEvent(user: User, random: () => number, timestamp: number, messageId: string, catalogSize: number | undefined): TemplateEvent {
  const page = pick(random, pages);
  const roll = random();
  // Logged-in users identify now and then (analytics.js does on login and on many page loads).
  const type: TemplateEvent['type'] = user.userId !== null
    ? roll < 0.3 ? 'identify' : roll < 0.6 ? 'page' : 'track'
    : roll < 0.35 ? 'page' : 'track';
  const url = `https://shop.example.com${page.path}`;
  const context = { library: { name: 'analytics.js', version: '5.2.0' }, ip: user.ip, locale: user.locale, userAgent: user.agent };
  const ids = { anonymousId: user.anonymousId, ...(user.userId === null ? {} : { userId: user.userId }) };
  const iso = new Date(timestamp).toISOString();
  let event: Record<string, unknown>;
  let name: string | null;
  if (type === 'identify') {
    name = null;
    event = {
      type, messageId, ...ids, timestamp: iso, context,
      traits: {
        email: `customer${user.index.toString()}@example.com`, name: `Customer ${user.index.toString()}`,
        plan: pick(random, plans), logins: 1 + Math.floor(random() * 40), createdAt: '2025-11-20T08:30:00.000Z',
      },
    };
  } else if (type === 'page') {
    name = page.name;
    event = { type, messageId, ...ids, timestamp: iso, context, name, properties: { path: page.path, title: page.title, url } };
  } else {
    name = pick(random, trackEvents);
    const product = catalogSize === undefined ? pick(random, products) : zipfProduct(catalogSize, random);
    event = {
      type, messageId, ...ids, timestamp: iso, context, event: name,
      properties: name === 'Products Searched' || name === 'Article Read'
        ? { query: 'organic cotton', results: Math.floor(random() * 50) }
        : { product_id: product.id, sku: product.sku, name: product.name, category: product.category, price: product.price, currency: 'USD', quantity: 1 + Math.floor(random() * 3) },
    };
  }
  return { type, name, userId: user.userId, anonymousId: user.anonymousId, profileId: user.profileId, timestamp, json: JSON.stringify(event) };
}

/** Builds the templates; deterministic for a seed (apart from the random uuids). */
export function createWorkload(options: WorkloadOptions): Workload {
  const random = seededRandom(options.seed);
  const users = makeUsers(options, random);
  const templates: BatchTemplate[] = [];
  let eventIndex = 0;
  for (let t = 0; t < options.templates; t++) {
    const events: TemplateEvent[] = [];
    for (let i = 0; i < options.batchSize; i++) {
      const user = users[Math.floor(random() * users.length)]!;
      events.push(makeEvent(user, random, baseTime + eventIndex * 37, `${placeholder}-${i.toString().padStart(4, '0')}`, options.catalogSize));
      eventIndex++;
    }
    const sentAt = new Date(baseTime + eventIndex * 37 + 1500).toISOString();
    const body = `{"batch":[${events.map((e) => e.json).join(',')}],"sentAt":"${sentAt}"}`;
    templates.push({ events, parts: body.split(placeholder) });
  }
  const sample = messageIdPrefix(0, 0);
  const sizes = templates.flatMap((t) => t.events.map((e) => Buffer.byteLength(e.json.replace(placeholder, sample))));
  return {
    options,
    templates,
    eventBytes: { mean: sizes.reduce((a, b) => a + b, 0) / sizes.length, min: Math.min(...sizes), max: Math.max(...sizes) },
    bodyBytes: Buffer.byteLength(templates[0]!.parts.join(sample)),
    mix: Object.fromEntries(['track', 'page', 'identify'].map((type) => [type, templates.flatMap((t) => t.events).filter((e) => e.type === type).length / sizes.length])),
  };
}

/** A messageId prefix unique per (stream, request): like analytics.js's `ajs-next-<hex>`. */
function messageIdPrefix(stream: number, request: number): string {
  return `ajs-next-${stream.toString(16).padStart(4, '0')}${request.toString(16).padStart(12, '0')}`;
}

/**
 * Request bodies with fresh messageIds, cycling through the templates. Each stream has its
 * own id space, so streams against one database never collide either.
 */
export class BodySource {
  private next = 0;

  constructor(private readonly workload: Workload, private readonly stream: number) {}

  /** How many bodies were handed out. */
  get count(): number {
    return this.next;
  }

  body(): string {
    const n = this.next++;
    const template = this.workload.templates[n % this.workload.templates.length]!;
    return template.parts.join(messageIdPrefix(this.stream, n));
  }

  /** The events of the next batch, for the raw SQLite floor: messageId and body with the prefix filled in. */
  events(): { readonly template: BatchTemplate; readonly prefix: string } {
    const n = this.next++;
    return { template: this.workload.templates[n % this.workload.templates.length]!, prefix: messageIdPrefix(this.stream, n) };
  }
}

/** The messageId and stored JSON of a template event once its prefix is known. */
export function fillEvent(event: TemplateEvent, prefix: string, index: number): { readonly messageId: string; readonly json: string } {
  return { messageId: `${prefix}-${index.toString().padStart(4, '0')}`, json: event.json.replace(placeholder, prefix) };
}
