import type { Random } from '../common/random.js';
import type { RuleInput } from '../rules/compileRule.js';
import type { RuleValue } from '../rules/values.js';
import { checkCaps, type CapKind, type CapState } from './caps.js';
import type { CompiledAction, CompiledPlacement, DecisionModel } from './compileDecisionModel.js';
import { renderTemplate, type TemplateSources } from './renderTemplate.js';
import { chooseActions, type ScoredChoice, type ScoreTerm, type ScoringCandidate, type ScoringStrategy } from './scoring.js';
import type { CompiledRule } from '../rules/compileRule.js';
import { assignArm } from '../experiments/assignArm.js';
import type { Exposure, ExperimentUnits } from '../experiments/experimentUnits.js';

/** What the caller asks for. */
export interface DecisionRequest {
  readonly placements: readonly { readonly id: string; readonly count?: number | undefined }[];
  /** Segment's context object: locale, timezone, page, ...; rules read it as `context`. */
  readonly context: Readonly<Record<string, unknown>>;
  /** List every skipped action and why, in the reasons. */
  readonly explain: boolean;
}

/** The shell's side of a decision: clock, randomness, ids and the global budget counts. */
export interface DecisionEnvironment {
  readonly now: number;
  readonly random: Random;
  readonly newDecisionId: () => string;
  /** Impressions of an action across all profiles so far; undefined when unknown. */
  readonly budgetUsed: (actionId: string) => number | undefined;
  /**
   * The id a visitor Attune has not seen will have once their first event is stored (the
   * shell derives it as the collect path does): experiments and the holdout assign by it.
   */
  readonly unitId?: string | null;
}

/**
 * What every placement of one request shares, computed once by the load step: the rule
 * input (profile, features, session, context), the current segments, consent, cap state,
 * time zone and locale chain.
 */
export interface DecisionFrame {
  readonly model: DecisionModel;
  readonly request: DecisionRequest;
  readonly env: DecisionEnvironment;
  readonly profileId: string | null;
  readonly input: RuleInput;
  /** Whether the profile is in a segment now (evaluated on first use). */
  readonly inSegment: (id: string) => boolean;
  /** Every segment the profile is in now, in dependency order (for the decision record). */
  readonly segmentSnapshot: () => string[];
  readonly personalization: boolean;
  readonly caps: CapState;
  readonly timeZone: string | null;
  readonly locales: readonly string[];
  readonly sessionStart: number | undefined;
  /**
   * The untrusted roots `{{ }}` placeholders read: profile (id, traits), features, session,
   * context. Always escaped: people and callers wrote them (`TemplateSources`).
   */
  readonly templateData: Readonly<Record<string, unknown>>;
  /** Actions already chosen for an earlier placement of this request: one action, one place per page. */
  readonly chosen: Set<string>;
  /** The id experiments assign by: the profile's, or the one an unseen visitor will get; null without either. */
  readonly unitId: string | null;
  /** The profile's experiment units (stored arms: assignment is sticky). */
  readonly units: ExperimentUnits | undefined;
  /** In the workspace holdout: every placement answers with its default content. */
  readonly heldOut: boolean;
  /** First exposures of this call, for the shell to log (`Experiment Viewed`). */
  readonly exposures: Exposure[];
}

export interface Candidate extends ScoringCandidate {
  readonly action: CompiledAction;
}

export type SkipReason =
  | 'invalid' | 'disabled' | 'not_started' | 'ended' | 'no_variant' | 'rule_false'
  | 'no_consent' | 'placement_invalid' | 'capped' | 'chosen_elsewhere' | 'not_chosen' | 'not_in_arm';

export interface Skip {
  readonly actionId: string;
  readonly step: string;
  readonly reason: SkipReason;
  readonly detail?: string;
}

export interface CapHit {
  readonly actionId: string;
  readonly cap: CapKind;
  readonly detail: string;
}

/**
 * Why the answer is the placement's default content. `held_out`: the profile is in the
 * workspace holdout; `experiment_generic`: its experiment arm serves the generic content.
 */
