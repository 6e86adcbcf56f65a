import type { RuleValue } from '../rules/values.js';
import type { Candidate, DecisionFrame, DecisionStep } from './decisionTypes.js';
import { defaultSlotCount, itemTemplateData, type DecisionItem, type RecommendationList, type RecommendationReason } from './RecommendationSlot.js';
import { renderTemplate, type TemplateSources } from './renderTemplate.js';

/**
 * Recommendation slots: a slot without enough items is skipped (`no_recommendations`) so that
 * another action or the default content fills the placement; a slot with them carries its
 * list on, and competes, is capped and is explained as one action. Runs after consent (which
 * has already set aside what a visitor without consent may not see) and before caps.
 */
export const recommendations: DecisionStep = {
  name: 'recommendations',
  run(run, frame) {
    let kept: Candidate[] | null = null;
    const candidates = run.candidates;
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[i]!;
      const spec = candidate.action.definition.recommend;
      if (spec === undefined) {
        kept?.push(candidate);
        continue;
      }
      // Most placements hold no slot: their candidates are left as they were, without a copy.
      kept ??= candidates.slice(0, i);
      const list = frame.env.recommendations?.(run.placement.id, candidate.actionId);
      const min = spec.minItems ?? 1;
      if (list !== undefined && list.items.length >= min) kept.push({ ...candidate, recommendation: list });
      else if (frame.request.explain) {
        run.skipped.push({ actionId: candidate.actionId, step: 'recommendations', reason: 'no_recommendations', detail: shortfall(list, min) });
      }
    }
    if (kept !== null) run.candidates = kept;
  },
};

function shortfall(list: RecommendationList | undefined, min: number): string {
  if (list === undefined) return 'no list was fetched for it';
  const what = list.items.length === 0 ? 'no items' : `${list.items.length} item(s), fewer than ${min}`;
  return `${list.strategy}${list.personalized ? '' : ' (non-personal)'}: ${what}`;
}

/** A chosen slot's content, items and explanation: its variant rendered once per item, `item` beside the other untrusted roots. */
export function renderSlot(
  variant: RuleValue,
  list: RecommendationList,
  count: number | undefined,
  trusted: TemplateSources['trusted'],
  untrusted: Readonly<Record<string, unknown>>,
): { content: RuleValue; items: DecisionItem[]; reason: RecommendationReason } {
  const shown = list.items.slice(0, count ?? defaultSlotCount);
  // Item fields are catalog data, but catalogs are often imported from feeds: escaped like callers' values.
  const content = shown.map((entry, i) => renderTemplate(variant, { trusted, untrusted: { ...untrusted, item: itemTemplateData(entry, i) } }));
  const items = shown.map(({ id, score, strategy, reason, because }) => ({ id, score, strategy, reason, because }));
  return { content, items, reason: { strategy: list.strategy, personalized: list.personalized, fallback: list.fallback, items: shown.length } };
}

/** The untrusted roots of a frame's templates: without consent to personalise, the request context alone. */
export function untrustedRoots(frame: DecisionFrame): Readonly<Record<string, unknown>> {
  return frame.personalization ? frame.templateData : { context: frame.request.context };
}
