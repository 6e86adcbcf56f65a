import type { ReviewKind } from './ReviewKind.js';

/** A change a service is about to save: the definition before and after (undefined: absent). */
export interface ProposedChange {
  readonly workspaceId: string;
  readonly kind: ReviewKind;
  readonly id: string;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * The port the configuration services ask before they save a change of a reviewable kind:
 * it refuses (throws an AttuneError) a direct change when the workspace requires review, and
 * a change past the workspace's change limits. The review service implements it; it admits
 * the change it is publishing itself, having checked the approvals (src/review).
 */
export interface ChangeGate {
  admit(change: ProposedChange): Promise<void>;
}

/** Admits everything: for a service built alone in a unit test. The engine always passes the review gate. */
export const ungated: ChangeGate = { admit: async () => undefined };
