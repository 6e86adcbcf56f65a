import type { DecisionModel } from './compileDecisionModel.js';
import type { DecisionRequest } from './decisionTypes.js';
import { seedItems, type RecommendationSpec } from './RecommendationSlot.js';

/** A list the shell should fetch before deciding: one slot in one placement asked for. */
export interface SlotAsk {
  readonly placementId: string;
  readonly actionId: string;
  readonly spec: RecommendationSpec;
  /** The product on screen, the cart: the ask's `items`, else `context.items`. */
  readonly seeds: readonly string[];
}

/**
 * The recommendation slots a request may show: those of the placements asked for (the first
 * ask of a placement named twice) that are valid, enabled and inside their schedule. Rules
 * are not evaluated here: they are the pipeline's, and a slot whose rule fails costs only its
 * fetch. Without slots in the placements asked for, nothing (and no fetch).
 *
 * @example slotAsks(model, { placements: [{ id: 'pdp-related', items: ['sku-1'] }], context: {}, explain: false }, now) // [{ placementId: 'pdp-related', actionId: 'also-viewed', spec: {...}, seeds: ['sku-1'] }]
 */
export function slotAsks(model: DecisionModel, request: DecisionRequest, now: number): SlotAsk[] {
  const asks: SlotAsk[] = [];
  const seen = new Set<string>();
  for (const ask of request.placements) {
    const placement = model.placements.get(ask.id);
    if (placement === undefined || seen.has(ask.id) || placement.problems.length > 0) continue;
    seen.add(ask.id);
    for (const action of placement.actions) {
      const spec = action.definition.recommend;
      if (spec === undefined || !action.enabled || action.problems.length > 0) continue;
      if ((action.start !== null && now < action.start) || (action.end !== null && now >= action.end)) continue;
      asks.push({ placementId: placement.id, actionId: action.id, spec, seeds: seedItems(ask.items, request.context) });
    }
  }
  return asks;
}

/** The key of a fetched list in the map the shell builds, for `DecisionEnvironment.recommendations`. */
export function slotKey(placementId: string, actionId: string): string {
  return `${placementId}\u0000${actionId}`;
}
