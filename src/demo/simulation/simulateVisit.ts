import { seededRandom, type Random } from '../../core/common/random.js';
import { DAY_MS, shopCategories, type Customer, type Product, type ShopCategory, type ShopWorld } from './ShopWorld.js';

/** What the placement showed on a visit: an action (null: nothing, the holdout's default content) and the category it promotes (null: generic). */
export interface Shown {
  readonly actionId: string | null;
  readonly category: string | null;
  /** The decision's id from decide; default `sim-<customer>-d<day>`. */
  readonly decisionId?: string;
  /** Default: the world's placement. */
  readonly placement?: string;
}

export type SimContext = {
  readonly locale: string;
  readonly timezone: string;
  readonly page: { readonly path: string; readonly title: string };
};

type SimCommon = {
  readonly userId: string;
  readonly anonymousId: string;
  /** ISO 8601, UTC. */
  readonly timestamp: string;
  /** Deterministic: `<customer>-d<day>-<n>`, so that a re-sent visit is stored once. */
  readonly messageId: string;
  readonly context: SimContext;
};

/** A Segment track call, as the Node SDK's `track` (and decide's `events`) take it. */
export type SimTrackEvent = SimCommon & { readonly type: 'track'; readonly event: string; readonly properties: Readonly<Record<string, unknown>> };
/** A Segment page call, as the Node SDK's `page` takes it. */
export type SimPageEvent = SimCommon & { readonly type: 'page'; readonly name: string; readonly properties: Readonly<Record<string, unknown>> };
export type SimEvent = SimTrackEvent | SimPageEvent;

export interface SimulatedVisit {
  /** The visit's Segment calls, in time order, all within the simulated day (UTC). */
  readonly events: readonly SimEvent[];
  readonly startsAt: number;
  readonly clicked: boolean;
  readonly ordered: boolean;
  /** The order's revenue; 0 without an order. */
  readonly revenue: number;
  /** The chance of an order this visit had, given what was shown and the product in focus. */
  readonly purchaseProbability: number;
}

/**
 * How much a banner for a category multiplies the chance to buy: 1 + BANNER_LIFT x (the
 * customer's taste for it - 1 / number of categories). Centred, so that a category drawn at
 * random is neutral on average for every customer: only a banner that meets the customer's
 * taste earns more than the generic one (which multiplies by 1), and a banner for a category
 * the customer ignores costs a little attention.
 */
export const BANNER_LIFT = 2;
/** A generic banner's click probability. */
export const GENERIC_CLICK = 0.04;
/** The fixed number of uniforms a visit draws, whatever was shown (common random numbers). */
export const UNIFORMS_PER_VISIT = 16;
const MAX_EXTRA_VIEWS = 3;
const CURRENCY = 'USD';

function isShopCategory(value: string | null): value is ShopCategory {
  return value !== null && (shopCategories as readonly string[]).includes(value);
}

/** The customer's hidden taste for a category; 0 for null or an unknown one. */
export function tasteFor(customer: Customer, category: string | null): number {
  return isShopCategory(category) ? customer.tastes[category] : 0;
}

/** Probability of a click on what was shown: a category banner by taste, the generic one flat, nothing never. */
export function clickProbability(customer: Customer, shown: Shown): number {
  if (shown.actionId === null) return 0;
  if (shown.category === null) return GENERIC_CLICK;
  return 0.02 + 0.5 * tasteFor(customer, shown.category);
}

/**
 * Probability of an order on a visit whose focus is `product`: the customer's propensity,
 * times a category banner's lift (BANNER_LIFT: up for a category the customer likes more
 * than average, a little down for one they ignore; the generic banner or nothing: 1),
 * lowered for dear products by price sensitivity.
 */
export function purchaseProbability(customer: Customer, shown: Shown, product: Product): number {
  const lift = shown.actionId === null || shown.category === null ? 1 : 1 + BANNER_LIFT * (tasteFor(customer, shown.category) - 1 / shopCategories.length);
  const priceFactor = 1 - 0.6 * customer.priceSensitivity * product.priceLevel;
  return Math.min(0.95, customer.purchasePropensity * lift * priceFactor);
}

/** A 32-bit hash of integers, to key independent random streams (seed, customer, day, purpose). */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return h >>> 0;
}

const START_STREAM = 0x5717;
const VISIT_STREAM = 0x7151;

/** When the customer's visit on `day` starts (between 07:00 and 21:00 UTC); independent of what is shown, so a decision can be asked for at that time. */
export function visitStartsAt(world: ShopWorld, customer: Customer, day: number): number {
  const u = seededRandom(mixSeed(world.seed, customer.index, day, START_STREAM)).next();
  return world.startsAt + day * DAY_MS + 7 * 3_600_000 + Math.floor(u * 14 * 3_600) * 1000;
}

/** The random stream of the customer's visit on `day`: the same in every arm, so arms differ only by what was shown. */
export function visitRandom(world: ShopWorld, customer: Customer, day: number): Random {
  return seededRandom(mixSeed(world.seed, customer.index, day, VISIT_STREAM));
}

/** Inverse CDF over weights: the index whose cumulative share first exceeds u. */
function pick(weights: readonly number[], u: number): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i]! / total;
    if (u < acc) return i;
  }
  return weights.length - 1;
}

function categoryByTaste(customer: Customer, u: number): ShopCategory {
  return shopCategories[pick(shopCategories.map((c) => customer.tastes[c]), u)]!;
}

