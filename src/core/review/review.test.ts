import { describe, expect, it } from 'vitest';
import cases from './review.cases.json' with { type: 'json' };
import { changeRateExcess, changeTouches, type ChangeRateExcess, type ChangeTouches } from './changeRate.js';
import { publishRaceProblem } from './Draft.js';
import { isReviewKind, targetIdOf, type ReviewKind } from './ReviewKind.js';
import { approvalsSatisfied, resolveReviewPolicy, reviewRequired, type ApprovalStatus, type ReviewPolicy } from './ReviewPolicy.js';

const NOW = 1_000_000_000_000;
const kind = (value: string): ReviewKind => {
  if (!isReviewKind(value)) throw new Error(`not a review kind: ${value}`);
  return value;
};

describe('approvalsSatisfied', () => {
  it.each(cases.approvals as [string, ReviewPolicy, { kind: string; definition: unknown }, [string, string[], number][], ApprovalStatus][])('%s', (_name, policy, draft, approvals, expected) => {
    const given = approvals.map(([userId, reviewerKinds, revision]) => ({ userId, role: 'reviewer', reviewerKinds, revision, at: 0 }));
    expect(approvalsSatisfied(resolveReviewPolicy(policy), { kind: kind(draft.kind), definition: draft.definition, authorId: 'author', revision: 2 }, given)).toEqual(expected);
  });

  it('requires review with approvers or sign-offs, not with change limits alone', () => {
    expect(reviewRequired(resolveReviewPolicy(null))).toBe(false);
    expect(reviewRequired(resolveReviewPolicy({ changeLimits: { workspace: 5 } }))).toBe(false);
    expect(reviewRequired(resolveReviewPolicy({ approvers: 1 }))).toBe(true);
    expect(reviewRequired(resolveReviewPolicy({ required: [{ reviewerKind: 'legal' }] }))).toBe(true);
  });
});

describe('changeTouches', () => {
  it.each(cases.touches as [string, string, string, unknown, unknown, ChangeTouches][])('%s', (_name, k, id, before, after, expected) => {
    expect(changeTouches(kind(k), id, before ?? undefined, after ?? undefined)).toEqual(expected);
  });
});

describe('changeRateExcess', () => {
  it.each(cases.rate as [string, Record<string, number>, [number, string[], string[]][], ChangeTouches, ChangeRateExcess | null][])('%s', (_name, limits, recent, change, expected) => {
    const history = recent.map(([offset, placements, segments]) => ({ at: NOW + offset, placements, segments }));
    expect(changeRateExcess(limits, history, change, NOW)).toEqual(expected);
  });
});

describe('drafts', () => {
  it('refuses a publish of another revision, or after the published version moved', () => {
    expect(publishRaceProblem({ revision: 2, baseVersion: 3 }, 2, 3)).toBeNull();
    expect(publishRaceProblem({ revision: 2, baseVersion: 3 }, 1, 3)).toContain('revision 2, not 1');
    expect(publishRaceProblem({ revision: 2, baseVersion: 3 }, 2, 4)).toContain('version 4 was published');
  });

  it('names a definition by its id, a feature by its name, the measurement settings by the workspace', () => {
    expect(targetIdOf('feature', { name: 'views_7d' }, 'ws')).toBe('views_7d');
    expect(targetIdOf('action', { id: 'sale' }, 'ws')).toBe('sale');
    expect(targetIdOf('measurement', {}, 'ws')).toBe('ws');
    expect(targetIdOf('segment', 'nope', 'ws')).toBeNull();
  });
});
