import { seededRandom } from '../core/common/random.js';
import { candidatePolicyName, decisionLogFeedback, type CandidatePolicy } from '../core/ope/decisionLogFeedback.js';
import { estimatePolicyValue, type OpeEstimator } from '../core/ope/estimatePolicyValue.js';
import type { OpeDiagnostics, OpeWarningCode } from '../core/ope/opeDiagnostics.js';
import type { DecisionReader } from '../store/ports.js';

export type PolicyReward = 'click' | 'conversion';

export interface PlacementPolicyOptions {
  /** For `shadow`, give the key of the placement's current shadow (shadowKey), so that decisions of an earlier shadow are left out. */
  readonly policy: CandidatePolicy;
  readonly reward: PolicyReward;
  /** Clip weight W; unclipped when absent. */
  readonly clip?: number;
  /** Decisions made in [since, until) (ms). */
  readonly since: number;
  readonly until: number;
  /** An outcome counts when it comes within this long after the decision. */
  readonly windowMillis: number;
  /** Bootstrap resamples (0: point estimates only). */
  readonly resamples: number;
  readonly seed: number;
  /** At most this many decisions are read, oldest first. */
  readonly limit: number;
  /** The clock's now: decisions younger than the window may still see their outcome. */
  readonly now: number;
}

/** Beside the estimators' warnings, what only the decision logs can tell. */
export type PlacementOpeWarningCode = OpeWarningCode | 'OPE_ROUNDS_LIMITED' | 'OPE_OPEN_WINDOW';

/** An estimate as JSON carries it: null where the logs support no number. */
export interface PlacementEstimate {
  readonly estimator: OpeEstimator;
  readonly value: number | null;
  readonly ci: readonly [number | null, number | null];
}

/** The evaluation's JSON: the shape of `attune eval policy --json` and of the admin endpoint. */
export interface PlacementPolicyEvaluation {
  readonly placementId: string;
  readonly policy: string;
  readonly reward: PolicyReward;
  readonly estimates: readonly PlacementEstimate[];
  /** The logging policy's own mean reward over the decisions used. */
  readonly loggedValue: number | null;
  readonly loggedCi: readonly [number | null, number | null];
  /** Decisions read, fallbacks included. */
  readonly rounds: number;
  /** Decisions that showed the default content, left out. */
  readonly fallbackRounds: number;
  /** For `shadow`: decisions with an action that carry no record of the placement's current shadow, left out. */
  readonly unshadowedRounds: number;
  /** The actions the logs show (and the policy's own), by id. */
  readonly actions: readonly string[];
  /** The importance weights' diagnostics; meanWeight is null without a used decision. */
  readonly diagnostics: Omit<OpeDiagnostics, 'warnings' | 'meanWeight'> & { readonly meanWeight: number | null };
  readonly warnings: readonly { readonly code: PlacementOpeWarningCode; readonly detail: string }[];
}

const outcomeEvent = { click: 'Decision Clicked', conversion: 'Decision Converted' } as const;

/**
 * Off-policy evaluation of a candidate policy (uniform, one action, or the placement's shadow
 * strategy, whose probabilities the records carry) on a placement's own decision records: reads
 * the decisions and whether their outcome came within the window, then IPW, SNIPW, DM and DR
 * with bootstrap intervals (core/ope). Needs every decision recorded
 * (ATTUNE_DECISION_SAMPLE_RATE 1, or a sample independent of the action) and outcome events
 * that name their decisionId.
 *
 * @example await evaluatePlacementPolicy(store.decisions, 'ws', 'home-hero', { policy: { kind: 'uniform' }, reward: 'click', ... })
 */
export async function evaluatePlacementPolicy(
  reader: Pick<DecisionReader, 'loggedDecisions'>, workspaceId: string, placementId: string, options: PlacementPolicyOptions,
): Promise<PlacementPolicyEvaluation> {
  const decisions = await reader.loggedDecisions(workspaceId, placementId, {
    since: options.since, until: options.until, outcome: outcomeEvent[options.reward], windowMillis: options.windowMillis, limit: options.limit,
  });
  const logs = decisionLogFeedback(decisions, options.policy);
  const result = estimatePolicyValue(logs.feedback, logs.policy, {
    random: seededRandom(options.seed), resamples: options.resamples, ...(options.clip === undefined ? {} : { clip: options.clip }),
  });
  const open = decisions.filter((d) => d.at > options.now - options.windowMillis).length;
  const warnings: { code: PlacementOpeWarningCode; detail: string }[] = [...result.diagnostics.warnings];
  if (decisions.length >= options.limit) {
    warnings.push({ code: 'OPE_ROUNDS_LIMITED', detail: `only the first ${options.limit} decisions from since were read: narrow the range with a later since` });
  }
  if (open > 0) {
    warnings.push({ code: 'OPE_OPEN_WINDOW', detail: `${open} decisions are younger than the outcome window: outcomes still to come count as none, so every value reads low` });
  }
  const { warnings: _w, ...diagnostics } = result.diagnostics;
  return {
    placementId,
    policy: candidatePolicyName(options.policy),
    reward: options.reward,
    estimates: result.estimates.map((e) => ({ estimator: e.estimator, value: finite(e.value), ci: [finite(e.ci[0]), finite(e.ci[1])] })),
    loggedValue: finite(result.loggedValue),
    loggedCi: [finite(result.loggedCi[0]), finite(result.loggedCi[1])],
    rounds: decisions.length,
    fallbackRounds: logs.fallbackRounds,
    unshadowedRounds: logs.unshadowedRounds,
    actions: logs.actions,
    diagnostics: { ...diagnostics, meanWeight: finite(diagnostics.meanWeight) },
    warnings,
  };
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
