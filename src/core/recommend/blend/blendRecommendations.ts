import type { Recommender, RecommendQuery } from '../Recommender.js';
import { boostedScore, type Boosts } from './boosts.js';
import { passesFilters, type BusinessFilters, type ItemMeta } from './businessFilters.js';
import { diversify, type Diversity } from './diversify.js';

/**
 * Blending: one answer for every visitor, from the recommender that suits what is known of
 * them, falling back down a chain that always ends with the popular items:
 *
 * | situation           | when                                   | chain                                            |
 * |---------------------|----------------------------------------|--------------------------------------------------|
 * | `known-user`        | more than `thinHistory` items          | collaborative, session, content, popular         |
 * | `thin-history`      | 1 to `thinHistory` items               | content, collaborative, session, popular         |
 * | `anonymous-session` | no history, a session with clicks      | session, content (over the session), popular     |
 * | `cold`              | nothing                                | popular                                          |
 *
 * A strategy whose recommender is absent (a model still training) or whose candidates all
 * fail the filters is skipped; the next fills the rest of the list. Per strategy, in order:
 * candidates -> business filters -> boosts -> diversity (against what is already chosen).
 */
export type Situation = 'known-user' | 'thin-history' | 'anonymous-session' | 'cold';
export type StrategyKind = 'collaborative' | 'session' | 'content' | 'popular';

export interface BlendSources {
  readonly collaborative?: Recommender | undefined;
  readonly session?: Recommender | undefined;
  readonly content?: Recommender | undefined;
  readonly popular: Recommender;
}

export interface BlendRequest<M extends ItemMeta = ItemMeta> {
  /** The user's items, oldest first (empty for an anonymous visitor). */
  readonly history: readonly number[];
  /** The user's index in the collaborative model, when there. */
  readonly user?: number | undefined;
  /** The current session's items, oldest first. */
  readonly session: readonly number[];
  readonly sessionKey?: string | undefined;
  readonly k: number;
  readonly meta: (item: number) => M | undefined;
  readonly filters?: BusinessFilters<M> | undefined;
  readonly boosts?: Boosts | undefined;
  readonly diversity?: Diversity | undefined;
  /** Histories this short count as thin (default 2). */
  readonly thinHistory?: number | undefined;
  /** Candidates asked of each strategy, as a multiple of k, before filters and diversity (default 4). */
  readonly poolFactor?: number | undefined;
}

export interface BlendedItem {
  readonly item: number;
  /** The strategy's score after boosts (scores of different strategies are not comparable). */
  readonly score: number;
  /** The recommender that proposed it (its name). */
  readonly strategy: string;
  /** The history item behind it, where the recommender says ("because you viewed X"). */
  readonly because?: number | undefined;
}

export interface BlendResult {
  readonly situation: Situation;
  /** The strategy the situation calls for first. */
  readonly preferred: StrategyKind;
  /** The strategy that gave the first item, when it is not the preferred one; undefined otherwise. */
  readonly fallback?: StrategyKind | undefined;
  /** The strategies that gave items, in order. */
  readonly used: readonly StrategyKind[];
  readonly items: readonly BlendedItem[];
}

export const chains: Readonly<Record<Situation, readonly StrategyKind[]>> = {
  'known-user': ['collaborative', 'session', 'content', 'popular'],
  'thin-history': ['content', 'collaborative', 'session', 'popular'],
  'anonymous-session': ['session', 'content', 'popular'],
  cold: ['popular'],
};

export function situationOf(request: Pick<BlendRequest, 'history' | 'session' | 'thinHistory'>): Situation {
  const thin = request.thinHistory ?? 2;
  if (request.history.length > thin) return 'known-user';
  if (request.history.length > 0) return 'thin-history';
  return request.session.length > 0 ? 'anonymous-session' : 'cold';
}

/**
 * @example blendRecommendations({ popular }, { history: [], session: [], k: 10, meta: (i) => catalog.get(i) })
 *   // { situation: 'cold', preferred: 'popular', used: ['popular'], items: [...] }
 */
export function blendRecommendations<M extends ItemMeta>(sources: BlendSources, request: BlendRequest<M>): BlendResult {
  const situation = situationOf(request);
  const chain = chains[situation];
  const pool = Math.max(request.k, 1) * (request.poolFactor ?? 4);
  const chosen: BlendedItem[] = [];
  const used: StrategyKind[] = [];
  for (const [position, kind] of chain.entries()) {
    if (chosen.length >= request.k) break;
    const recommender = sources[kind];
    if (recommender === undefined) continue;
    const taken = new Set(chosen.map((c) => c.item));
    const room = request.k - chosen.length;
    // The last resort looks deeper until the filters leave enough or it runs out of items, so
    // that strict filters still leave something to show when anything passes them.
    const last = position === chain.length - 1;
    let ask = last ? pool * 10 : pool;
    let picks = pickFrom(recommender, kind, request, ask, taken, room);
    while (last && picks.exhausted === false && picks.items.length < room) {
      ask *= 4;
      picks = pickFrom(recommender, kind, request, ask, taken, room);
    }
    if (picks.items.length === 0) continue;
    used.push(kind);
    chosen.push(...picks.items.map(({ because, ...rest }) => (because === undefined ? rest : { ...rest, because })));
  }
  const preferred = chain[0]!;
  const first = used[0];
  return { situation, preferred, ...(first !== undefined && first !== preferred ? { fallback: first } : {}), used, items: chosen };
}

/** One strategy's candidates -> filters -> boosts -> diversity; `exhausted` when it had fewer than asked. */
function pickFrom<M extends ItemMeta>(recommender: Recommender, kind: StrategyKind, request: BlendRequest<M>, ask: number, taken: ReadonlySet<number>, room: number): { items: BlendedItem[]; exhausted: boolean } {
  const raw = recommender.recommend(queryFor(kind, request, ask));
  const filters = request.filters ?? {};
  const candidates = raw
    .filter((c) => !taken.has(c.item) && passesFilters(c.item, request.meta(c.item), filters))
    .map((c) => ({ item: c.item, score: request.boosts === undefined ? c.score : boostedScore(c.score, request.meta(c.item), request.boosts), strategy: recommender.name, because: c.because }))
    .sort((a, b) => b.score - a.score || a.item - b.item);
  const items = request.diversity === undefined ? candidates.slice(0, room) : diversify(candidates, room, request.diversity, request.meta, [...taken]);
  return { items, exhausted: raw.length < ask };
}

function queryFor<M extends ItemMeta>(kind: StrategyKind, request: BlendRequest<M>, k: number): RecommendQuery {
  const exclude = request.filters?.exclude;
  switch (kind) {
    case 'collaborative': return { history: request.history, user: request.user, k, exclude };
    case 'session': return { history: request.session, session: request.sessionKey, k, exclude };
    case 'content': return { history: [...request.history, ...request.session], k, exclude };
    case 'popular': return { history: [], k, exclude };
  }
}
