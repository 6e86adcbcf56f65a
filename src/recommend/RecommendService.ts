import type { RecommendedEntry } from '../core/decide/RecommendationSlot.js';
import type { Clock } from '../core/common/ports.js';
import { hasConsent } from '../core/consent/ConsentState.js';
import type { IdentityCheck, IdentityReading } from '../core/identity/identityCheck.js';
import type { KnowledgeModel } from '../core/knowledge/KnowledgeModel.js';
import type { ItemMeta } from '../core/recommend/blend/businessFilters.js';
import type { OnlineItemModels } from '../core/recommend/online/OnlineItemModels.js';
import { planRecommendation, popularRanking, recommendItems, type PopularRanking, type RecommendStrategy } from '../core/recommend/serve/recommendItems.js';
import type { ServedModel } from '../core/recommend/trained/servedModel.js';
import type { DecisionProfileRow, DecisionReader, Workspace } from '../store/ports.js';
import type { ContentModels } from './ContentModels.js';
import { itemReason } from './itemReason.js';
import type { LiveSessions } from './LiveSessions.js';

/** What the service needs of a catalog item (the catalog's Item has these and more). */
export interface CatalogEntry {
  readonly id: string;
  readonly title: string;
  readonly titles?: Readonly<Record<string, string>> | undefined;
  readonly category: readonly string[];
  readonly price: number | null;
  readonly currency: string | null;
  readonly availability: string;
}

export interface RecommendCall {
  readonly userId?: string | undefined;
  readonly anonymousId?: string | undefined;
  readonly strategy?: RecommendStrategy | undefined;
  /** The product on screen, the cart: the items the list is about. */
  readonly items?: readonly string[] | undefined;
  readonly count?: number | undefined;
  readonly locale?: string | undefined;
  readonly filters?: {
    readonly inStock?: boolean | undefined;
    readonly excludePurchased?: boolean | undefined;
    readonly excludeSeen?: boolean | undefined;
    readonly exclude?: readonly string[] | undefined;
    /** Category paths, broadest first: [["Men", "Shoes"]]. */
    readonly categories?: readonly (readonly string[])[] | undefined;
    readonly maxPerCategory?: number | undefined;
  } | undefined;
}

export interface RecommendAnswer {
  readonly profileId: string | null;
  readonly identity: IdentityCheck;
  /** Whether the profile's own history was used (false without a profile or without consent to personalise). */
  readonly personalized: boolean;
  readonly strategy: RecommendStrategy;
  readonly situation: string;
  /** The strategy that gave the first item when it is not the one asked for or called for. */
  readonly fallback: string | null;
  /** The trained collaborative model behind the `collaborative` strategy, when one is active. */
  readonly model: { readonly version: number; readonly kind: string } | null;
  /** The item shape recommendation slots render (the core's), so the two never drift apart. */
  readonly items: readonly RecommendedEntry[];
}

export interface RecommendServiceDeps {
  readonly reader: DecisionReader;
  readonly itemModels: (workspaceId: string) => Promise<OnlineItemModels>;
  /** The workspace's active trained model (RecommenderModels.served); undefined: none, co-occurrence serves. */
  readonly trainedModel: (workspaceId: string) => Promise<ServedModel | undefined>;
  readonly catalog: { getItems(workspaceId: string, ids: readonly string[]): Promise<(CatalogEntry | undefined)[]> };
  readonly knowledge: { get(workspaceId: string): Promise<KnowledgeModel> };
  readonly clock: Clock;
  /** Content similarity (new items, thin histories), in the online models' item space. */
  readonly contentModels: Pick<ContentModels, 'contentRecommender'>;
  /** Session kNN over the live sessions, in the online models' item space. */
  readonly sessions: Pick<LiveSessions, 'sessionRecommender' | 'sessionKey'>;
}

/**
 * Recommendations for a visitor: the profile's live item history (with consent to
 * personalise), the workspace's online models and its trained model (when one is active: the
 * collaborative source, scored from that live history, so a profile created after training is
 * served through it too), ranked by the pure core
 * (`recommendItems`), shown only where the catalog holds the item.
 */
/** A ranking is recomputed when events changed the models and it is older than this. */
const rankingMillis = 1000;

export class RecommendService {
  private readonly rankings = new Map<string, { models: OnlineItemModels; version: number; at: number; ranking: PopularRanking }>();

  constructor(private readonly deps: RecommendServiceDeps) {}

