import { checkCaps } from './caps.js';
import type { CompiledAction, CompiledPlacement } from './compileDecisionModel.js';
import { renderTemplate, type TemplateSources } from './renderTemplate.js';
import { chooseActions, type ScoredChoice } from './scoring.js';
import type { RuleValue } from '../rules/values.js';
import { assignArm } from '../experiments/assignArm.js';
import { firstWeights } from '../experiments/banditExperiment.js';
import type { Exposure } from '../experiments/experimentUnits.js';
import type { Candidate, Decision, DecisionFrame, DecisionReasons, DecisionStep, PlacementRun, PredictionReason, Skip } from './decisionTypes.js';
import type { CompiledRule } from '../rules/compileRule.js';
import { servesWithoutConsent, type RecommendationReason } from './RecommendationSlot.js';
import { recommendations, renderSlot, untrustedRoots } from './recommendationStep.js';
import { shadow } from './shadowStep.js';
import { compileContextual, contextualScoresOf } from './contextual.js';
import { scoreLearnedPropensity } from './learnedPropensity.js';
import { withField } from '../common/withField.js';

export type {
  CapHit, Candidate, Decision, DecisionEnvironment, ShadowDecision, DecisionFrame, DecisionReasons, DecisionRequest, DecisionStep, FallbackReason, PlacementRun, Skip, SkipReason,
} from './decisionTypes.js';

function skip(run: PlacementRun, frame: DecisionFrame, entry: Skip): void {
  if (frame.request.explain) run.skipped.push(entry);
}

function hasVariant(variants: Readonly<Record<string, unknown>>, locales: readonly string[]): boolean {
  for (const locale of locales) if (Object.hasOwn(variants, locale)) return true;
  return false;
}

/** Records a first exposure once per call; a stored unit was exposed before. */
function expose(frame: DecisionFrame, exposure: Exposure): void {
  if (frame.units !== undefined && Object.hasOwn(frame.units, exposure.experimentId)) return;
  if (frame.exposures.some((e) => e.experimentId === exposure.experimentId)) return;
  frame.exposures.push(exposure);
}

/**
 * The holdout and the placement's experiments, before anything else: the first running
 * experiment that takes the unit (stored arm first, then the hash) sets what the placement
 * serves. A held-out unit gets the default content unless an experiment that admits the
 * holdout (`excludeHoldout: false`) takes it. Without consent to personalise, or without an
 * id, neither applies (the consent step answers).
 */
export const experiment: DecisionStep = {
  name: 'experiment',
  run(run, frame) {
    if (frame.unitId === null || !frame.personalization || run.placement.problems.length > 0) return;
    const list = frame.model.knowledge.experiments.byPlacement.get(run.placement.id);
    if (list !== undefined && (servedStored(run, frame, list) || servedHashed(run, frame, list))) return;
    if (frame.heldOut) run.fallback = 'held_out';
  },
};

type PlacementExperiments = NonNullable<ReturnType<DecisionFrame['model']['knowledge']['experiments']['byPlacement']['get']>>;

/**
 * A unit keeps the arm it was given, whatever came since: another experiment on the placement,
 * the holdout switched on, new weights. So stored arms are looked at first, in every running
 * experiment of the placement.
 */
function servedStored(run: PlacementRun, frame: DecisionFrame, list: PlacementExperiments): boolean {
  const units = frame.units;
  if (units === undefined) return false;
  for (const e of list) {
    if (!Object.hasOwn(units, e.id)) continue;
    const assignment = assignArm(e.definition!, frame.unitId!, frame.env.now, { armId: units[e.id]!.a });
    if (assignment.reason === 'stored' && serve(run, e, assignment.armId!)) return true;
  }
  return false;
}

/**
 * The first running experiment whose hash takes the unit; a held-out unit only where the
 * experiment admits the holdout. A bandit experiment hashes with its weights in force and its
 * exposure carries the arm's exact probability under them and their version.
 */
