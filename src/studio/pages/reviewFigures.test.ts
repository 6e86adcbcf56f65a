import { describe, expect, it } from 'vitest';
import { auditQuery, emptyAuditFilter, versionsInWindow } from './reviewFigures.js';

describe('auditQuery', () => {
  it.each([
    [emptyAuditFilter, 'limit=100'],
    [{ ...emptyAuditFilter, actorId: ' u1 ', action: 'draft.' }, 'actorId=u1&action=draft.&limit=100'],
    [{ ...emptyAuditFilter, targetKind: 'segment', since: '2026-12-01', until: '2026-12-01' }, 'targetKind=segment&since=2026-12-01T00%3A00%3A00.000Z&until=2026-12-02T00%3A00%3A00.000Z&limit=100'],
    [{ ...emptyAuditFilter, since: '2026-13-45', until: 'yesterday' }, 'limit=100'],
  ])('builds the query of %j', (filter, expected) => {
    expect(auditQuery(filter, 100)).toBe(expected);
  });
});

describe('versionsInWindow', () => {
  const now = Date.parse('2026-12-08T00:00:00Z');
  const day = 24 * 60 * 60 * 1000;
  it.each([
    [[], 0],
    [[{ at: now - 8 * day }, { at: now - 7 * day }], 0],
    [[{ at: now - 7 * day + 1 }, { at: now - day }, { at: now }], 3],
    [[{ at: now + 1 }], 0],
  ])('counts %j', (versions, expected) => {
    expect(versionsInWindow(versions, now)).toBe(expected);
  });
});
