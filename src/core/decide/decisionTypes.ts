import type { Random } from '../common/random.js';
import type { Exposure, ExperimentUnits } from '../experiments/experimentUnits.js';
import type { WeightsInForce } from '../experiments/banditExperiment.js';
import type { CompiledRule, RuleInput } from '../rules/compileRule.js';
import type { RuleValue } from '../rules/values.js';
import type { CapKind, CapState } from './caps.js';
import type { CompiledAction, CompiledPlacement, DecisionModel } from './compileDecisionModel.js';
import type { DecisionItem, RecommendationList, RecommendationLookup, RecommendationReason } from './RecommendationSlot.js';
import type { ScoredChoice, ScoreTerm, ScoringCandidate, ScoringStrategy } from './scoring.js';
import type { ContextualModelLookup, ContextualRecord } from './contextual.js';
import type { PropensityModelLookup } from './learnedPropensity.js';
import type { FeatureValue } from '../bandits/linear/encodeFeatures.js';

/*
 * The shapes the decision pipeline works on (decisionSteps.ts runs them): the request, the
 * shell's environment, the frame every placement shares, and one placement's run.
 */

/** What the caller asks for. */
export interface DecisionRequest {
  /** `items`: the seed items of the placement's recommendation slots (else `context.items`). */
  readonly placements: readonly { readonly id: string; readonly count?: number | undefined; readonly items?: readonly string[] | undefined }[];
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
  /** The lists of the recommendation slots, fetched by the shell before deciding (RecommendationSlot.ts). */
  readonly recommendations?: RecommendationLookup;
  /**
   * A bandit placement's allocation (action id to share), computed by the shell from the
   * outcome counters on the strategy's schedule; undefined before the first one.
   */
  readonly banditWeights?: (placementId: string) => ReadonlyMap<string, number> | undefined;
  /**
   * A bandit experiment's weights in force (the shell recomputes them on its schedule); without
   * them, the definition's own weights as version 1.
   */
  readonly experimentWeights?: (experimentId: string) => WeightsInForce | undefined;
  /**
   * The learned models of contextual placements (live and shadow strategies), by placement and
   * model key; an action without a model, or no lookup at all, predicts from the prior.
   */
  readonly contextualModels?: ContextualModelLookup;
  /** The learned propensity models of expected-value placements, by placement and model key; an action without one scores by the prior. */
  readonly propensityModels?: PropensityModelLookup;
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
  /** A recommendation slot's list, set by the recommendations step. */
  readonly recommendation?: RecommendationList;
}

export type SkipReason =
  | 'invalid' | 'disabled' | 'not_started' | 'ended' | 'no_variant' | 'rule_false'
  | 'no_consent' | 'placement_invalid' | 'capped' | 'chosen_elsewhere' | 'not_chosen' | 'not_in_arm'
  | 'no_recommendations';

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

/** A prediction a rule of the decision read, its value and the features that moved it most. */
export interface PredictionReason {
  /** The rule path, e.g. `predictions.churn_risk`. */
  readonly field: string;
  readonly value: number | null;
  /** Largest |contribution| first; empty for predictions without per-feature contributions (lifetime value, cluster). */
  readonly because: readonly { readonly feature: string; readonly value: number; readonly contribution: number }[];
}

export interface DecisionReasons {
  readonly rule: string | null;
  readonly segments: readonly string[];
  readonly terms: readonly ScoreTerm[];
  readonly strategy: string;
  readonly capped: readonly CapHit[];
  readonly fallback?: string;
  /** The experiment and arm that served this placement. */
  readonly experiment?: { readonly id: string; readonly arm: string };
  /** A recommendation slot's list: the strategy asked for, whether it was personal, its fallback. */
  readonly recommendation?: RecommendationReason;
  /** With `explain`: the predictions the chosen action's rule (and the placement's propensity rule) read, explained. */
  readonly predictions?: readonly PredictionReason[];
  readonly skipped?: readonly Skip[];
  /** With `explain`, for a contextual placement: the inputs its model read and the model keys that learn from the decision. */
  readonly contextual?: ContextualRecord;
}

/**
 * One thing to show: an action's rendered variant, or the placement's default content
 * (actionId null). A recommendation slot's `content` is a list, its variant rendered once per
 * item, and `items[i]` says what `content[i]` shows.
 */
export interface Decision {
  readonly decisionId: string;
  readonly actionId: string | null;
  readonly variant: string | null;
  readonly content: RuleValue;
  readonly score: number | null;
  readonly probability: number;
  readonly reasons: DecisionReasons;
  readonly items?: readonly DecisionItem[];
  /** The placement's shadow strategy on the same candidates (first decision only): recorded, never served. */
  readonly shadow?: ShadowDecision;
  /**
   * A contextual placement's inputs and learning models: recorded with the reasons (learning
   * re-encodes them), answered only with `explain` (they are about the person).
   */
  readonly contextual?: ContextualRecord;
}

/**
 * What a placement's shadow strategy would have done: its pick (drawn from a stream derived
 * from the decision id, so the live choice draws exactly what it would without a shadow) and
 * its probability of choosing each candidate first (those above 0), for off-policy evaluation.
 */
export interface ShadowDecision {
  readonly strategy: string;
  /** shadowKey of the shadow's definition. */
  readonly key: string;
  readonly actionId: string;
  readonly probabilities: Readonly<Record<string, number>>;
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
  /**
   * Set by the score step (a contextual strategy, a learned propensity) and the shadow step (the shadow's):
   * the inputs read and the keys of the models that learn from the placement's decisions.
   */
  contextual: { readonly inputs: Record<string, FeatureValue>; readonly models: string[] } | null;
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