function servedHashed(run: PlacementRun, frame: DecisionFrame, list: PlacementExperiments): boolean {
  for (const e of list) {
    const definition = e.definition!;
    if (frame.heldOut && definition.excludeHoldout !== false) continue;
    if (frame.units !== undefined && Object.hasOwn(frame.units, e.id)) continue;
    const inForce = e.bandit ? (frame.env.experimentWeights?.(e.id) ?? firstWeights(definition)) : null;
    const assignment = assignArm(definition, frame.unitId!, frame.env.now, null, inForce?.weights);
    if (assignment.armId === null || !serve(run, e, assignment.armId)) continue;
    if (inForce === null) expose(frame, { experimentId: e.id, armId: assignment.armId });
    else {
      const probability = inForce.probabilities[definition.arms.findIndex((arm) => arm.id === assignment.armId)] ?? 0;
      expose(frame, { experimentId: e.id, armId: assignment.armId, probability, weightsVersion: inForce.version });
    }
    return true;
  }
  return false;
}

/** Applies an arm to the placement's run; false for an arm the experiment no longer has. */
function serve(run: PlacementRun, e: PlacementExperiments[number], armId: string): boolean {
  const arm = e.arms.get(armId);
  if (arm === undefined) return false;
  run.experiment = { id: e.id, arm: armId };
  const what = arm.serve;
  if (what.kind === 'generic' || arm.problem !== null) run.fallback = 'experiment_generic';
  else if (what.kind === 'strategy') {
    run.strategy = what.strategy;
    run.propensity = arm.propensity;
  } else if (what.kind === 'actions') run.allowed = new Set(what.actionIds);
  return true;
}

/** Eligible actions: valid, enabled, in schedule, with a variant on the locale chain, whose rule holds. */
export const eligibility: DecisionStep = {
  name: 'eligibility',
  run(run, frame) {
    const now = frame.env.now;
    for (const action of run.placement.actions) {
      const id = action.id;
      if (run.allowed !== null && !run.allowed.has(id)) skip(run, frame, { actionId: id, step: 'eligibility', reason: 'not_in_arm', detail: `not served by arm ${run.experiment?.arm ?? ''}` });
      else if (action.problems.length > 0) skip(run, frame, { actionId: id, step: 'eligibility', reason: 'invalid', detail: action.problems[0]! });
      else if (!action.enabled) skip(run, frame, { actionId: id, step: 'eligibility', reason: 'disabled' });
      else if (action.start !== null && now < action.start) skip(run, frame, { actionId: id, step: 'eligibility', reason: 'not_started' });
      else if (action.end !== null && now >= action.end) skip(run, frame, { actionId: id, step: 'eligibility', reason: 'ended' });
      else if (!hasVariant(action.definition.variants, frame.locales)) skip(run, frame, { actionId: id, step: 'eligibility', reason: 'no_variant', detail: `no variant for ${frame.locales.join(' -> ')}` });
      else if (action.rule !== null && !action.rule.matches(frame.input)) skip(run, frame, { actionId: id, step: 'eligibility', reason: 'rule_false' });
      else run.candidates.push({ actionId: id, priority: action.definition.priority, value: action.definition.value, action });
    }
  },
};

/**
 * Without the personalization purpose, the answer is the default content, except for
 * recommendation slots that pick nothing by the person (servesWithoutConsent): their
 * non-personal lists (popular, item-to-item on the seed items) are as generic as the default.
 * A placement that cannot work answers its default content.
 */
export const consent: DecisionStep = {
  name: 'consent',
  run(run, frame) {
    if (run.placement.problems.length > 0) {
      run.fallback = 'placement_invalid';
      setAside(run, frame, 'placement_invalid', new Set());
      run.candidates = [];
    } else if (!frame.personalization) {
      const open = run.candidates.filter((c) => servesWithoutConsent(c.action.definition.recommend, c.action.rule, frame.env.recommendations?.(run.placement.id, c.actionId)));
      if (open.length === 0) run.fallback = 'no_consent';
      setAside(run, frame, 'no_consent', new Set(open.map((c) => c.actionId)));
      run.candidates = open;
    }
  },
};

