import { changeRateExcess, changeRateWindowMs, changeTouches, type ChangeRateExcess } from '../core/review/changeRate.js';
import type { ChangeGate, ProposedChange } from '../core/review/ChangeGate.js';
import type { ReviewKind } from '../core/review/ReviewKind.js';
import { resolveReviewPolicy, reviewRequired, type ResolvedReviewPolicy } from '../core/review/ReviewPolicy.js';
import type { Clock } from '../core/common/ports.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import type { ReviewStore } from '../store/ports.js';
import { publishingOf } from './publishContext.js';

/** The error of a change past a limit: which limit, for what, the limit and the count. */
export function changeRateError(excess: ChangeRateExcess): AttuneError {
  const subject = excess.limit === 'workspace' ? 'the workspace' : `${excess.limit} "${excess.subject}"`;
  return new AttuneError('ATTUNE_CHANGE_RATE_EXCEEDED', {
    detail: `${subject} had ${excess.count} published change${excess.count === 1 ? '' : 's'} in the last 7 days, and its limit is ${excess.max}: wait, or publish a draft with an owner's override ({ "override": { "reason": "..." } })`,
    extensions: { ...excess },
  });
}

/**
 * The gate every configuration service asks before it saves a change of a reviewable kind
 * (the ChangeGate port). The change the review service is publishing passes: it checked the
 * approvals and limits itself (with an owner's override, if any). Any other change is direct:
 * refused when the workspace requires review, and refused past a change limit.
 */
export class ReviewGate implements ChangeGate {
  constructor(private readonly deps: { store: ReviewStore; clock: Clock }) {}

  async policy(workspaceId: string): Promise<ResolvedReviewPolicy> {
    return resolveReviewPolicy(await this.deps.store.policy(workspaceId));
  }

  async admit(change: ProposedChange): Promise<void> {
    if (publishingOf(change.workspaceId, change.kind, change.id) !== null) return;
    const policy = await this.policy(change.workspaceId);
    if (reviewRequired(policy)) {
      throw new AttuneError('ATTUNE_REVIEW_REQUIRED', {
        detail: `workspace changes need approval: create a draft of this ${change.kind} (POST /admin/v1/drafts), have it approved and publish it (POST /admin/v1/drafts/{id}/publish)`,
        extensions: { draftApi: '/admin/v1/drafts', kind: change.kind, id: change.id },
      });
    }
    const excess = await this.rateExcess(change.workspaceId, policy, change.kind, change.id, change.before, change.after);
    if (excess !== null) throw changeRateError(excess);
  }

  /** The limit a change would exceed now, counted from the version history, or null. */
  async rateExcess(workspaceId: string, policy: ResolvedReviewPolicy, kind: ReviewKind, id: string, before: unknown, after: unknown): Promise<ChangeRateExcess | null> {
    const limits = policy.changeLimits;
    if (limits.placement === undefined && limits.segment === undefined && limits.workspace === undefined) return null;
    const now = this.deps.clock.now();
    const recent = await this.deps.store.versionsSince(workspaceId, now - changeRateWindowMs);
    return changeRateExcess(limits, recent, changeTouches(kind, id, before, after), now);
  }
}
