import { blendRecommendations, type BlendSources, type Situation } from '../blend/blendRecommendations.js';
import type { ItemMeta } from '../blend/businessFilters.js';
import { cooccurrenceRecommender } from '../cooccurrence/cooccurrenceRecommender.js';
import { boughtItems, historyItems, itemsSince, seenItems, type ItemHistory } from '../history/itemHistory.js';
import type { OnlineItemModels } from '../online/OnlineItemModels.js';
import type { Recommender } from '../Recommender.js';
import { topK } from '../topK.js';
import { inItemSpace, type ServedModel } from '../trained/servedModel.js';

export const recommendStrategies = ['auto', 'collaborative', 'popular', 'trending', 'viewed-together', 'bought-together', 'session'] as const;
export type RecommendStrategy = (typeof recommendStrategies)[number];

/** What a request asks, with what is known of the visitor (nothing personal without consent). */
export interface RecommendInput {
  readonly strategy: RecommendStrategy;
  /** Items the list is about: the product on screen, the cart. */
  readonly seeds: readonly string[];
  readonly count: number;
  /** The profile's items; undefined for a visitor without a profile or without consent. */
  readonly history: ItemHistory | undefined;
  /** When the live session began (null: no live session). */
  readonly sessionStart: number | null;
  readonly filters: {
    readonly inStockOnly: boolean;
    readonly excludePurchased: boolean;
    readonly excludeSeen: boolean;
    readonly exclude: readonly string[];
    /** Category path prefixes; an item must be under one of them. */
    readonly categories: readonly (readonly string[])[] | undefined;
  };
  readonly maxPerCategory: number | undefined;
  readonly now: number;
}

export interface RecommendedItem {
  readonly id: string;
  readonly score: number;
  /** The recommender that proposed it. */
  readonly strategy: string;
  /** The seed or history item behind it ("because you viewed X"). */
  readonly because?: string | undefined;
}

export interface RecommendOutput {
  readonly situation: Situation | 'seeded';
  /** The strategy that gave the first item, when it is not the one the situation or the request called for. */
  readonly fallback: string | undefined;
  readonly items: readonly RecommendedItem[];
}

/** Candidates asked of each source before filters; the popular list is looked at deeper. */
const poolFactor = 4;
const popularDepth = 1000;

function indices(models: OnlineItemModels, ids: Iterable<string>): number[] {
  const out: number[] = [];
  for (const id of ids) {
    const i = models.ids.find(id);
    if (i !== undefined) out.push(i);
  }
  return out;
}

/** Trending by views, then (for items never viewed) by purchases: a list for everyone. */
function popularRecommender(models: OnlineItemModels, strategy: 'popular' | 'trending', now: number): Recommender {
  const scores = new Float64Array(models.ids.size);
  for (let i = 0; i < scores.length; i++) {
    const viewed = strategy === 'trending' ? models.trending('viewed', i, now) : models.popularity('viewed', i);
    const bought = strategy === 'trending' ? models.trending('bought', i, now) : models.popularity('bought', i);
    // Purchases weigh more than views: an order says more about an item than a look.
    scores[i] = viewed + 5 * bought;
  }
  return { name: strategy, recommend: (query) => topK(scores, query.k, query.exclude, 0) };
}

/**
 * The blend's sources. The collaborative source for known users is the workspace's trained
 * model (`trained`, scored from the visitor's live history, mapped by item id), or, while no
 * model is active, "viewed together" co-occurrence.
 */