export type FallbackReason = 'no_consent' | 'no_eligible_action' | 'all_capped' | 'placement_invalid' | 'held_out' | 'experiment_generic';

export interface DecisionReasons {
  readonly rule: string | null;
  readonly segments: readonly string[];
  readonly terms: readonly ScoreTerm[];
  readonly strategy: string;
  readonly capped: readonly CapHit[];
  readonly fallback?: string;
  /** The experiment and arm that served this placement. */
  readonly experiment?: { readonly id: string; readonly arm: string };
  readonly skipped?: readonly Skip[];
}

/** One thing to show: an action's rendered variant, or the placement's default content (actionId null). */
export interface Decision {
  readonly decisionId: string;
  readonly actionId: string | null;
  readonly variant: string | null;
  readonly content: RuleValue;
  readonly score: number | null;
  readonly probability: number;
  readonly reasons: DecisionReasons;
}

/** The state of one placement as it moves through the steps. */
export interface PlacementRun {
  readonly placement: CompiledPlacement;
  readonly count: number;
  candidates: Candidate[];
  readonly skipped: Skip[];
  readonly capped: CapHit[];
  fallback: FallbackReason | null;
  choices: ScoredChoice<Candidate>[];
  /** Per choice, the variant's locale and content, from chooseVariant. */
  variants: { readonly locale: string; readonly content: RuleValue }[];
  decisions: Decision[];
  /** Set by the experiment step: the arm serving this placement, and what it changes. */
  experiment: { readonly id: string; readonly arm: string } | null;
  strategy: ScoringStrategy;
  propensity: CompiledRule | null;
  /** An `actions` arm's actions: the only candidates. */
  allowed: ReadonlySet<string> | null;
}

/**
 * A step of the decision pipeline: small, named, and working on one placement's run in
 * place (a decision is on the hot path; a step that allocated a new run per call would
 * cost more than it does). A step that decides the answer is the default content sets
 * `fallback`; the runner then skips to rendering. Model-based scoring (later) is one more step.
 */
export interface DecisionStep {
  readonly name: string;
  run(run: PlacementRun, frame: DecisionFrame): void;
}

function skip(run: PlacementRun, frame: DecisionFrame, entry: Skip): void {
  if (frame.request.explain) run.skipped.push(entry);
}

function hasVariant(variants: Readonly<Record<string, unknown>>, locales: readonly string[]): boolean {
  for (const locale of locales) if (Object.hasOwn(variants, locale)) return true;
  return false;
}

