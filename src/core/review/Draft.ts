import type { Actor } from '../audit/Actor.js';
import type { Approval } from './ReviewPolicy.js';
import type { ReviewKind } from './ReviewKind.js';

/**
 * A proposed change to one definition: `open` while it is written and reviewed, `scheduled`
 * once publishing was asked for a later time, then `published` or `discarded` (both final).
 */
export type DraftState = 'open' | 'scheduled' | 'published' | 'discarded';

/** A reviewer's request for changes to one revision, with what they ask (shown on the draft until it is edited). */
export interface ChangeRequest {
  /** The reviewer's user id. */
  readonly by: string;
  readonly comment: string;
  readonly revision: number;
  readonly at: number;
}

/** An owner's decision to publish past a change limit, with the reason (kept in the audit trail). */
export interface ChangeOverride {
  readonly reason: string;
  /** The owner's user id. */
  readonly by: string;
}

export interface Draft {
  readonly id: string;
  readonly workspaceId: string;
  readonly kind: ReviewKind;
  readonly targetId: string;
  /** The definition to publish; null: the draft deletes the definition. */
  readonly definition: unknown;
  /**
   * The published version the draft was written against (0: none yet). Publishing is refused
   * when another version was published since: the draft would undo it unseen.
   */
  readonly baseVersion: number;
  /** Counts the draft's edits from 1; an edit clears the approvals. */
  readonly revision: number;
  readonly state: DraftState;
  readonly author: Actor;
  readonly approvals: readonly Approval[];
  /** When a scheduled draft is due, in milliseconds since the epoch. */
  readonly publishAt: number | null;
  /** The earlier version this draft restores (a revert), if it is one. */
  readonly revertOf: number | null;
  /** An owner's override of the change limits given when the publish was scheduled, applied when it is due. */
  readonly override: ChangeOverride | null;
  /** The version its publishing made. */
  readonly publishedVersion: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** The latest request for changes; absent or null: none (drafts stored before requests existed have none). */
  readonly changesRequested?: ChangeRequest | null;
}

/**
 * One published state of a definition: every change that reached customers, through a draft
 * or a direct change, numbered from 1 per definition. `definition` null: deleted.
 */
export interface ConfigVersion {
  readonly workspaceId: string;
  readonly kind: ReviewKind;
  readonly targetId: string;
  readonly version: number;
  readonly at: number;
  readonly actor: Actor;
  readonly definition: unknown;
  /** The draft it published; null for a direct change. */
  readonly draftId: string | null;
  /** The placements and segments the change touched (what the change-rate guard counts). */
  readonly placements: readonly string[];
  readonly segments: readonly string[];
}

/** Why a draft cannot be edited, approved or published in its state, or null. */
export function draftClosedProblem(draft: Pick<Draft, 'state' | 'id'>): string | null {
  return draft.state === 'published' || draft.state === 'discarded' ? `draft ${draft.id} is ${draft.state}` : null;
}

/**
 * Why a publish must be refused as racing, or null: the caller saw another revision of the
 * draft than the current one, or a version was published since the draft was based on its
 * predecessor.
 */
export function publishRaceProblem(draft: Pick<Draft, 'revision' | 'baseVersion'>, expectedRevision: number, latestVersion: number): string | null {
  if (expectedRevision !== draft.revision) return `the draft is at revision ${draft.revision}, not ${expectedRevision}: read it again and review what changed`;
  if (latestVersion !== draft.baseVersion) return `version ${latestVersion} was published since the draft was based on version ${draft.baseVersion}: update the draft from the published version`;
  return null;
}
