import { describe, expect, it } from 'vitest';
import type { DraftView } from '../review/ReviewService.js';
import { formatDiff, formatDrafts, formatVersions } from './draftCommands.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');

describe('the drafts and versions commands\' text', () => {
  it('prints a draft with what its approvals lack, and a published one with its version', () => {
    const open: DraftView = {
      id: 'drf_1', workspaceId: 'ws', kind: 'action', targetId: 'sale', definition: { id: 'sale' }, baseVersion: 2, revision: 3, state: 'open',
      author: { kind: 'user', id: 'usr_1', role: 'editor' }, approvals: [], publishAt: null, revertOf: null, override: null, publishedVersion: null, createdAt: T0, updatedAt: T0,
      approval: { satisfied: false, missing: ['an approval by a legal reviewer (content in de)'] },
    };
    const text = formatDrafts([open, { ...open, id: 'drf_2', definition: null, state: 'published', publishedVersion: 4, approval: { satisfied: true, missing: [] } }]);
    expect(text).toBe([
      'drf_1  open      action sale  revision 3, based on version 2, by user usr_1',
      '    needs an approval by a legal reviewer (content in de)',
      'drf_2  published action sale (delete)  revision 3, based on version 2, by user usr_1, published as version 4',
      '',
    ].join('\n'));
    expect(formatDrafts([])).toBe('No drafts.\n');
  });

  it('prints versions and a diff', () => {
    const version = { workspaceId: 'ws', kind: 'placement' as const, targetId: 'hero', at: T0, actor: { kind: 'key' as const, id: 'key_1' }, placements: ['hero'], segments: [] };
    expect(formatVersions([{ ...version, version: 1, definition: { id: 'hero' }, draftId: null }, { ...version, version: 2, definition: null, draftId: 'drf_1' }]))
      .toBe('   1  2026-03-02T10:00:00.000Z  key key_1  direct\n   2  2026-03-02T10:00:00.000Z  key key_1  draft drf_1  (deleted)\n');
    expect(formatDiff({ from: 1, to: 2, changes: [{ op: 'replace', path: '/title', was: 'a', value: 'b' }, { op: 'add', path: '/tags/0', value: 'x' }, { op: 'remove', path: '/rule', was: 'r' }] }))
      .toBe('Version 1 to 2: 3 change(s)\n  ~ /title: "a" -> "b"\n  + /tags/0: "x"\n  - /rule: "r"\n');
  });
});
