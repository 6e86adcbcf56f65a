import { can, type Role } from './accessMatrix.js';

/**
 * The rules about people that hold whatever stores them: who may give which role, the shape
 * of an email address and a reviewer kind, and what a password must be.
 */

/** A reviewer kind names what a reviewer signs off (brand, legal, legal-de): a workspace's own words. */
export const reviewerKindPattern = /^[a-z][a-z0-9-]{0,31}$/;
export const maxReviewerKinds = 16;

/** NIST SP 800-63B: at least 8 characters, allow long pass phrases; 12 here, as OWASP advises without MFA. */
export const minPasswordLength = 12;
export const maxPasswordLength = 256;

/** Email addresses compare case-insensitively (as every mail provider treats them in practice). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const emailPattern = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export function isEmail(value: string): boolean {
  return emailPattern.test(value);
}

/** Why a password is refused, or null. Length only: composition rules make passwords weaker (NIST). */
export function passwordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < minPasswordLength) return `a password has at least ${minPasswordLength} characters`;
  if (length > maxPasswordLength) return `a password has at most ${maxPasswordLength} characters`;
  return null;
}

/** Why reviewer kinds are refused, or null. */
export function reviewerKindsProblem(kinds: readonly string[]): string | null {
  if (kinds.length > maxReviewerKinds) return `at most ${maxReviewerKinds} reviewer kinds`;
  const bad = kinds.find((kind) => !reviewerKindPattern.test(kind));
  if (bad !== undefined) return `the reviewer kind "${bad}" is not lower-case letters, digits and dashes, starting with a letter (e.g. brand, legal)`;
  if (new Set(kinds).size !== kinds.length) return 'a reviewer kind is listed twice';
  return null;
}

/** Who asks for a change to a user: a user of the workspace with a role, or the operator's command line (trusted). */
export type UserChanger = { readonly kind: 'user'; readonly id: string; readonly role: Role } | { readonly kind: 'operator' };

/** The state of the workspace that the change is judged against. */
export interface UserChange {
  /** The user's role now; null for an invitation. */
  readonly from: Role | null;
  /** The role after the change; null for a removal. */
  readonly to: Role | null;
  /** The id of the user changed (null for an invitation). */
  readonly userId: string | null;
  /** How many owners of the workspace have accepted their invitation. */
  readonly activeOwners: number;
  /** Whether the changed user is one of those. */
  readonly isActiveOwner: boolean;
}

/**
 * Why a change to a user is refused, or null. Only owners make, change or remove owners (an
 * admin cannot take over the workspace); a workspace never loses its last active owner; nobody
 * changes their own role (an owner hands over by making another owner first).
 */
export function userChangeProblem(changer: UserChanger, change: UserChange): { readonly code: 'forbidden' | 'conflict'; readonly detail: string } | null {
  const touchesOwner = change.from === 'owner' || change.to === 'owner';
  if (changer.kind === 'user') {
    if (change.userId !== null && change.userId === changer.id && change.to !== change.from) return { code: 'forbidden', detail: 'a user cannot change their own role or remove themselves; another owner or admin can' };
    if (touchesOwner && !can({ kind: 'role', role: changer.role }, 'owners.manage')) return { code: 'forbidden', detail: 'only an owner may make, change or remove an owner (permission owners.manage)' };
  }
  if (change.isActiveOwner && change.to !== 'owner' && change.activeOwners <= 1) return { code: 'conflict', detail: 'the workspace would have no owner left; make another user owner first' };
  return null;
}