/** Every action but those kept is skipped for `reason`, and nothing else is said of it. */
function setAside(run: PlacementRun, frame: DecisionFrame, reason: 'no_consent' | 'placement_invalid', kept: ReadonlySet<string>): void {
  // What eligibility found out about the profile is not explained either: every action was set aside for this reason.
  run.skipped.length = 0;
  for (const a of run.placement.actions) if (!kept.has(a.id)) skip(run, frame, { actionId: a.id, step: 'consent', reason });
}

/** Frequency caps: per profile, per placement, per channel and day, cool-downs and budgets. */
export const caps: DecisionStep = {
  name: 'caps',
  run(run, frame) {
    const kept: Candidate[] = [];
    const channel = run.placement.definition.channel;
    for (const candidate of run.candidates) {
      const rules = candidate.action.caps;
      if (rules === null) {
        kept.push(candidate);
        continue;
      }
      const result = checkCaps(frame.caps, rules, {
        actionId: candidate.actionId,
        placementId: run.placement.id,
        channel,
        now: frame.env.now,
        timeZone: frame.timeZone,
        sessionStart: frame.sessionStart,
        budgetUsed: rules.budget === undefined ? undefined : frame.env.budgetUsed(candidate.actionId),
      });
      if (result.ok) kept.push(candidate);
      else {
        run.capped.push({ actionId: candidate.actionId, cap: result.cap, detail: result.detail });
        skip(run, frame, { actionId: candidate.actionId, step: 'caps', reason: 'capped', detail: result.detail });
      }
    }
    run.candidates = kept;
  },
};

/**
 * The inputs of the placement's scoring strategy: the propensity when a rule gives it, a
 * bandit's allocation, a contextual model's probabilities (and the inputs it read, for the record).
 */
export const score: DecisionStep = {
  name: 'score',
  run(run, frame) {
    if (run.strategy.kind === 'contextual') {
      if (run.candidates.length === 0) return;
      const inputs = {};
      const settings = compileContextual(run.strategy);
      const scores = contextualScoresOf(settings, run.placement.id, run.candidates, frame.input, frame.env.contextualModels, inputs);
      // Literals of every field a candidate has before this step (the eligibility and
      // recommendations steps set them; scoring fields come only from here): a tenth of a copy's
      // cost, once per candidate at every decision (core/common/withField.ts). `satisfies`
      // lists every key of Candidate but the scores: a field added to it fails to compile here.
      run.candidates = run.candidates.map((c, i): Candidate => ({
        actionId: c.actionId, priority: c.priority, value: c.value, action: c.action, recommendation: c.recommendation, contextual: scores[i]!,
      } satisfies Record<Exclude<keyof Candidate, 'propensity' | 'learned' | 'banditWeight'>, unknown>));
      run.contextual = { inputs, models: [settings.key] };
      return;
    }
    if (run.strategy.kind === 'thompson' && run.candidates.length > 0) {
      const weights = frame.env.banditWeights?.(run.placement.id);
      if (weights !== undefined) {
        run.candidates = run.candidates.map((c) => {
          const banditWeight = weights.get(c.actionId);
          return banditWeight === undefined ? c : withField(c, 'banditWeight', banditWeight);
        });
      }
      return;
    }
    const learned = scoreLearnedPropensity(run.strategy, run.placement.id, run.candidates, frame.input, frame.env.propensityModels, run.contextual);
    if (learned !== null) ({ candidates: run.candidates, learning: run.contextual } = learned);
    const rule = run.propensity;
    if (rule === null || run.candidates.length === 0) return;
    const propensity = rule.evaluate(frame.input);
    run.candidates = run.candidates.map((c) => withField(c, 'propensity', propensity));
  },
};

/**
 * The choice: actions already shown in an earlier placement of the request are set aside,
 * then the strategy picks up to `count` (with the probability of each pick).
 */
