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
    return draftWritten(await client.post<Draft>('/admin/v1/drafts', { kind, definition }));
  }
  await direct();
  return saved;
}

/**
 * What to tell the author of a new draft: what it awaits, or, when the policy asks nothing of
 * this draft (a sign-off that covers other kinds or locales), that it can be published now.
 */
export function draftWritten(draft: Pick<Draft, 'kind' | 'targetId' | 'approval'>): string {
  const written = `Draft of ${draft.kind} "${draft.targetId}" written`;
  return draft.approval.satisfied
    ? `${written}: it needs no approval; publish it on the Review page.`
    : `${written}: it awaits review (${draft.approval.missing.join('; ')}).`;
}
