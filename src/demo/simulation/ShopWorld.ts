import { seededRandom, type Random } from '../../core/common/random.js';
import type { ActionDefinition } from '../../core/decide/ActionDefinition.js';
import type { PlacementDefinition } from '../../core/decide/PlacementDefinition.js';
import type { FeatureDefinition } from '../../core/features/FeatureDefinition.js';
import { drawBehaviour } from './customerBehaviour.js';
import { sampleGamma } from './sampling.js';

export { sampleGamma } from './sampling.js';

/** The shop's categories. Each has one personalized action (`<category>-promo`). */
export const shopCategories = ['shoes', 'bags', 'hats', 'outdoor', 'home'] as const;
export type ShopCategory = (typeof shopCategories)[number];

/** Price range of each category, in the shop's currency (USD). */
export const categoryPriceRanges: Readonly<Record<ShopCategory, { readonly min: number; readonly max: number }>> = {
  shoes: { min: 40, max: 180 },
  bags: { min: 30, max: 250 },
  hats: { min: 15, max: 60 },
  outdoor: { min: 20, max: 300 },
  home: { min: 10, max: 150 },
};

const productNouns: Readonly<Record<ShopCategory, readonly string[]>> = {
  shoes: ['Trail runner', 'Leather loafer', 'Canvas sneaker', 'Hiking boot', 'Sandal'],
  bags: ['Canvas tote', 'Leather satchel', 'Backpack', 'Weekender', 'Crossbody bag'],
  hats: ['Wool beanie', 'Sun hat', 'Baseball cap', 'Fedora', 'Bucket hat'],
  outdoor: ['Rain shell', 'Tent', 'Sleeping bag', 'Camp stove', 'Trekking poles'],
  home: ['Throw blanket', 'Candle set', 'Ceramic mug', 'Linen cushion', 'Table lamp'],
};

/** Locales the customers use, with a matching IANA time zone. */
export const customerLocales: readonly { readonly locale: string; readonly timeZone: string }[] = [
  { locale: 'en-US', timeZone: 'America/New_York' },
  { locale: 'en-GB', timeZone: 'Europe/London' },
  { locale: 'de-CH', timeZone: 'Europe/Zurich' },
  { locale: 'de-DE', timeZone: 'Europe/Berlin' },
  { locale: 'fr-FR', timeZone: 'Europe/Paris' },
];

export interface Product {
  readonly id: string;
  readonly name: string;
  readonly category: ShopCategory;
  readonly price: number;
  /** Where the price sits in its category's range: 0 the cheapest possible, 1 the dearest. */
  readonly priceLevel: number;
}

/**
 * A synthetic customer. `tastes`, `priceSensitivity`, the buying behaviour (`engagement`,
 * `visitRate`, `purchasePropensity`, `dropoutProbability`) and `value` are hidden: Attune
 * never sees them, only the events they cause. The simulation reads them.
 */
export interface Customer {
  readonly id: string;
  /** Index in `world.customers`: keys the customer's random streams. */
  readonly index: number;
  readonly anonymousId: string;
  /** Probability of each category being what the customer is after; sums to 1. */
  readonly tastes: Readonly<Record<ShopCategory, number>>;
  /** 0 (price does not matter) to 1 (dear products put the customer off). */
  readonly priceSensitivity: number;
  /**
   * Latent purchase rate, gamma-distributed with mean 1 (customerBehaviour.ts): raises both
   * `visitRate` and `purchasePropensity`, so engaged customers visit more and buy more.
   */
  readonly engagement: number;
  /** Probability of a visit on any one day while the customer is active. */
  readonly visitRate: number;
  /** Probability of buying on a visit with generic content and the cheapest products. */
  readonly purchasePropensity: number;
  /** Probability of leaving for good after each visit (no more visits from the next day on). */
  readonly dropoutProbability: number;
  /** Spend level: scales the basket (quantities and extra items); 0.5 to 3, mean about 1. */
  readonly value: number;
  readonly locale: string;
  readonly timeZone: string;
}

