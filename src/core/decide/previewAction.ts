import { seededRandom } from '../common/random.js';
import type { RuleValue } from '../rules/values.js';
import type { CompiledAction, DecisionModel } from './compileDecisionModel.js';
import { decisionFrame, type DecisionProfile } from './decide.js';
import { renderActionContent, variantOnChain } from './decisionSteps.js';

/** What an action would show one profile in one locale, and what would keep it from being shown. */
export interface ActionPreview {
  /** The locales tried, most specific first (de-CH, de, default). */
  readonly locales: readonly string[];
  /** The variant found on the chain, or null: the action would be skipped (no_variant). */
  readonly variant: string | null;
  /** That variant rendered as a decision renders it, or null without a variant. */
  readonly content: RuleValue | null;
  /** Whether the profile lets Attune personalise: without it only the context is filled in, as in a decision. */
  readonly personalization: boolean;
  /** Whether the eligibility rule holds for the profile now; null when the action has no rule (everyone). */
  readonly ruleHolds: boolean | null;
  /** Whether now is inside the action's schedule. */
  readonly inSchedule: boolean;
  /** Why the action could not be chosen at all (from compiling it), as its view lists them. */
  readonly problems: readonly string[];
}

/**
 * Renders an action (saved or not) for a profile and a request context through the decision's
 * own frame and render function, so the preview is what `decide` would answer once the action
 * is chosen: the same locale chain, the same template sources, the same consent rule (without
 * consent only `context` fills placeholders). Pure: the shell loads the model and the profile.
 *
 * @example previewAction(model, compileAction(definition, decisionRuleSchema(model.knowledge)), profile, { locale: 'de-CH' }, now)
 */
export function previewAction(model: DecisionModel, action: CompiledAction, profile: DecisionProfile, context: Readonly<Record<string, unknown>>, now: number): ActionPreview {
  // A preview decides nothing: no ids are issued, nothing random is drawn, no budget is read.
  const frame = decisionFrame(model, profile, { placements: [], context, explain: false }, {
    now, random: seededRandom(1), newDecisionId: () => 'preview', budgetUsed: () => undefined,
  });
  const found = variantOnChain(action.definition.variants, frame.locales);
  return {
    locales: frame.locales,
    variant: found?.locale ?? null,
    content: found === null ? null : renderActionContent(found.content, action, frame),
    personalization: frame.personalization,
    ruleHolds: action.rule === null ? null : action.rule.matches(frame.input),
    inSchedule: (action.start === null || now >= action.start) && (action.end === null || now < action.end),
    problems: action.problems,
  };
}
