import type { Static } from 'typebox';
import type { DraftView, ReviewPolicyView } from '../../api/reviewSchemas.js';
import type { ReviewKind } from '../../core/review/ReviewKind.js';
import type { AdminClient } from '../AdminClient.js';

type Draft = Static<typeof DraftView>;

/**
 * Saves a definition the way the workspace requires: with review required, as a draft
 * (POST /admin/v1/drafts) that awaits approval, else through `direct` (the kind's own route,
 * which a review policy would refuse). Answers what to tell the person.
 */
export async function saveThroughReview(client: AdminClient, policy: Static<typeof ReviewPolicyView>, kind: ReviewKind, definition: unknown, direct: () => Promise<unknown>, saved: string): Promise<string> {
  if (policy.reviewRequired) {
    const draft = await client.post<Draft>('/admin/v1/drafts', { kind, definition });
    return `Draft of ${kind} "${draft.targetId}" written: it awaits review (${draft.approval.missing.join('; ')}).`;
  }
  await direct();
  return saved;
}
