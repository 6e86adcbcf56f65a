import { blendRecommendations, chains, situationOf, type BlendSources, type Situation } from '../blend/blendRecommendations.js';
import type { ItemMeta } from '../blend/businessFilters.js';
import { cooccurrenceRecommender } from '../cooccurrence/cooccurrenceRecommender.js';
import { boughtItems, historyItems, itemsSince, seenItems, type ItemHistory } from '../history/itemHistory.js';
import type { OnlineItemModels } from '../online/OnlineItemModels.js';
import type { Recommender, ScoredItem } from '../Recommender.js';
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
  /** The popular or trending ranking (`popularRanking`) the caller kept; computed when absent. */
  readonly ranking?: PopularRanking | undefined;
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
  /** Ids the ranking met whose catalog entry the caller did not give (`meta` answered null): fetch them and rank again. */
  readonly missing: ReadonlySet<string>;
  readonly situation: Situation | 'seeded';
  /** The strategy that gave the first item, when it is not the one the situation or the request called for. */
  readonly fallback: string | undefined;
  readonly items: readonly RecommendedItem[];
}

/** Candidates asked of each source before filters, as a multiple of the count. */
const poolFactor = 4;

function indices(models: OnlineItemModels, ids: Iterable<string>): number[] {
  const out: number[] = [];
  for (const id of ids) {
    const i = models.ids.find(id);
    if (i !== undefined) out.push(i);
  }
  return out;
}

/** Every item with a positive score, best first (ties to the lower index), with its score. */
export interface PopularRanking {
  readonly items: Int32Array;
  readonly scores: Float64Array;
}

/**
 * Trending (decayed) or popular (all-time) items, views and purchases together: the list
 * for everyone. Purchases weigh more than views: an order says more about an item than a
 * look. Trending scores all decay by the same factor, so the order changes only with events;
 * callers may keep a ranking while the models are unchanged.
 */
export function popularRanking(models: OnlineItemModels, strategy: 'popular' | 'trending', now: number): PopularRanking {
  const scores = new Float64Array(models.ids.size);
  for (let i = 0; i < scores.length; i++) {
    const viewed = strategy === 'trending' ? models.trending('viewed', i, now) : models.popularity('viewed', i);
    const bought = strategy === 'trending' ? models.trending('bought', i, now) : models.popularity('bought', i);
    scores[i] = viewed + 5 * bought;
  }
  const positive: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i]! > 0) positive.push(i);
  positive.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return { items: Int32Array.from(positive), scores: Float64Array.from(positive, (i) => scores[i]!) };
}

function popularRecommender(ranking: PopularRanking, strategy: string): Recommender {
  return {
    name: strategy,
    recommend(query) {
      const out: { item: number; score: number }[] = [];
      for (let r = 0; r < ranking.items.length && out.length < query.k; r++) {
        const item = ranking.items[r]!;
        if (query.exclude?.has(item) !== true) out.push({ item, score: ranking.scores[r]! });
      }
      return out;
    },
  };
}

/**
 * A recommender that remembers its lists per history: the candidates are asked for once to
 * fetch their catalog entries, and again by the blend; the second time costs a filter.
 */
function remembering(recommender: Recommender): Recommender {
  const kept = new Map<string, { k: number; list: ScoredItem[] }>();
  return {
    name: recommender.name,
    recommend(query) {
      const key = `${query.history.join(',')}|${query.user ?? ''}|${query.session ?? ''}`;
      const need = query.k + (query.exclude?.size ?? 0);
      let entry = kept.get(key);
      // A list shorter than asked is complete: nothing more would come with a larger k.
      if (entry === undefined || (entry.k < need && entry.list.length === entry.k)) {
        const k = Math.max(need, entry?.k ?? 0);
        entry = { k, list: recommender.recommend({ ...query, k, exclude: undefined }) };
        kept.set(key, entry);
      }
      const exclude = query.exclude;
      return (exclude === undefined ? entry.list : entry.list.filter((c) => !exclude.has(c.item))).slice(0, query.k);
    },
  };
}

/** One request's recommenders and the ids they propose, before the catalog is read. */
export interface RecommendPlan {
  readonly models: OnlineItemModels;
  readonly input: RecommendInput;
  readonly sources: BlendSources;
  readonly explicit: Recommender | undefined;
  /**
   * Candidate ids whose catalog entries ranking reads (filters and diversity read them
   * synchronously): those of the first strategy and the last resort. Ranking reports the ids
   * it met without an entry given (`RecommendOutput.missing`); the caller fetches them and ranks again.
   */
  readonly candidates: ReadonlySet<string>;
  readonly history: readonly number[];
  readonly session: readonly number[];
  readonly sessionKey: string | undefined;
}

/** Recommenders beside the online models, each in their item space (`models.ids`). */
export interface PlanSources {
  /** The workspace's active trained model. */
  readonly trained?: ServedModel | undefined;
  /** Content similarity over the catalog. */
  readonly content?: Recommender | undefined;
  /** Session kNN over the live sessions. */
  readonly sessionKnn?: Recommender | undefined;
  /** The visitor's live session in the session index, so that it is not its own neighbour. */
  readonly sessionKey?: string | undefined;
}