/** A product of the category; price-sensitive customers look at cheaper ones. */
function productIn(world: ShopWorld, customer: Customer, category: ShopCategory, u: number): Product {
  const products = world.productsByCategory[category];
  return products[pick(products.map((p) => Math.exp(-3 * customer.priceSensitivity * p.priceLevel)), u)]!;
}

function productProperties(product: Product): Record<string, unknown> {
  return { product_id: product.id, sku: product.id.toUpperCase(), name: product.name, category: product.category, price: product.price, currency: CURRENCY };
}

/**
 * One visit of a customer on a simulated day, given what the placement showed: a home page
 * view, the decision's impression and maybe a click, product views (the first in the
 * clicked banner's category, else one the customer likes), and maybe an add to cart and an
 * order. The chance of an order comes from the hidden tastes meeting what was shown
 * (`purchaseProbability`); price sensitivity picks cheaper products and lowers the chance
 * for dear ones; the spend level (`value`) sizes the basket.
 *
 * The visit draws exactly UNIFORMS_PER_VISIT numbers from `random`, each for one purpose,
 * whatever was shown: two arms given equal streams (`visitRandom`) differ only where what
 * was shown matters (common random numbers).
 */
export function simulateVisit(world: ShopWorld, customer: Customer, day: number, shown: Shown, random: Random): SimulatedVisit {
  const u = Array.from({ length: UNIFORMS_PER_VISIT }, () => random.next());
  const at = (i: number) => u[i] ?? 0;
  const startsAt = visitStartsAt(world, customer, day);
  const gapMs = (20 + Math.floor(at(15) * 60)) * 1000;
  const events: SimEvent[] = [];
  let clock = startsAt;
  const common = (path: string, title: string): SimCommon => ({
    userId: customer.id,
    anonymousId: customer.anonymousId,
    timestamp: new Date(clock).toISOString(),
    messageId: `${customer.id}-d${day}-${events.length + 1}`,
    context: { locale: customer.locale, timezone: customer.timeZone, page: { path, title } },
  });
  const page = (name: string, path: string, properties: Record<string, unknown>) => {
    events.push({ ...common(path, name), type: 'page', name, properties: { path, ...properties } });
  };
  const track = (event: string, path: string, properties: Record<string, unknown>) => {
    events.push({ ...common(path, event), type: 'track', event, properties });
  };

  page('Home', '/', {});
  const decision = {
    decisionId: shown.decisionId ?? `sim-${customer.id}-d${day}`,
    actionId: shown.actionId ?? '',
    placement: shown.placement ?? world.placement.id,
    channel: world.placement.channel,
  };
  let clicked = false;
  if (shown.actionId !== null) {
    clock += 2000;
    track('Decision Viewed', '/', decision);
    clicked = at(1) < clickProbability(customer, shown);
    if (clicked) {
      clock += 6000;
      track('Decision Clicked', '/', decision);
    }
  }

  // The visit's focus: the clicked banner's category, else what the customer is after today.
  const focusCategory = clicked && isShopCategory(shown.category) ? shown.category : categoryByTaste(customer, at(2));
  const focus = productIn(world, customer, focusCategory, at(3));
  const viewProduct = (product: Product) => {
    clock += gapMs;
    const path = `/products/${product.id}`;
    page('Product', path, { category: product.category });
    clock += 1000;
    track('Product Viewed', path, productProperties(product));
  };
  viewProduct(focus);
  const extraViews = Math.floor(at(4) * (MAX_EXTRA_VIEWS + 1));
  for (let i = 0; i < extraViews; i++) viewProduct(productIn(world, customer, categoryByTaste(customer, at(5 + 2 * i)), at(6 + 2 * i)));

  // One uniform decides both the add to cart and the order, so an order always follows an add.
  const probability = purchaseProbability(customer, shown, focus);
  const added = at(11) < Math.min(1, 1.8 * probability);
  const ordered = at(11) < probability;
  const path = `/products/${focus.id}`;
  const quantity = Math.min(3, 1 + Math.floor(at(12) * customer.value * 0.6));
  if (added) {
    clock += gapMs;
    track('Product Added', path, { ...productProperties(focus), quantity, cart_id: `cart-${customer.id}-d${day}` });
  }
  let revenue = 0;
  if (ordered) {
    const basket: { product: Product; quantity: number }[] = [{ product: focus, quantity }];
    if (at(13) < Math.min(0.6, 0.15 * customer.value)) {
      const second = productIn(world, customer, focus.category, at(14));
      if (second.id !== focus.id) basket.push({ product: second, quantity: 1 });
    }
    revenue = Math.round(basket.reduce((sum, item) => sum + item.product.price * item.quantity, 0) * 100) / 100;
    const items = basket.map((item) => ({ ...productProperties(item.product), quantity: item.quantity }));
    clock += gapMs;
    page('Checkout', '/checkout', {});
    clock += gapMs;
    track('Order Completed', '/checkout', { order_id: `o-${customer.id}-d${day}`, total: revenue, revenue, currency: CURRENCY, products: items });
    if (shown.actionId !== null) {
      clock += 1000;
      track('Decision Converted', '/checkout', { ...decision, value: revenue });
    }
  }
  return { events, startsAt, clicked, ordered, revenue, purchaseProbability: probability };
}
