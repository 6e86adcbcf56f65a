import type { DecisionLogFeedback, LoggedChoice } from './decisionLogFeedback.js';
import type { LoggedRound } from './LoggedFeedback.js';

/**
 * A placement's recorded decisions as logged bandit feedback for its shadow strategy: the
 * shadow's probability of every candidate is in the record, so the evaluation policy is known
 * exactly in each round (no assumption on which actions were eligible). Only decisions that
 * carry the shadow with `key` (any shadow when null) are used: the others are counted in
 * `unshadowedRounds`, fallbacks in `fallbackRounds`. An action the shadow favoured but the
 * logs never chose gets an index of its own: it has weight 0 in every round, and DR's model
 * term gives it the overall mean.
 *
 * @example shadowLogFeedback([{ actionId: 'a', probability: 0.5, rewarded: true, shadow: { key: 'k', probabilities: { b: 1 } } }], 'k').feedback.rounds.length; // 1
 */
export function shadowLogFeedback(decisions: readonly LoggedChoice[], key: string | null): DecisionLogFeedback {
  const used: { readonly choice: LoggedChoice; readonly probabilities: Readonly<Record<string, number>> }[] = [];
  let fallbackRounds = 0;
  let unshadowedRounds = 0;
  for (const d of decisions) {
    if (d.actionId === null) fallbackRounds += 1;
    else if (d.shadow === undefined || d.shadow === null || (key !== null && d.shadow.key !== key)) unshadowedRounds += 1;
    else used.push({ choice: d, probabilities: d.shadow.probabilities });
  }
  const ids = new Set<string>();
  for (const { choice, probabilities } of used) {
    ids.add(choice.actionId!);
    for (const id of Object.keys(probabilities)) ids.add(id);
  }
  const actions = [...ids].sort();
  const index = new Map(actions.map((id, i) => [id, i]));
  const nActions = actions.length;
  const rounds: LoggedRound[] = [];
  // One row per round, filled from the record; rounds × actions numbers in all.
  const table = new Float64Array(used.length * nActions);
  used.forEach(({ choice, probabilities }, r) => {
    rounds.push({ action: index.get(choice.actionId!)!, reward: choice.rewarded ? 1 : 0, propensity: choice.probability });
    for (const [id, p] of Object.entries(probabilities)) if (Number.isFinite(p) && p > 0) table[r * nActions + index.get(id)!] = p;
  });
  return {
    feedback: { nActions, rounds }, actions, fallbackRounds, unshadowedRounds,
    policy: (_round, r) => table.subarray(r * nActions, (r + 1) * nActions),
  };
}