/** `first`'s list, filled up with `then`'s: one strategy name for both. */
function firstThen(name: string, first: Recommender, then: Recommender): Recommender {
  return {
    name,
    recommend(query) {
      const head = first.recommend(query);
      if (head.length >= query.k) return head;
      const taken = new Set([...(query.exclude ?? []), ...head.map((c) => c.item)]);
      return [...head, ...then.recommend({ ...query, exclude: taken }).slice(0, query.k - head.length)];
    },
  };
}

/**
 * The blend's sources. The collaborative source for known users is the workspace's trained
 * model (scored from the visitor's live history, mapped by item id), or, while no model is
 * active, "viewed together" co-occurrence. The session source is session kNN over the live
 * sessions, filled up with co-occurrence over the session's items; content similarity serves
 * new items and thin histories.
 */
export function planRecommendation(models: OnlineItemModels, input: RecommendInput, extra: PlanSources = {}): RecommendPlan {
  const { trained } = extra;
  const viewedTogether = remembering(cooccurrenceRecommender(models.viewed, { name: 'viewed-together', measure: 'cosine' }));
  const collaborative = trained === undefined ? viewedTogether : remembering(inItemSpace(trained, models.ids, 'collaborative'));
  const boughtTogether = remembering(cooccurrenceRecommender(models.bought, { name: 'bought-together', measure: 'cosine', minPairCount: 1 }));
  const sessionTogether = cooccurrenceRecommender(models.viewed, { name: 'session', measure: 'cosine' });
  const session = remembering(extra.sessionKnn === undefined ? sessionTogether : firstThen('session', extra.sessionKnn, sessionTogether));
  const content = extra.content === undefined ? undefined : remembering({ name: 'content', recommend: (q) => extra.content!.recommend(q) });
  const kind = input.strategy === 'popular' ? 'popular' : 'trending';
  const popular = popularRecommender(input.ranking ?? popularRanking(models, kind, input.now), kind);
  const explicit = input.strategy === 'collaborative' ? collaborative
    : input.strategy === 'viewed-together' ? viewedTogether
    : input.strategy === 'bought-together' ? boughtTogether
      : input.strategy === 'session' ? session
        : input.strategy === 'popular' || input.strategy === 'trending' ? popular : undefined;
  const history = indices(models, [...historyItems(input.history), ...input.seeds]);
  const sessionItems = indices(models, [...itemsSince(input.history, input.sessionStart ?? Infinity), ...input.seeds]);
  // What the blend asks first: a pool per strategy, ten pools of the last resort.
  const pool = Math.max(1, input.count) * poolFactor;
  const candidates = new Set<string>();
  const add = (r: Recommender | undefined, h: readonly number[], k: number, sessionKey?: string) => {
    if (r !== undefined) for (const c of r.recommend({ history: h, k, session: sessionKey })) candidates.add(models.ids.id(c.item));
  };
  // Only the first strategy the answer will ask (and the last resort): the others are asked
  // only when the first leaves room, and their items' entries are fetched then (`missing`).
  if (explicit !== undefined) add(explicit, history, pool);
  else {
    const first = chains[situationOf({ history, session: sessionItems })][0];
    if (first === 'collaborative') add(collaborative, history, pool);
    else if (first === 'session') add(session, sessionItems, pool, extra.sessionKey);
    else if (first === 'content') add(content, [...history, ...sessionItems], pool);
  }
  add(popular, [], pool * 10);
  return { models, input, sources: { collaborative, session, content, popular }, explicit, candidates, history, session: sessionItems, sessionKey: extra.sessionKey };
}

/**
 * Ranks items for one request: the recommender the situation (or the request) calls for,
 * falling back down the blend's chain to the popular items; business filters, a per-category
 * cap and the catalog's knowledge of each item (`meta`: undefined for an item the catalog
 * does not hold, which is never shown: an item deleted after a model was trained included).
 * `trained`: the workspace's active collaborative model, when there is one.
 */
export function recommendItems(plan: RecommendPlan, meta: (id: string) => ItemMeta | null | undefined): RecommendOutput {
  const { models, input, sources: s, explicit } = plan;
  const missing = new Set<string>();
  const metaOf = (item: number): ItemMeta | undefined => {
    const id = models.ids.id(item);
    const found = meta(id);
    if (found === null) missing.add(id);
    return found ?? undefined;
  };
  const exclude = new Set(indices(models, [
    ...input.filters.exclude,
    ...(input.filters.excludePurchased ? boughtItems(input.history) : []),
    ...(input.filters.excludeSeen ? seenItems(input.history) : []),
  ]));
  const request = {
    history: plan.history,
    session: plan.session,
    sessionKey: plan.sessionKey,
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
    missing,
    situation: explicit === undefined ? blended.situation : 'seeded',
    fallback: first !== undefined && first !== preferred ? first : undefined,
    items,
  };
}
