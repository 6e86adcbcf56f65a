import { Type, type Static } from 'typebox';
import type { ReviewKind } from './ReviewKind.js';

// Spelled out (not mapped from reviewKinds) so that Static<> keeps the union.
export const ReviewKindSchema = Type.Union([
  Type.Literal('feature'), Type.Literal('segment'), Type.Literal('action'), Type.Literal('placement'), Type.Literal('experiment'), Type.Literal('metric'), Type.Literal('measurement'), Type.Literal('consent'),
]);

/**
 * A sign-off a kind of change needs: an approval by a reviewer of `reviewerKind` (brand,
 * legal, ...: the words the workspace gives its reviewers) for drafts of `kinds` (all when
 * absent), and, with `locales`, only when the draft's content has a variant in one of them
 * (`de` covers `de-CH`): "legal signs off German content".
 */
export const ReviewRequirement = Type.Object(
  {
    reviewerKind: Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$', description: 'The reviewer kind whose approval is needed (a user\'s reviewerKinds)' }),
    kinds: Type.Optional(Type.Array(ReviewKindSchema, { minItems: 1, uniqueItems: true, description: 'The kinds of draft it applies to (default all)' })),
    locales: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$' }), { minItems: 1, maxItems: 50, uniqueItems: true, description: 'Only drafts whose content has a variant in one of these locales (or a more specific one)' })),
  },
  { additionalProperties: false },
);
export type ReviewRequirement = Static<typeof ReviewRequirement>;

/** Published changes a subject may absorb per rolling week (7 days); absent: no limit. */
export const ChangeLimits = Type.Object(
  {
    placement: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Changes per placement: the placement, an action it serves, an experiment on it' })),
    segment: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Changes per segment: the segment, an action whose rule reads it' })),
    workspace: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Changes of any reviewable kind in the workspace' })),
  },
  { additionalProperties: false },
);
export type ChangeLimits = Static<typeof ChangeLimits>;

/**
 * A workspace's review policy. With `approvers` above 0 or any `required` sign-off, every
 * change of a reviewable kind goes through a draft and its approvals, and the direct routes
 * refuse; without (the default) changes publish at once. `changeLimits` apply either way.
 *
 * @example { "approvers": 1, "required": [{ "reviewerKind": "legal", "kinds": ["action"], "locales": ["de"] }], "changeLimits": { "placement": 3, "workspace": 20 } }
 */
export const ReviewPolicy = Type.Object(
  {
    approvers: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, default: 0, description: 'How many people other than the author must approve a draft' })),
    required: Type.Optional(Type.Array(ReviewRequirement, { maxItems: 50, description: 'Sign-offs by reviewer kind, per kind of draft and content locale' })),
    changeLimits: Type.Optional(ChangeLimits),
  },
  { additionalProperties: false, title: 'ReviewPolicy' },
);
export type ReviewPolicy = Static<typeof ReviewPolicy>;

export interface ResolvedReviewPolicy {
  readonly approvers: number;
  readonly required: readonly ReviewRequirement[];
  readonly changeLimits: ChangeLimits;
}

export function resolveReviewPolicy(policy: ReviewPolicy | null): ResolvedReviewPolicy {
  return { approvers: policy?.approvers ?? 0, required: policy?.required ?? [], changeLimits: policy?.changeLimits ?? {} };
}

/** Whether changes must go through drafts and approvals. */
export function reviewRequired(policy: ResolvedReviewPolicy): boolean {
  return policy.approvers > 0 || policy.required.length > 0;
}

/** The content locales of a definition: an action's variants other than `default`; none for the other kinds. */
export function contentLocales(kind: ReviewKind, definition: unknown): string[] {
  if (kind !== 'action' || typeof definition !== 'object' || definition === null) return [];
  const variants = (definition as { variants?: unknown }).variants;
  return typeof variants === 'object' && variants !== null ? Object.keys(variants).filter((l) => l !== 'default') : [];
}

/** `de` covers `de` and `de-CH`, compared case-insensitively (BCP 47 tags are). */
function localeCovers(required: string, locale: string): boolean {
  const r = required.toLowerCase();
  const l = locale.toLowerCase();
  return l === r || l.startsWith(`${r}-`);
}

/** The sign-offs a draft of `kind` with `definition` needs under the policy. */
export function requirementsFor(policy: ResolvedReviewPolicy, kind: ReviewKind, definition: unknown): ReviewRequirement[] {
  const locales = contentLocales(kind, definition);
  return policy.required.filter((r) => (r.kinds === undefined || r.kinds.includes(kind))
    && (r.locales === undefined || r.locales.some((req) => locales.some((l) => localeCovers(req, l)))));
}

/** Who approved: a user with the reviewer kinds they held when approving. */
export interface Approval {
  readonly userId: string;
  readonly role: string;
  readonly reviewerKinds: readonly string[];
  /** The draft's revision approved: an approval of an older revision counts for nothing. */
  readonly revision: number;
  readonly at: number;
}

export interface ApprovalStatus {
  readonly satisfied: boolean;
  /** What is still missing, in words (empty when satisfied). */
  readonly missing: readonly string[];
}

/**
 * Whether `approvals` satisfy the policy for a draft (kind, content, author, revision): at
 * least `approvers` distinct people other than the author approved the current revision
 * (one when only sign-offs are required), and each required reviewer kind is among them.
 *
 * @example approvalsSatisfied({ approvers: 1, required: [], changeLimits: {} }, { kind: 'segment', definition: {}, authorId: 'u1', revision: 2 }, [{ userId: 'u2', role: 'reviewer', reviewerKinds: [], revision: 2, at: 0 }])
 * // { satisfied: true, missing: [] }
 */
export function approvalsSatisfied(
  policy: ResolvedReviewPolicy,
  draft: { readonly kind: ReviewKind; readonly definition: unknown; readonly authorId: string; readonly revision: number },
  approvals: readonly Approval[],
): ApprovalStatus {
  const valid = approvals.filter((a) => a.revision === draft.revision && a.userId !== draft.authorId);
  const people = new Map(valid.map((a) => [a.userId, a]));
  const requirements = requirementsFor(policy, draft.kind, draft.definition);
  const needed = Math.max(policy.approvers, requirements.length > 0 ? 1 : 0);
  const missing: string[] = [];
  if (people.size < needed) missing.push(`${needed - people.size} more approval${needed - people.size === 1 ? '' : 's'} (${needed} needed, by people other than the author)`);
  for (const requirement of requirements) {
    if ([...people.values()].some((a) => a.reviewerKinds.includes(requirement.reviewerKind))) continue;
    const why = requirement.locales === undefined ? '' : ` (content in ${requirement.locales.join(', ')})`;
    missing.push(`an approval by a ${requirement.reviewerKind} reviewer${why}`);
  }
  return { satisfied: missing.length === 0, missing };
}
