import { Type, type Static } from 'typebox';
import { formatCategoryPath } from '../catalog/categoryPath.js';
import type { RecommendStrategy } from '../recommend/serve/recommendItems.js';
import type { CompiledRule } from '../rules/compileRule.js';

/**
 * A recommendation slot: an action whose content is a list of items from a recommender,
 * its variant rendered once per item. The shell fetches the lists (recommending is async:
 * models, catalog) before the pure pipeline runs and hands them in as data
 * (`RecommendationLookup`); the pipeline only checks, renders and explains them.
 */

const ItemId = Type.String({ minLength: 1, maxLength: 256 });
const CategoryPath = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 10, description: 'Broadest first: ["Men", "Shoes"]' });

/** Business filters of a recommendation, for POST /v1/recommend and for recommendation slots alike. */
export const RecommendFilters = Type.Object({
  inStock: Type.Optional(Type.Boolean({ description: 'Only items in stock (default true)' })),
  excludePurchased: Type.Optional(Type.Boolean({ description: 'Leave out what the visitor bought (default true)' })),
  excludeSeen: Type.Optional(Type.Boolean({ description: 'Leave out what the visitor viewed recently (default false)' })),
  exclude: Type.Optional(Type.Array(ItemId, { maxItems: 200 })),
  categories: Type.Optional(Type.Array(CategoryPath, { maxItems: 20, description: 'Only items under one of these category paths' })),
  maxPerCategory: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Diversity: at most this many items per category' })),
}, { additionalProperties: false, title: 'RecommendFilters' });
export type RecommendFilters = Static<typeof RecommendFilters>;

// Spelled out (not mapped from recommendStrategies) so that Static<> keeps the union; the check below keeps the two equal.
export const RecommendStrategySchema = Type.Union([
  Type.Literal('auto'), Type.Literal('collaborative'), Type.Literal('popular'), Type.Literal('trending'), Type.Literal('viewed-together'), Type.Literal('bought-together'), Type.Literal('session'),
], {
  description: 'auto (default): the recommender that suits what is known of the visitor, falling back to trending items; collaborative (the trained model, or viewed-together while none is active); popular, trending, viewed-together, bought-together (on the seed items or the history), session',
});

type SameStrategies = [Static<typeof RecommendStrategySchema>] extends [RecommendStrategy] ? ([RecommendStrategy] extends [Static<typeof RecommendStrategySchema>] ? true : false) : false;
/** A compile error when the schema and the recommenders' list of strategies differ. */
export const strategiesAgree: SameStrategies = true;

/** Items a slot asks for when its definition does not say. */
export const defaultSlotCount = 4;

/**
 * What fills a recommendation slot. Seed items (the product on screen, the cart) come from
 * the decide call: the placement ask's `items`, else `context.items`.
 *
 * @example { "strategy": "viewed-together", "count": 4, "filters": { "inStock": true, "maxPerCategory": 2 } }
 */
export const RecommendationSpec = Type.Object({
  strategy: Type.Optional(RecommendStrategySchema),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, description: `Items at most (default ${defaultSlotCount})` })),
  minItems: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, description: 'With fewer items than this the action is skipped (no_recommendations) and another action or the default content fills the placement (default 1)' })),
  filters: Type.Optional(RecommendFilters),
}, {
  additionalProperties: false,
  title: 'RecommendationSlot',
  description: 'Makes the action a recommendation slot: its variant is rendered once per recommended item ({{ item.title }}, {{ item.price }}, {{ item.reason }}, ...) and the decision carries the items; with too few items it is skipped (no_recommendations). Seed items come from the placement ask\'s items, else context.items',
});
export type RecommendationSpec = Static<typeof RecommendationSpec>;

/** What makes a slot's definition unusable (the schema cannot say it), each with its field below `recommend`. */
export function slotProblems(spec: RecommendationSpec): { field: string; message: string }[] {
  const count = spec.count ?? defaultSlotCount;
  if (spec.minItems !== undefined && spec.minItems > count) return [{ field: 'minItems', message: `recommend.minItems ${spec.minItems} is more than recommend.count ${count}` }];
  return [];
}

/** One recommended item as the shell found it in the catalog (title in the request's locale). */
export interface RecommendedEntry {
  readonly id: string;
  readonly title: string;
  readonly category: readonly string[];
  readonly price: number | null;
  readonly currency: string | null;
  readonly availability: string;
  readonly score: number;
  /** The recommender that proposed it (a fallback's, when the one asked for had too little). */
  readonly strategy: string;
  /** In words: "because you viewed X", "trending now". */
  readonly reason: string;
  /** The seed or history item behind it. */
  readonly because: string | null;
}

/** The list fetched for one slot. */
export interface RecommendationList {
  /** The strategy asked for. */
  readonly strategy: string;
  /** Whether the visitor's own history was used: never without consent to personalise. */
  readonly personalized: boolean;
  /** The strategy that gave the first item, when not the one asked for or called for. */
  readonly fallback: string | null;
  readonly items: readonly RecommendedEntry[];
}

/** The lists the shell fetched, by placement and action; undefined: none was fetched. */
export type RecommendationLookup = (placementId: string, actionId: string) => RecommendationList | undefined;

/** One item of a chosen slot, as the answer lists it: `content[i]` of the decision is `items[i]` rendered. */
export interface DecisionItem {
  readonly id: string;
  readonly score: number;
  readonly strategy: string;
  readonly reason: string;
  readonly because: string | null;
}

/** What the explanation says of a chosen slot's list. */
export interface RecommendationReason {
  readonly strategy: string;
  readonly personalized: boolean;
  readonly fallback: string | null;
  readonly items: number;
}

/**
 * Whether a slot may be shown to a visitor who has not consented to personalization: its
 * eligibility must read the request context alone (no profile, features, session, segment or
 * consent lookup), so that nothing about the person picks it; its list is then non-personal
 * (popular, trending, or item-to-item on the seed items), which the shell guarantees by
 * asking without the visitor's ids.
 */
export function servesWithoutConsent(spec: RecommendationSpec | undefined, rule: CompiledRule | null, list: RecommendationList | undefined): boolean {
  if (spec === undefined) return false;
  if (list !== undefined && list.personalized) return false;
  if (rule === null) return true;
  return rule.segments.length === 0 && !rule.usesConsent && rule.roots.every((root) => root === 'context');
}

/** The item as templates read it under `item`: `{{ item.title }}`, `{{ item.price }}`, ... */
export function itemTemplateData(entry: RecommendedEntry, position: number): Record<string, unknown> {
  return {
    id: entry.id,
    title: entry.title,
    category: formatCategoryPath(entry.category),
    price: entry.price,
    currency: entry.currency,
    availability: entry.availability,
    score: entry.score,
    strategy: entry.strategy,
    reason: entry.reason,
    because: entry.because,
    position: position + 1,
  };
}

/** The item ids a decide call names as seeds: the ask's own, else `context.items` (strings only, at most 50). */
export function seedItems(askItems: readonly string[] | undefined, context: Readonly<Record<string, unknown>>): string[] {
  if (askItems !== undefined) return askItems.slice(0, 50);
  const listed = context['items'];
  if (!Array.isArray(listed)) return [];
  return listed.filter((id): id is string => typeof id === 'string' && id.length > 0 && id.length <= 256).slice(0, 50);
}