/** Records a first exposure once per call; a stored unit was exposed before. */
function expose(frame: DecisionFrame, experimentId: string, armId: string): void {
  if (frame.units !== undefined && Object.hasOwn(frame.units, experimentId)) return;
  if (frame.exposures.some((e) => e.experimentId === experimentId)) return;
  frame.exposures.push({ experimentId, armId });
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

/** The first running experiment whose hash takes the unit; a held-out unit only where the experiment admits the holdout. */
function servedHashed(run: PlacementRun, frame: DecisionFrame, list: PlacementExperiments): boolean {
  for (const e of list) {
    const definition = e.definition!;
    if (frame.heldOut && definition.excludeHoldout !== false) continue;
    if (frame.units !== undefined && Object.hasOwn(frame.units, e.id)) continue;
    const assignment = assignArm(definition, frame.unitId!, frame.env.now, null);
    if (assignment.armId === null || !serve(run, e, assignment.armId)) continue;
    expose(frame, e.id, assignment.armId);
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

/** Without the personalization purpose, the answer is the default content; so is a placement that cannot work. */
export const consent: DecisionStep = {
  name: 'consent',
  run(run, frame) {
    if (run.placement.problems.length > 0) {
      run.fallback = 'placement_invalid';
    } else if (!frame.personalization) {
      run.fallback = 'no_consent';
    } else {
      return;
    }
    const reason = run.fallback;
    // What eligibility found out about the profile is not explained either: every action was set aside for this reason.
    run.skipped.length = 0;
    for (const a of run.placement.actions) skip(run, frame, { actionId: a.id, step: 'consent', reason });
    run.candidates = [];
  },
};

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

/** The inputs of the placement's scoring strategy: the propensity, when a rule gives it. */
export const score: DecisionStep = {
  name: 'score',
  run(run, frame) {
    const rule = run.propensity;
    if (rule === null || run.candidates.length === 0) return;
    const propensity = rule.evaluate(frame.input);
    run.candidates = run.candidates.map((c) => ({ ...c, propensity }));
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
    run.choices = chooseActions(open, run.strategy, run.count, frame.env.random);
    for (const choice of run.choices) frame.chosen.add(choice.actionId);
    if (frame.request.explain) {
      const picked = new Set(run.choices.map((c) => c.actionId));
      for (const c of open) if (!picked.has(c.actionId)) skip(run, frame, { actionId: c.actionId, step: 'arbitrate', reason: 'not_chosen' });
    }
    if (run.choices.length === 0) run.fallback = run.capped.length > 0 ? 'all_capped' : 'no_eligible_action';
  },
};

/** The content variant for the request's locale: de-CH, then de, then default. */
export const chooseVariant: DecisionStep = {
  name: 'chooseVariant',
  run(run, frame) {
    run.variants = run.choices.map((choice) => {
      const variants = choice.candidate.action.definition.variants;
      for (const locale of frame.locales) {
        if (Object.hasOwn(variants, locale)) return { locale, content: variants[locale] as RuleValue };
      }
      // Eligibility let only actions with a variant on the chain through.
      throw new Error(`no variant for ${choice.actionId}`);
    });
  },
};

function reasonsFor(run: PlacementRun, frame: DecisionFrame, choice: ScoredChoice<Candidate> | null): DecisionReasons {
  const rule = choice?.candidate.action.rule ?? null;
  const reasons: DecisionReasons = {
    rule: rule?.source ?? null,
    segments: rule === null ? [] : rule.segments.filter((s) => frame.inSegment(s)),
    terms: choice?.terms ?? [],
    strategy: run.strategy.kind,
    capped: run.capped.slice(0, 20),
    ...(run.fallback === null ? {} : { fallback: run.fallback }),
    ...(run.experiment === null ? {} : { experiment: run.experiment }),
    ...(frame.request.explain ? { skipped: run.skipped } : {}),
  };
  return reasons;
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
 * The content with its `{{ }}` placeholders filled (HTML-escaped; `{{{ }}}` raw only for
 * workspace-written roots); without consent, from the context only.
 */
export const render: DecisionStep = {
  name: 'render',
  run(run, frame) {
    if (run.fallback !== null || run.choices.length === 0) {
      // Without consent to personalise, nothing of the profile goes into the page, whatever the fallback.
      const untrusted = frame.personalization ? frame.templateData : { context: frame.request.context };
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
    run.decisions = run.choices.map((choice, i) => ({
      decisionId: frame.env.newDecisionId(),
      actionId: choice.actionId,
      variant: run.variants[i]!.locale,
      content: renderTemplate(run.variants[i]!.content, { trusted: trustedRoots(run.variants[i]!.content, choice.candidate.action), untrusted: frame.templateData }),
      score: choice.score,
      probability: choice.probability,
      reasons: reasonsFor(run, frame, choice),
    }));
  },
};

/** The pure steps, in order. The shell loads the profile before them and records after them. */
export const decisionSteps: readonly DecisionStep[] = [experiment, eligibility, consent, caps, score, arbitrate, chooseVariant, render];

/** The steps that still run once a step has chosen the default content. */
const afterFallback = new Set(['render']);

/** A placement's run before the first step: the placement's own strategy, no experiment. */
export function newPlacementRun(placement: CompiledPlacement, count: number): PlacementRun {
  return {
    placement, count, candidates: [], skipped: [], capped: [], fallback: null, choices: [], variants: [], decisions: [],
    experiment: null, strategy: placement.definition.strategy, propensity: placement.propensity, allowed: null,
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

