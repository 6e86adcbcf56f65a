import { AsyncLocalStorage } from 'node:async_hooks';
import type { ReviewKind } from '../core/review/ReviewKind.js';

/** The draft the review service is publishing: the one change the gate lets through without asking the policy again. */
export interface Publishing {
  readonly workspaceId: string;
  readonly kind: ReviewKind;
  readonly targetId: string;
  readonly draftId: string;
}

const storage = new AsyncLocalStorage<Publishing>();

/**
 * Runs `work` (the engine service's change that publishes a draft) as the publishing of
 * `draft`. The services keep one signature for every caller: which change comes from an
 * approved draft is said here, beside the caller (src/audit/callerContext.ts), not by a flag
 * every service would have to pass on.
 */
export function runPublishing<T>(publishing: Publishing, work: () => Promise<T>): Promise<T> {
  return storage.run(publishing, work);
}

/** The draft being published, when the change to `kind`/`targetId` of the workspace is its publishing. */
export function publishingOf(workspaceId: string, kind: ReviewKind, targetId: string): Publishing | null {
  const current = storage.getStore();
  return current !== undefined && current.workspaceId === workspaceId && current.kind === kind && current.targetId === targetId ? current : null;
}