  /** The popular or trending ranking, kept while the models are unchanged (and at most a second when they change). */
  private ranking(workspaceId: string, models: OnlineItemModels, kind: 'popular' | 'trending', now: number): PopularRanking {
    const key = `${workspaceId}\u0000${kind}`;
    const kept = this.rankings.get(key);
    if (kept !== undefined && kept.models === models && (kept.version === models.version || now - kept.at < rankingMillis)) return kept.ranking;
    const ranking = popularRanking(models, kind, now);
    this.rankings.set(key, { models, version: models.version, at: now, ranking });
    return ranking;
  }

  async recommend(workspace: Workspace, call: RecommendCall, identity: IdentityReading): Promise<RecommendAnswer> {
    const userId = identity.read === 'as-given' ? call.userId ?? null : null;
    const anonymousId = call.anonymousId ?? null;
    const [models, trained, knowledge, profile] = await Promise.all([
      this.deps.itemModels(workspace.id),
      this.deps.trainedModel(workspace.id),
      this.deps.knowledge.get(workspace.id),
      this.profileOf(workspace.id, identity, userId, anonymousId),
    ]);
    const personalized = profile !== undefined && hasConsent(profile.knowledge.c, 'personalization', knowledge.consent);
    const strategy = call.strategy ?? 'auto';
    const now = this.deps.clock.now();
    const filters = call.filters ?? {};
    const input = {
      strategy,
      seeds: call.items ?? [],
      count: call.count ?? 10,
      history: personalized ? profile.knowledge.r : undefined,
      sessionStart: personalized ? profile.knowledge.s?.start ?? null : null,
      filters: {
        inStockOnly: filters.inStock ?? true,
        excludePurchased: filters.excludePurchased ?? true,
        excludeSeen: filters.excludeSeen ?? false,
        exclude: [...(filters.exclude ?? []), ...(call.items ?? [])],
        categories: filters.categories,
      },
      maxPerCategory: filters.maxPerCategory,
      now,
      ranking: this.ranking(workspace.id, models, strategy === 'popular' ? 'popular' : 'trending', now),
    };
    const [content, sessionKnn] = await Promise.all([
      this.deps.contentModels.contentRecommender(workspace.id, models.ids),
      this.deps.sessions.sessionRecommender(workspace.id, models.ids),
    ]);
    // Without consent the visitor's own session is not read: the session index learns from every
    // view (an aggregate), but its answer for this visitor would be personal.
    const sessionKey = personalized ? this.deps.sessions.sessionKey(workspace.id, profile.id) : undefined;
    const plan = planRecommendation(models, input, { trained, content, sessionKnn, sessionKey });
    const entries = new Map<string, CatalogEntry | undefined>();
    const fetch = async (ids: readonly string[]) => {
      const found = await this.deps.catalog.getItems(workspace.id, ids);
      ids.forEach((id, i) => entries.set(id, found[i]));
    };
    await fetch([...plan.candidates]);
    // null: not fetched yet (the ranking asks for it); undefined: the catalog lacks it.
    const meta = (id: string): ItemMeta | null | undefined => {
      if (!entries.has(id)) return null;
      const e = entries.get(id);
      return e === undefined ? undefined : { category: e.category, available: e.availability === 'in_stock' };
    };
    let result = recommendItems(plan, meta);
    // A later strategy filled the list with items not fetched yet: fetch them, rank again (the
    // recommenders remember their lists, so this costs the ranking only). Twice at most.
    for (let round = 0; round < 2 && result.missing.size > 0; round++) {
      await fetch([...result.missing]);
      result = recommendItems(plan, meta);
    }
    const title = (e: CatalogEntry) => (call.locale === undefined ? e.title : e.titles?.[call.locale] ?? e.titles?.[call.locale.split('-')[0]!] ?? e.title);
    return {
      profileId: profile?.id ?? null,
      identity: identity.check,
      personalized,
      strategy,
      situation: result.situation,
      fallback: result.fallback ?? null,
      model: trained === undefined ? null : { version: trained.version, kind: trained.kind },
      items: result.items.map((r) => {
        const e = entries.get(r.id)!;
        const because = r.because === undefined ? undefined : entries.get(r.because) ?? { title: r.because };
        return {
          id: r.id, title: title(e), category: e.category, price: e.price, currency: e.currency, availability: e.availability,
          score: r.score, strategy: r.strategy, reason: itemReason(r.strategy, because === undefined ? undefined : because.title), because: r.because ?? null,
        };
      }),
    };
  }

  private async profileOf(workspaceId: string, identity: IdentityReading, userId: string | null, anonymousId: string | null): Promise<DecisionProfileRow | undefined> {
    if (identity.read === 'anonymous-only') return anonymousId === null ? undefined : (await this.deps.reader.findAnonymousDecisionProfile(workspaceId, anonymousId)).profile;
    if (userId === null && anonymousId === null) return undefined;
    return this.deps.reader.findDecisionProfile(workspaceId, userId, anonymousId);
  }
}
