import { shadowKey } from '../core/decide/compileDecisionModel.js';
import type { ScoringStrategy } from '../core/decide/scoring.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { DecisionReader } from '../store/ports.js';
import type { DecisionAdmin } from './DecisionAdmin.js';
import { evaluatePlacementPolicy, type PlacementEstimate, type PlacementOpeWarningCode, type PlacementPolicyEvaluation, type PlacementPolicyOptions } from './evaluatePlacementPolicy.js';

/** The evaluation's settings; the policy is the placement's shadow, and no clip (clipped DR is biased downwards, never safely). */
export type PromotionOptions = Omit<PlacementPolicyOptions, 'policy' | 'clip'>;

type Estimate = Pick<PlacementEstimate, 'value' | 'ci'>;

/**
 * Warnings that refuse a promotion whatever the interval says. The bootstrap holds DR's reward
 * model fixed, so on a few decisions of the shadow's actions the interval is far too narrow:
 * two clicked showings of an action gave DR a lower bound of 0.65 with an effective sample
 * size of 2 (test/http/shadowPromotion.test.ts). Outcomes still to come read low on both
 * sides, but not equally.
 */
const promotionBlockers: ReadonlySet<PlacementOpeWarningCode> = new Set(['OPE_NO_ROUNDS', 'OPE_NO_OVERLAP', 'OPE_LOW_ESS', 'OPE_MEAN_WEIGHT', 'OPE_OPEN_WINDOW']);

/** What POST /admin/v1/placements/:id/promote answers, promoted or not (in the 409's `report`). */
export interface PromotionReport {
  readonly placementId: string;
  readonly promoted: boolean;
  readonly reason: string;
  /** The logging policy's on-policy value over the decisions used, with its bootstrap interval. */
  readonly current: { readonly strategy: ScoringStrategy; readonly value: number | null; readonly ci: readonly [number | null, number | null] };
  readonly shadow: { readonly strategy: ScoringStrategy; readonly dr: Estimate; readonly ipw: Estimate; readonly snipw: Estimate };
  readonly evaluation: PlacementPolicyEvaluation;
}

/**
 * Safe rollout: evaluates the placement's shadow strategy on the decisions recorded with it
 * (DR with the mean reward per action as its model, IPW and SNIPW, bootstrap intervals) and
 * makes it the placement's strategy, through DecisionAdmin, only when DR's lower bound is
 * above the current policy's own value on the same decisions. Otherwise it throws
 * ATTUNE_PROMOTION_REFUSED carrying the report. There is no way to force it: a strategy
 * whose estimate does not clear the bar is set with PUT, as a choice, not a promotion.
 *
 * @example await promoteShadow({ admin, reader: store.decisions }, 'ws', 'home-hero', { reward: 'click', ... })
 */
export async function promoteShadow(
  deps: { readonly admin: DecisionAdmin; readonly reader: Pick<DecisionReader, 'loggedDecisions'> }, workspaceId: string, placementId: string, options: PromotionOptions,
): Promise<PromotionReport> {
  const { actions: _actions, ...definition } = await deps.admin.getPlacement(workspaceId, placementId);
  const shadow = definition.shadow;
  if (shadow === undefined) {
    throw new AttuneError('ATTUNE_CONFLICT', { detail: `placement "${placementId}" has no shadow strategy to promote: set its shadow first and let it record decisions`, field: '/shadow' });
  }
  const key = shadowKey(shadow);
  const evaluation = await evaluatePlacementPolicy(deps.reader, workspaceId, placementId, { ...options, policy: { kind: 'shadow', key } });
  const estimate = (name: PlacementEstimate['estimator']): Estimate => {
    const e = evaluation.estimates.find((x) => x.estimator === name)!;
    return { value: e.value, ci: e.ci };
  };
  const dr = estimate('dr');
  const current = evaluation.loggedValue;
  const lower = dr.ci[0];
  const blockers = evaluation.warnings.filter((w) => promotionBlockers.has(w.code));
  const promoted = lower !== null && current !== null && lower > current && blockers.length === 0;
  const reason = lower === null || current === null
    ? `no estimate: ${evaluation.diagnostics.usedRounds} decisions recorded the current shadow with an action (${evaluation.unshadowedRounds} without it)`
    : blockers.length > 0
      ? `the estimate cannot be trusted yet (${blockers.map((w) => `${w.code}: ${w.detail}`).join('; ')}); the doubly robust lower bound is ${lower.toFixed(5)}, the current value ${current.toFixed(5)}`
      : promoted
        ? `the doubly robust lower bound ${lower.toFixed(5)} is above the current value ${current.toFixed(5)}`
        : `the doubly robust lower bound ${lower.toFixed(5)} is not above the current value ${current.toFixed(5)}`;
  const report: PromotionReport = {
    placementId, promoted, reason,
    current: { strategy: definition.strategy, value: current, ci: evaluation.loggedCi },
    shadow: { strategy: shadow, dr, ipw: estimate('ipw'), snipw: estimate('snipw') },
    evaluation,
  };
  if (!promoted) throw new AttuneError('ATTUNE_PROMOTION_REFUSED', { detail: reason, field: '/shadow', extensions: { report } });
  // The placement may have changed while the logs were read: promote only the shadow that was evaluated.
  const now = await deps.admin.getPlacement(workspaceId, placementId);
  if (now.shadow === undefined || shadowKey(now.shadow) !== key) {
    throw new AttuneError('ATTUNE_CONFLICT', { detail: `placement "${placementId}" changed its shadow during the evaluation: ask again`, field: '/shadow' });
  }
  const { shadow: _promoted, actions: _a, ...rest } = now;
  await deps.admin.putPlacement(workspaceId, { ...rest, strategy: shadow });
  return report;
}
