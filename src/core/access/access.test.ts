import { describe, expect, it } from 'vitest';
import cases from './access.cases.json' with { type: 'json' };
import { accessMatrix, allGrants, can, grantName, isRole, type Grant, type GrantName } from './accessMatrix.js';
import { permissions, isPermission } from './permissions.js';
import { decideAccess, type RouteAccess } from './routeAccess.js';
import { recordFailure, waitBeforeAttempt, type FailurePolicy, type FailureRecord } from './failureWindow.js';
import { normalizeEmail, passwordProblem, reviewerKindsProblem, userChangeProblem, type UserChange } from './userRules.js';

function grantOf(name: string): Grant {
  if (isRole(name)) return { kind: 'role', role: name };
  if (name === 'write') return { kind: 'writeKey' };
  const scope = name.replace(/^secret:/, '');
  if (scope !== 'full' && scope !== 'read' && scope !== 'decide') throw new Error(`no grant ${name}`);
  return { kind: 'secretKey', scope };
}

describe('can', () => {
  it.each(cases.can as [string, string, string, boolean][])('%s', (_name, grant, permission, expected) => {
    if (!isPermission(permission)) throw new Error(`no permission ${permission}`);
    expect(can(grantOf(grant), permission)).toBe(expected);
  });

  it('names only permissions of the closed list, and every grant once', () => {
    for (const list of Object.values(accessMatrix)) for (const p of list) expect(permissions).toContain(p);
    expect(allGrants.map(grantName).sort()).toEqual((Object.keys(accessMatrix) as GrantName[]).sort());
  });

  it('gives an owner everything but collection, which is the write key\'s alone', () => {
    for (const p of permissions) expect(can({ kind: 'role', role: 'owner' }, p)).toBe(p !== 'events.collect');
    expect(allGrants.filter((g) => can(g, 'events.collect')).map(grantName)).toEqual(['write']);
  });

  it('gives each role at most what the role above it has', () => {
    const order = ['owner', 'admin', 'editor', 'analyst'] as const;
    for (let i = 1; i < order.length; i++) {
      for (const p of accessMatrix[order[i]!]) expect(accessMatrix[order[i - 1]!], `${order[i]} has ${p}`).toContain(p);
    }
    for (const p of accessMatrix.analyst) expect(accessMatrix.reviewer).toContain(p);
  });
});

describe('decideAccess', () => {
  it.each(cases.decideAccess as [string, string, string | null, string][])('%s', (_name, access, grant, expected) => {
    const outcome = decideAccess(access as Exclude<RouteAccess, 'server'>, grant === null ? null : { grant: grantOf(grant), person: isRole(grant) });
    expect(outcome.kind === 'forbidden' ? `forbidden:${outcome.permission}` : outcome.kind).toBe(expected);
  });

  it('names who holds the missing permission and who asked', () => {
    const outcome = decideAccess('config.read', { grant: { kind: 'writeKey' }, person: false });
    expect(outcome).toMatchObject({ kind: 'forbidden', permission: 'config.read' });
    if (outcome.kind !== 'forbidden') throw new Error('expected forbidden');
    expect(outcome.detail).toContain('a secret key (scope full or read)');
    expect(outcome.detail).toContain('the roles owner, admin, editor, reviewer, analyst');
    expect(outcome.detail).toMatch(/the write key does not$/);
  });
});

describe('userChangeProblem', () => {
  it.each(cases.userChangeProblem as [string, string, UserChange, string | null][])('%s', (_name, changer, change, expected) => {
    const by = changer === 'operator' ? { kind: 'operator' as const } : { kind: 'user' as const, id: 'u1', role: grantOf(changer).kind === 'role' ? (changer as 'owner') : 'analyst' as const };
    expect(userChangeProblem(by, change)?.code ?? null).toBe(expected);
  });
});

describe('user rules', () => {
  it('compares emails without case or surrounding space', () => {
    expect(normalizeEmail('  Ada@Example.COM ')).toBe('ada@example.com');
  });

  it.each([
    ['short', 'a'.repeat(11), 'at least 12'],
    ['twelve characters', 'a'.repeat(12), null],
    ['twelve emoji count as twelve', '🙂'.repeat(12), null],
    ['too long', 'a'.repeat(257), 'at most 256'],
  ])('password: %s', (_name, password, problem) => {
    const found = passwordProblem(password);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });

  it.each([
    [['brand', 'legal'], null],
    [['legal-de'], null],
    [['Legal'], 'not lower-case'],
    [['brand', 'brand'], 'twice'],
    [['-x'], 'not lower-case'],
  ] as const)('reviewer kinds %j', (kinds, problem) => {
    const found = reviewerKindsProblem(kinds);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });
});

describe('the failure window', () => {
  it.each(cases.failureWindow as [string, FailureRecord | null, number, FailurePolicy, number][])('waitBeforeAttempt: %s', (_name, record, now, policy, wait) => {
    expect(waitBeforeAttempt(record ?? undefined, now, policy)).toBe(wait);
  });

  it.each(cases.recordFailure as [string, FailureRecord | null, number, FailurePolicy, FailureRecord][])('recordFailure: %s', (_name, record, now, policy, after) => {
    expect(recordFailure(record ?? undefined, now, policy)).toEqual(after);
  });
});