export interface ShopWorld {
  readonly seed: number;
  /** Midnight UTC of simulated day 0, ms since 1970. */
  readonly startsAt: number;
  readonly categories: readonly ShopCategory[];
  readonly products: readonly Product[];
  readonly productsByCategory: Readonly<Record<ShopCategory, readonly Product[]>>;
  readonly customers: readonly Customer[];
  /** The placement the demo decides for. */
  readonly placement: PlacementDefinition;
  /** One personalized action per category, then the generic banner. */
  readonly actions: readonly ActionDefinition[];
  /** The features the actions' rules read. */
  readonly features: readonly FeatureDefinition[];
  readonly genericActionId: string;
  /** The category each personalized action promotes, by action id (the generic banner has none). */
  readonly categoryOfAction: Readonly<Record<string, ShopCategory>>;
}

export interface ShopWorldOptions {
  readonly seed: number;
  /** Number of customers (default 500). */
  readonly customers?: number;
  /** Number of products (default 60), spread over the categories in turn. */
  readonly products?: number;
  /** Midnight UTC of day 0 (default 2025-03-03T00:00:00Z); must be a midnight UTC. */
  readonly startsAt?: number;
  /** Dirichlet concentration of the tastes (default 0.4: most customers favour one or two categories). */
  readonly tasteConcentration?: number;
}

export const DAY_MS = 86_400_000;
export const demoPlacementId = 'demo-hero';
export const genericActionId = 'generic-banner';
export const affinityFeature = 'category_affinity';
/** A category's action needs at least this much decayed interest (about one recent product view). */
export const affinityThreshold = 1;

export function promoActionId(category: ShopCategory): string {
  return `${category}-promo`;
}

/** A Dirichlet(alpha, ..., alpha) draw over the categories: non-negative, summing to 1. */
export function sampleTastes(alpha: number, random: Random): Record<ShopCategory, number> {
  const draws = shopCategories.map(() => sampleGamma(alpha, random));
  const total = draws.reduce((a, b) => a + b, 0);
  const tastes = {} as Record<ShopCategory, number>;
  shopCategories.forEach((category, i) => {
    tastes[category] = total > 0 ? draws[i]! / total : 1 / shopCategories.length;
  });
  return tastes;
}

