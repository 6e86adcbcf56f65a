import type { IdentityReading } from '../core/identity/identityCheck.js';
import { defaultSlotCount, type RecommendationList, type RecommendationLookup } from '../core/decide/RecommendationSlot.js';
import { slotKey, type SlotAsk } from '../core/decide/slotAsks.js';
import type { RecommendAnswer, RecommendCall } from '../recommend/RecommendService.js';
import type { Workspace } from '../store/ports.js';

/** What deciding needs of RecommendService: its one public call. */
export interface SlotRecommender {
  recommend(workspace: Workspace, call: RecommendCall, identity: IdentityReading): Promise<RecommendAnswer>;
}

/** Whose lists: the visitor's ids and how they count, or null to ask without them (no consent to personalise). */
export type SlotVisitor = { readonly userId: string | null; readonly anonymousId: string | null; readonly identity: IdentityReading } | null;

/** Without ids, RecommendService reads no profile: popular, trending, or item-to-item on the seeds. */
const nobody: IdentityReading = { check: 'anonymous', read: 'as-given' };

function listOf(answer: RecommendAnswer): RecommendationList {
  return { strategy: answer.strategy, personalized: answer.personalized, fallback: answer.fallback, items: answer.items };
}

/**
 * Fetches the lists of the slots a decide call may show, all at once, before the pure
 * pipeline runs (recommending reads the item models and the catalog, which is async). A
 * fetch that fails leaves its slot without a list: the slot is skipped (`no_recommendations`)
 * and the placement is filled by another action or its default content, never a 5xx.
 */
export async function fetchSlotLists(
  recommender: SlotRecommender,
  workspace: Workspace,
  asks: readonly SlotAsk[],
  visitor: SlotVisitor,
  locale: string | undefined,
  onError: (error: unknown) => void,
): Promise<RecommendationLookup | undefined> {
  if (asks.length === 0) return undefined;
  const ids = visitor === null ? {} : {
    ...(visitor.userId === null ? {} : { userId: visitor.userId }),
    ...(visitor.anonymousId === null ? {} : { anonymousId: visitor.anonymousId }),
  };
  const lists = new Map<string, RecommendationList>();
  await Promise.all(asks.map(async (ask) => {
    const call: RecommendCall = {
      ...ids,
      ...(ask.spec.strategy === undefined ? {} : { strategy: ask.spec.strategy }),
      items: ask.seeds,
      count: ask.spec.count ?? defaultSlotCount,
      locale,
      filters: ask.spec.filters,
    };
    try {
      lists.set(slotKey(ask.placementId, ask.actionId), listOf(await recommender.recommend(workspace, call, visitor?.identity ?? nobody)));
    } catch (error) {
      onError(error);
    }
  }));
  return (placementId, actionId) => lists.get(slotKey(placementId, actionId));
}