export const arbitrate: DecisionStep = {
  name: 'arbitrate',
  run(run, frame) {
    const open = run.candidates.filter((c) => {
      if (!frame.chosen.has(c.actionId)) return true;
      skip(run, frame, { actionId: c.actionId, step: 'arbitrate', reason: 'chosen_elsewhere' });
      return false;
    });
    // What the strategy chose among: the shadow step scores the same set.
    run.candidates = open;
    run.choices = chooseActions(open, run.strategy, run.count, frame.env.random);
    for (const choice of run.choices) frame.chosen.add(choice.actionId);
    if (frame.request.explain) {
      const picked = new Set(run.choices.map((c) => c.actionId));
      for (const c of open) if (!picked.has(c.actionId)) skip(run, frame, { actionId: c.actionId, step: 'arbitrate', reason: 'not_chosen' });
    }
    // Without consent, only non-personal slots got this far.
    if (run.choices.length === 0) run.fallback = !frame.personalization ? 'no_consent' : run.capped.length > 0 ? 'all_capped' : 'no_eligible_action';
  },
};

/** The content variant for the request's locale: de-CH, then de, then default. */
export const chooseVariant: DecisionStep = {
  name: 'chooseVariant',
  run(run, frame) {
    run.variants = run.choices.map((choice) => {
      const found = variantOnChain(choice.candidate.action.definition.variants, frame.locales);
      // Eligibility let only actions with a variant on the chain through.
      if (found === null) throw new Error(`no variant for ${choice.actionId}`);
      return found;
    });
  },
};

/** The first variant on the locale chain (de-CH, de, default), with the locale it was found under; null when none is. */
export function variantOnChain(variants: Readonly<Record<string, unknown>>, locales: readonly string[]): { readonly locale: string; readonly content: RuleValue } | null {
  for (const locale of locales) {
    if (Object.hasOwn(variants, locale)) return { locale, content: variants[locale] as RuleValue };
  }
  return null;
}

function reasonsFor(run: PlacementRun, frame: DecisionFrame, choice: ScoredChoice<Candidate> | null, recommendation?: RecommendationReason): DecisionReasons {
  const rule = choice?.candidate.action.rule ?? null;
  const reasons: DecisionReasons = {
    rule: rule?.source ?? null,
    segments: rule === null ? [] : rule.segments.filter((s) => frame.inSegment(s)),
    terms: choice?.terms ?? [],
    strategy: run.strategy.kind,
    capped: run.capped.slice(0, 20),
    ...(run.fallback === null ? {} : { fallback: run.fallback }),
    ...(run.experiment === null ? {} : { experiment: run.experiment }),
    ...(recommendation === undefined ? {} : { recommendation }),
    // Scores and their features are about the person: only in an explained (secret-key) answer.
    ...(frame.request.explain ? predictionReasons([rule, run.placement.propensity], frame) : {}),
    ...(frame.request.explain ? { skipped: run.skipped } : {}),
  };
  return reasons;
}

const predictionsRoot = 'predictions.';
/** Per compiled rule, the predictions it reads: worked out once, not on every decision. */
const predictionReads = new WeakMap<CompiledRule, readonly string[]>();

function predictionsReadBy(rule: CompiledRule): readonly string[] {
  let fields = predictionReads.get(rule);
  if (fields === undefined) predictionReads.set(rule, fields = rule.reads.filter((path) => path.startsWith(predictionsRoot)));
  return fields;
}

/**
 * The predictions the rules read, with their values and top contributing features: a
 * win-back offer chosen because `predictions.churn_risk > 0.5` says which features made the
 * risk high. Scores come from the decision's own rule input (scored once per decision).
 */
function predictionReasons(rules: readonly (CompiledRule | null)[], frame: DecisionFrame): { predictions?: PredictionReason[] } {
  const fields: string[] = [];
  for (const rule of rules) if (rule !== null) for (const field of predictionsReadBy(rule)) if (!fields.includes(field)) fields.push(field);
  if (fields.length === 0) return {};
  const values = frame.input.predictions as Readonly<Record<string, unknown>> | undefined;
  const explanations = frame.input.explainPredictions?.() ?? {};
  return {
    predictions: fields.map((field) => {
      const name = field.slice(predictionsRoot.length);
      const value = values?.[name];
      return { field, value: typeof value === 'number' ? value : null, because: explanations[name] ?? [] };
    }),
  };
}

/**
 * The trusted roots of a template: what the workspace wrote. `content` is the content being
 * rendered, as written (so one field can insert another raw: `{{{ content.html }}}`);
 * `action` the chosen action's id, name and kind.
 */