function sources(models: OnlineItemModels, input: RecommendInput, trained: ServedModel | undefined): { sources: BlendSources; explicit: Recommender | undefined } {
  const viewedTogether = cooccurrenceRecommender(models.viewed, { name: 'viewed-together', measure: 'cosine' });
  const collaborative = trained === undefined ? viewedTogether : inItemSpace(trained, models.ids, 'collaborative');
  const boughtTogether = cooccurrenceRecommender(models.bought, { name: 'bought-together', measure: 'cosine', minPairCount: 1 });
  const session = cooccurrenceRecommender(models.viewed, { name: 'session', measure: 'cosine' });
  const popular = popularRecommender(models, input.strategy === 'popular' ? 'popular' : 'trending', input.now);
  const explicit = input.strategy === 'collaborative' ? collaborative
    : input.strategy === 'viewed-together' ? viewedTogether
    : input.strategy === 'bought-together' ? boughtTogether
      : input.strategy === 'session' ? session
        : input.strategy === 'popular' || input.strategy === 'trending' ? popular : undefined;
  return { sources: { collaborative, session, popular }, explicit };
}

/**
 * The candidate ids the request's sources would propose, so the shell can fetch their catalog
 * entries before ranking (filters and diversity read them synchronously).
 */
export function candidateIds(models: OnlineItemModels, input: RecommendInput, trained?: ServedModel): Set<string> {
  const { sources: s, explicit } = sources(models, input, trained);
  const pool = Math.max(1, input.count) * poolFactor * 4;
  const history = indices(models, [...historyItems(input.history), ...input.seeds]);
  const session = indices(models, [...itemsSince(input.history, input.sessionStart ?? Infinity), ...input.seeds]);
  const ids = new Set<string>();
  const add = (r: Recommender | undefined, h: number[], k: number) => {
    if (r !== undefined) for (const c of r.recommend({ history: h, k })) ids.add(models.ids.id(c.item));
  };
  add(explicit, history, pool);
  add(s.collaborative, history, pool);
  add(s.session, session, pool);
  add(s.popular, [], popularDepth);
  return ids;
}

/**
 * Ranks items for one request: the recommender the situation (or the request) calls for,
 * falling back down the blend's chain to the popular items; business filters, a per-category
 * cap and the catalog's knowledge of each item (`meta`: undefined for an item the catalog
 * does not hold, which is never shown: an item deleted after a model was trained included).
 * `trained`: the workspace's active collaborative model, when there is one.
 */
export function recommendItems(models: OnlineItemModels, input: RecommendInput, meta: (id: string) => ItemMeta | undefined, trained?: ServedModel): RecommendOutput {
  const { sources: s, explicit } = sources(models, input, trained);
  const exclude = new Set(indices(models, [
    ...input.filters.exclude,
    ...(input.filters.excludePurchased ? boughtItems(input.history) : []),
    ...(input.filters.excludeSeen ? seenItems(input.history) : []),
  ]));
  const metaOf = (item: number) => meta(models.ids.id(item));
  const request = {
    history: indices(models, [...historyItems(input.history), ...input.seeds]),
    session: indices(models, [...itemsSince(input.history, input.sessionStart ?? Infinity), ...input.seeds]),
    k: input.count,
    meta: metaOf,
    poolFactor,
    filters: {
      exclude,
      inStockOnly: input.filters.inStockOnly,
      categories: input.filters.categories,
      // The catalog must know an item for it to be shown: recommenders learn ids from events.
      where: () => true,
    },
    ...(input.maxPerCategory === undefined ? {} : { diversity: { kind: 'categoryCap' as const, maxPerCategory: input.maxPerCategory } }),
  };
  // An explicit strategy first, then the popular items to fill the list.
  const blended = explicit === undefined
    ? blendRecommendations(s, request)
    : blendRecommendations({ collaborative: explicit, popular: s.popular }, { ...request, thinHistory: -1 });
  const items = blended.items.map((b) => ({
    id: models.ids.id(b.item),
    score: b.score,
    strategy: b.strategy,
    ...(b.because === undefined ? {} : { because: models.ids.id(b.because) }),
  }));
  const preferred = explicit?.name ?? s[blended.preferred]?.name;
  const first = items[0]?.strategy;
  return {
    situation: explicit === undefined ? blended.situation : 'seeded',
    fallback: first !== undefined && first !== preferred ? first : undefined,
    items,
  };
}
