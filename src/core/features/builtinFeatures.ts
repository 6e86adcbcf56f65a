import type { RuleValue } from '../rules/values.js';
import type { FeatureDefinition } from './FeatureDefinition.js';

/** Segment's e-commerce spec names the purchase event this way. */
export const orderEvent = 'Order Completed';

/**
 * An order that carries a revenue Attune can read (a number, or a string that is exactly one:
 * `number()` reads as features and metrics do). Only these are orders of the average order
 * value: dividing the revenue by orders that named no price (a shop that sends revenue on some
 * orders only, or `total` instead) would take them as orders worth 0 and understate it. The
 * built-in `aov` metric's denominator uses the same filter.
 */
export const pricedOrderWhere = 'exists(number(event.properties.revenue))';

/**
 * Lifetime value basics every workspace has. A workspace may redefine any of them (say, to
 * read `properties.total` instead of `properties.revenue`) by declaring a feature of the
 * same name.
 */
export const builtinFeatures: readonly FeatureDefinition[] = [
  { name: 'order_count', aggregate: 'count', events: [orderEvent], description: 'Orders, lifetime (frequency)' },
  { name: 'revenue', aggregate: 'sum', events: [orderEvent], property: 'properties.revenue', description: 'Revenue, lifetime (monetary)' },
  { name: 'priced_order_count', aggregate: 'count', events: [orderEvent], where: pricedOrderWhere, description: 'Orders with a revenue that could be read, lifetime: the average order value\'s denominator' },
  { name: 'first_order_at', aggregate: 'first', events: [orderEvent], property: 'timestamp', description: 'Time of the first order' },
  { name: 'last_order_at', aggregate: 'last', events: [orderEvent], property: 'timestamp', description: 'Time of the last order' },
  // Absent from the stored state until such an order: clean profiles carry no byte for it.
  {
    name: 'unreadable_revenue_orders', aggregate: 'count', events: [orderEvent],
    where: 'exists(event.properties.revenue) and not exists(number(event.properties.revenue))',
    description: 'Orders whose revenue is present but not a number ("12,50"): left out of average_order_value rather than taken as 0 (data quality)',
  },
];

/** The workspace's features with the built-ins it did not redefine. */
export function withBuiltinFeatures(definitions: readonly FeatureDefinition[]): FeatureDefinition[] {
  const own = new Set(definitions.map((d) => d.name));
  return [...builtinFeatures.filter((d) => !own.has(d.name)), ...definitions];
}

const dayMs = 86_400_000;

/**
 * Values derived from the built-ins and the profile at read time: recency, frequency and
 * monetary value (RFM), average order value (revenue over the priced orders), days since the
 * last order, first and last seen.
 */
export function derivedFeatures(values: Readonly<Record<string, RuleValue>>, profile: { firstSeen: number; lastSeen: number }, now: number): Record<string, RuleValue> {
  const order = orderDerivedFeatures(values, now);
  return {
    first_seen: new Date(profile.firstSeen).toISOString(),
    last_seen: new Date(profile.lastSeen).toISOString(),
    days_since_first_seen: Math.floor((now - profile.firstSeen) / dayMs),
    days_since_last_seen: Math.floor((now - profile.lastSeen) / dayMs),
    days_since_last_order: order.days_since_last_order,
    recency_days: order.recency_days,
    frequency: order.frequency,
    monetary: order.monetary,
    average_order_value: order.average_order_value,
  };
}

/** The derived values of `derivedFeatures` that read only the built-in order features and the time (not first and last seen). */
export function orderDerivedFeatures(values: Readonly<Record<string, RuleValue>>, now: number): OrderDerivedFeatures {
  const lastOrder = typeof values['last_order_at'] === 'string' ? Date.parse(values['last_order_at']) : NaN;
  const orders = typeof values['order_count'] === 'number' ? values['order_count'] : 0;
  const revenue = typeof values['revenue'] === 'number' ? values['revenue'] : 0;
  // An order without a readable revenue (none given, or "12,50") is an order (frequency), not
  // an order worth 0: the average is over the priced orders only.
  const priced = typeof values['priced_order_count'] === 'number' ? values['priced_order_count'] : 0;
  const daysSinceLastOrder = Number.isNaN(lastOrder) ? null : Math.floor((now - lastOrder) / dayMs);
  return {
    days_since_last_order: daysSinceLastOrder,
    recency_days: daysSinceLastOrder,
    frequency: orders,
    monetary: revenue,
    average_order_value: priced > 0 ? revenue / priced : null,
  };
}

export interface OrderDerivedFeatures {
  readonly days_since_last_order: number | null;
  readonly recency_days: number | null;
  readonly frequency: number;
  readonly monetary: number;
  readonly average_order_value: number | null;
}

/**
 * The features each value of `derivedFeatures` is computed from, besides the time: what must
 * stay unchanged for the value to be compared across two times by recomputing it. Null: it
 * reads the profile's first or last seen time too, which changes with events and is not kept,
 * so it counts as changed on every event. Keys are exactly those of `derivedFeatures`.
 */
export const derivedFeatureInputs: Readonly<Record<string, readonly string[] | null>> = {
  first_seen: null, last_seen: null, days_since_first_seen: null, days_since_last_seen: null,
  days_since_last_order: ['last_order_at'], recency_days: ['last_order_at'], frequency: ['order_count'],
  monetary: ['revenue'], average_order_value: ['revenue', 'priced_order_count'],
};

/** The features the derived values are computed from (`derivedFeatureInputs`, each once). */
export const derivedBaseFeatures: readonly string[] = [...new Set(Object.values(derivedFeatureInputs).flatMap((inputs) => inputs ?? []))];

/** The values of `derivedBaseFeatures` as `read` gives them: what `derivedFeatures` and `orderDerivedFeatures` take. */
export function derivedBaseValues(read: (name: string) => RuleValue): Record<string, RuleValue> {
  const base: Record<string, RuleValue> = {};
  for (const name of derivedBaseFeatures) base[name] = read(name);
  return base;
}

/** Types of the built-in and derived features, for the rules checker. */
export const builtinFeatureFields = {
  'features.order_count': 'number', 'features.priced_order_count': 'number', 'features.revenue': 'number', 'features.first_order_at': 'string',
  'features.last_order_at': 'string', 'features.unreadable_revenue_orders': 'number', 'features.first_seen': 'string', 'features.last_seen': 'string',
  'features.days_since_first_seen': 'number', 'features.days_since_last_seen': 'number',
  'features.days_since_last_order': 'number', 'features.recency_days': 'number', 'features.frequency': 'number',
  'features.monetary': 'number', 'features.average_order_value': 'number',
} as const;
