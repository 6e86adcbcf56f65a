import { AttuneError } from '../errors/AttuneError.js';
import type { EvaluationPolicy, LoggedFeedback, LoggedRound } from './LoggedFeedback.js';
import { shadowLogFeedback } from './shadowLogFeedback.js';

/**
 * A policy that can be evaluated from Attune's decision records. The records keep the chosen
 * action and its probability, not the other eligible actions nor their probabilities, so only
 * policies whose probability of the logged action is known without the candidate set qualify:
 * `uniform` over the actions seen in the logs, and `always` one action.
 */
export type CandidatePolicy =
  | { readonly kind: 'uniform' }
  | { readonly kind: 'action'; readonly actionId: string }
  /**
   * The placement's shadow strategy, whose probabilities each decision records
   * (shadowLogFeedback). `key`: only the decisions of the shadow with this shadowKey; null: all.
   */
  | { readonly kind: 'shadow'; readonly key: string | null };

/** One recorded decision of a placement, as the store reads it. */
export interface LoggedChoice {
  /** Null when the placement showed its default content. */
  readonly actionId: string | null;
  readonly probability: number;
  readonly rewarded: boolean;
  /** The shadow strategy's key and first-pick probabilities, where the placement had one. */
  readonly shadow?: { readonly key: string; readonly probabilities: Readonly<Record<string, number>> } | null;
}

export interface DecisionLogFeedback {
  readonly feedback: LoggedFeedback;
  /** Action ids by index: the actions the logs show, and the policy's own action if they do not. */
  readonly actions: readonly string[];
  readonly policy: EvaluationPolicy;
  /** Decisions that showed the default content: left out, as no action was chosen. */
  readonly fallbackRounds: number;
  /** For the shadow: decisions with an action but no record of this shadow (before it was set, a later position, another shadow): left out. */
  readonly unshadowedRounds: number;
}

const actionPolicy = /^action:([a-z0-9][a-z0-9_.-]{0,99})$/;

/**
 * Reads a policy as written on the command line or in a request: `uniform`, `shadow` or `action:ID`.
 *
 * @example parseCandidatePolicy('action:spring-sale', 'body/policy'); // { kind: 'action', actionId: 'spring-sale' }
 */
export function parseCandidatePolicy(text: string, field: string): CandidatePolicy {
  if (text === 'uniform') return { kind: 'uniform' };
  if (text === 'shadow') return { kind: 'shadow', key: null };
  const match = actionPolicy.exec(text);
  if (match !== null) return { kind: 'action', actionId: match[1]! };
  throw new AttuneError('ATTUNE_INVALID_REQUEST', { detail: `${field} must be uniform, shadow or action:ID (an action id), got "${text}"`, field });
}

/** The policy as `parseCandidatePolicy` reads it. */
export function candidatePolicyName(policy: CandidatePolicy): string {
  return policy.kind === 'action' ? `action:${policy.actionId}` : policy.kind;
}

/**
 * A placement's recorded decisions as logged bandit feedback (reward 1 when the outcome came,
 * else 0) and the candidate policy over the same action indices. Uniform spreads over the
 * actions the logs show: the records do not say which actions were eligible in each decision,
 * so the estimate assumes every logged action was eligible in every decision. An action the
 * logs never show gets an index of its own; every weight is then 0 (OPE_NO_OVERLAP).
 *
 * @example decisionLogFeedback([{ actionId: 'a', probability: 0.5, rewarded: true }], { kind: 'uniform' }).feedback.rounds
 */
export function decisionLogFeedback(decisions: readonly LoggedChoice[], candidate: CandidatePolicy): DecisionLogFeedback {
  if (candidate.kind === 'shadow') return shadowLogFeedback(decisions, candidate.key);
  const ids = new Set<string>();
  for (const d of decisions) if (d.actionId !== null) ids.add(d.actionId);
  if (candidate.kind === 'action') ids.add(candidate.actionId);
  const actions = [...ids].sort();
  const index = new Map(actions.map((id, i) => [id, i]));
  const rounds: LoggedRound[] = [];
  let fallbackRounds = 0;
  for (const d of decisions) {
    if (d.actionId === null) fallbackRounds += 1;
    else rounds.push({ action: index.get(d.actionId)!, reward: d.rewarded ? 1 : 0, propensity: d.probability });
  }
  const nActions = actions.length;
  const probabilities = new Float64Array(nActions);
  if (candidate.kind === 'uniform') probabilities.fill(1 / nActions);
  else probabilities[index.get(candidate.actionId)!] = 1;
  return { feedback: { nActions, rounds }, actions, policy: () => probabilities, fallbackRounds, unshadowedRounds: 0 };
}