function uniform(random: Random, min: number, max: number): number {
  return min + (max - min) * random.next();
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The feature the category actions read: decayed interest per category, from product views and adds. */
export function demoFeatures(): FeatureDefinition[] {
  return [{
    name: affinityFeature,
    description: 'Interest per product category, halving every 14 days',
    aggregate: 'decayed',
    events: ['Product Viewed', 'Product Added'],
    property: 'properties.category',
    halfLife: '14d',
  }, ...visitFeatures.map((name) => ({
    name,
    description: name === 'visits_7d' ? 'Visits in the last 7 days (one banner view a visit)' : 'Visits so far (one banner view a visit)',
    aggregate: 'count' as const,
    events: ['Decision Viewed'],
    ...(name === 'visits_7d' ? { window: '7d' } : {}),
  }))];
}

/** Engagement features the demo's prediction model learns from beside the purchases (engaged customers visit more). */
export const visitFeatures = ['visits_7d', 'visits'] as const;

/**
 * The rule of a category's action: the customer's decayed interest in it is at least
 * `affinityThreshold` and no other category's is higher (ties go to the higher priority).
 */
export function promoRule(category: ShopCategory): string {
  const score = (c: ShopCategory) => `(features.${affinityFeature}.${c} ?? 0)`;
  const others = shopCategories.filter((c) => c !== category).map((c) => `${score(category)} >= ${score(c)}`);
  return [`${score(category)} >= ${affinityThreshold}`, ...others].join(' and ');
}

/** The demo's placement: one banner, chosen by priority. */
export function demoPlacement(): PlacementDefinition {
  return {
    id: demoPlacementId, name: 'Demo shop hero banner', channel: 'web', count: 1, strategy: { kind: 'priority' },
    defaultContent: { title: 'Welcome to the shop', cta: 'Browse the catalog' },
  };
}

/**
 * The actions the demo configures: one promo per category (eligible for the customer's top
 * category; priorities 10, 9, ... break ties) and a generic banner for everyone else. No caps:
 * every visit is decided afresh, which is what `rulePolicy` in trueUplift.ts assumes.
 */
export function demoActions(): ActionDefinition[] {
  const promos: ActionDefinition[] = shopCategories.map((category, i) => ({
    id: promoActionId(category), name: `${category} promotion`, kind: 'banner', placements: [demoPlacementId],
    rule: promoRule(category), priority: 10 - i, value: 0,
    variants: { default: { title: `New in ${category}`, cta: `Shop ${category}`, category } },
  }));
  const generic: ActionDefinition = {
    id: genericActionId, name: 'Generic banner', kind: 'banner', placements: [demoPlacementId], priority: 1, value: 0,
    variants: { default: { title: 'New arrivals are in', cta: 'See what is new' } },
  };
  return [...promos, generic];
}

/**
 * A synthetic shop from a seed: a catalog (products with a category and a price), customers
 * with hidden tastes, price sensitivity and buying behaviour (customerBehaviour.ts),
 * and the placement, actions and features the demo configures. The same seed and options
 * give the same world.
 *
 * @example const world = createShopWorld({ seed: 7, customers: 200, products: 40 });
 */
export function createShopWorld(options: ShopWorldOptions): ShopWorld {
  const customerCount = options.customers ?? 500;
  const productCount = options.products ?? 60;
  const alpha = options.tasteConcentration ?? 0.4;
  const startsAt = options.startsAt ?? Date.UTC(2025, 2, 3);
  if (!Number.isInteger(customerCount) || customerCount < 1) throw new RangeError('customers must be a positive integer');
  if (!Number.isInteger(productCount) || productCount < shopCategories.length) throw new RangeError(`products must be an integer of at least ${shopCategories.length}`);
  if (!(alpha > 0)) throw new RangeError('tasteConcentration must be positive');
  if (!Number.isInteger(startsAt) || startsAt % DAY_MS !== 0) throw new RangeError('startsAt must be a midnight UTC');
  const random = seededRandom(options.seed);

  const products: Product[] = [];
  for (let i = 0; i < productCount; i++) {
    const category = shopCategories[i % shopCategories.length]!;
    const { min, max } = categoryPriceRanges[category];
    // Log-uniform: many cheaper products, a few dear ones.
    const price = round2(Math.min(max, Math.max(min, Math.exp(uniform(random, Math.log(min), Math.log(max))))));
    const nouns = productNouns[category];
    const name = `${nouns[Math.floor(i / shopCategories.length) % nouns.length]!} ${Math.floor(i / (shopCategories.length * nouns.length)) + 1}`;
    products.push({ id: `p-${String(i + 1).padStart(3, '0')}`, name, category, price, priceLevel: (price - min) / (max - min) });
  }
  const productsByCategory = {} as Record<ShopCategory, Product[]>;
  for (const category of shopCategories) productsByCategory[category] = products.filter((p) => p.category === category);

  const customers: Customer[] = [];
  for (let i = 0; i < customerCount; i++) {
    const tastes = sampleTastes(alpha, random);
    const place = customerLocales[Math.floor(random.next() * customerLocales.length)]!;
    customers.push({
      id: `c-${String(i + 1).padStart(5, '0')}`,
      index: i,
      anonymousId: `anon-${String(i + 1).padStart(5, '0')}`,
      tastes,
      priceSensitivity: round2(random.next()),
      ...drawBehaviour(random),
      locale: place.locale,
      timeZone: place.timeZone,
    });
  }

  const actions = demoActions();
  const categoryOfAction: Record<string, ShopCategory> = {};
  for (const category of shopCategories) categoryOfAction[promoActionId(category)] = category;
  return {
    seed: options.seed, startsAt, categories: shopCategories, products, productsByCategory, customers,
    placement: demoPlacement(), actions, features: demoFeatures(), genericActionId, categoryOfAction,
  };
}

/** The category a customer favours most (the first of equal ones). */
export function topCategory(customer: Customer): ShopCategory {
  let best: ShopCategory = shopCategories[0];
  for (const category of shopCategories) if (customer.tastes[category] > customer.tastes[best]) best = category;
  return best;
}