function trustedRoots(content: RuleValue, action: CompiledAction | null): TemplateSources['trusted'] {
  if (action === null) return { content };
  const { id, name = null, kind = null } = action.definition;
  return { content, action: { id, name, kind } };
}

/**
 * An action's content variant rendered for a frame: the one rendering of an action's content,
 * shared by the render step and the studio's preview (previewAction), so a preview shows what
 * a decision would answer.
 */
export function renderActionContent(content: RuleValue, action: CompiledAction, frame: DecisionFrame): RuleValue {
  return renderTemplate(content, { trusted: trustedRoots(content, action), untrusted: untrustedRoots(frame) });
}

/**
 * The content with its `{{ }}` placeholders filled (HTML-escaped; `{{{ }}}` raw only for
 * workspace-written roots); without consent, from the context only.
 */
export const render: DecisionStep = {
  name: 'render',
  run(run, frame) {
    if (run.fallback !== null || run.choices.length === 0) {
      // Without consent to personalise, nothing of the profile goes into the page, whatever the fallback.
      const untrusted = untrustedRoots(frame);
      const content = (run.placement.definition.defaultContent ?? null) as RuleValue;
      run.decisions = [{
        decisionId: frame.env.newDecisionId(),
        actionId: null,
        variant: null,
        content: renderTemplate(content, { trusted: trustedRoots(content, null), untrusted }),
        score: null,
        probability: 1,
        reasons: reasonsFor(run, frame, null),
      }];
      return;
    }
    run.decisions = run.choices.map((choice, i): Decision => {
      const { locale, content } = run.variants[i]!;
      const action = choice.candidate.action;
      const decisionId = frame.env.newDecisionId();
      const { actionId, score, probability } = choice;
      const list = choice.candidate.recommendation;
      // Literals, not a spread of shared fields and then more (slow in Node 20: core/common/withField.ts).
      if (list === undefined) return { decisionId, actionId, variant: locale, score, probability, content: renderActionContent(content, action, frame), reasons: reasonsFor(run, frame, choice) };
      const slot = renderSlot(content, list, action.definition.recommend?.count, trustedRoots(content, action), untrustedRoots(frame));
      return { decisionId, actionId, variant: locale, score, probability, content: slot.content, reasons: reasonsFor(run, frame, choice, slot.reason), items: slot.items };
    });
  },
};

/**
 * A contextual placement's decisions carry the inputs read and the models that learn from them
 * (after the shadow step, which may add its own): recorded, and answered only with `explain`.
 */
export const contextualRecord: DecisionStep = {
  name: 'contextualRecord',
  run(run, frame) {
    const learning = run.contextual;
    if (learning === null) return;
    const explain = frame.request.explain;
    // withField, not a spread: see core/common/withField.ts.
    run.decisions = run.decisions.map((d) => (d.actionId === null ? d : explain ? { ...d, contextual: learning, reasons: { ...d.reasons, contextual: learning } } : withField(d, 'contextual', learning)));
  },
};

/** The pure steps, in order. The shell loads the profile before them and records after them. */
export const decisionSteps: readonly DecisionStep[] = [experiment, eligibility, consent, recommendations, caps, score, arbitrate, chooseVariant, render, shadow, contextualRecord];

/** The steps that still run once a step has chosen the default content. */
const afterFallback = new Set(['render']);

/** A placement's run before the first step: the placement's own strategy, no experiment. */
export function newPlacementRun(placement: CompiledPlacement, count: number): PlacementRun {
  return {
    placement, count, candidates: [], skipped: [], capped: [], fallback: null, choices: [], variants: [], decisions: [],
    experiment: null, strategy: placement.definition.strategy, propensity: placement.propensity, allowed: null, contextual: null,
  };
}

/** Runs the steps over one placement. */
export function runPlacement(placement: CompiledPlacement, count: number, frame: DecisionFrame, steps: readonly DecisionStep[] = decisionSteps): PlacementRun {
  const run = newPlacementRun(placement, count);
  for (const step of steps) {
    if (run.fallback !== null && !afterFallback.has(step.name)) continue;
    step.run(run, frame);
  }
  return run;
}

