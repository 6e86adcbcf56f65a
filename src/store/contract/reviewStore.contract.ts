import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigVersion, Draft } from '../../core/review/Draft.js';
import type { AttuneStore } from '../ports.js';
import { contractWorkspaces, openContractStore, type ContractStore, type OpenAdapter } from './shared.contract.js';

const A = contractWorkspaces.a;
const B = contractWorkspaces.b;
const T0 = Date.parse('2026-03-02T09:00:00Z');

function draft(workspaceId: string, id: string, over: Partial<Draft> = {}): Draft {
  return {
    id, workspaceId, kind: 'action', targetId: 'sale', definition: { id: 'sale', variants: { default: { title: 'Sale' } } }, baseVersion: 0, revision: 1, state: 'open',
    author: { kind: 'user', id: 'usr_1', role: 'editor' }, approvals: [], publishAt: null, revertOf: null, override: null, publishedVersion: null, createdAt: T0, updatedAt: T0, ...over,
  };
}

function version(workspaceId: string, targetId: string, at: number, definition: unknown = { id: targetId }): Omit<ConfigVersion, 'version'> {
  return { workspaceId, kind: 'placement', targetId, at, actor: { kind: 'key', id: 'key_1', role: 'secret:full' }, definition, draftId: null, placements: [targetId], segments: [] };
}

/**
 * The contract of ReviewStore: the policy is saved whole; a draft is stored whole and replaced,
 * listed newest first and by state, due when scheduled at or before now; versions are numbered
 * from 1 per definition in append order, a deletion keeps a null definition, and the window
 * query returns a workspace's versions from a time on; workspaces apart throughout.
 */
export function describeReviewStoreContract(name: string, open: OpenAdapter): void {
  describe(`ReviewStore contract: ${name}`, () => {
    let store: ContractStore;
    let review: AttuneStore['review'];

    beforeEach(async () => {
      store = await openContractStore(open);
      review = store.adapter.review;
    });
    afterEach(async () => store.close());

    it('saves the policy whole per workspace', async () => {
      expect(await review.policy(A)).toBeNull();
      await review.setPolicy(A, { approvers: 2, required: [{ reviewerKind: 'legal', locales: ['de'] }] }, T0);
      await review.setPolicy(A, { approvers: 1 }, T0 + 1);
      expect(await review.policy(A)).toEqual({ approvers: 1 });
      expect(await review.policy(B)).toBeNull();
    });

    it('stores drafts whole, replaces them, lists them by state and finds the due ones', async () => {
      await review.putDraft(draft(A, 'd1'));
      await review.putDraft(draft(A, 'd2', { updatedAt: T0 + 5, state: 'scheduled', publishAt: T0 + 100 }));
      await review.putDraft(draft(B, 'd1', { state: 'scheduled', publishAt: T0 + 50 }));
      const approved = draft(A, 'd1', { revision: 2, updatedAt: T0 + 10, approvals: [{ userId: 'usr_2', role: 'reviewer', reviewerKinds: ['legal'], revision: 2, at: T0 + 9 }] });
      await review.putDraft(approved);
      expect(await review.draft(A, 'd1')).toEqual(approved);
      expect(await review.draft(A, 'missing')).toBeNull();
      expect((await review.listDrafts(A)).map((d) => d.id)).toEqual(['d1', 'd2']);
      expect((await review.listDrafts(A, ['scheduled'])).map((d) => d.id)).toEqual(['d2']);
      expect((await review.dueDrafts(T0 + 49)).map((d) => [d.workspaceId, d.id])).toEqual([]);
      expect((await review.dueDrafts(T0 + 100)).map((d) => [d.workspaceId, d.id])).toEqual([[B, 'd1'], [A, 'd2']]);
      await review.putDraft(draft(A, 'd2', { state: 'published', publishAt: T0 + 100, publishedVersion: 1 }));
      expect((await review.dueDrafts(T0 + 1000)).map((d) => d.workspaceId)).toEqual([B]);
    });

    it('numbers versions from 1 per definition and keeps deletions', async () => {
      const v1 = await review.appendVersion(version(A, 'home', T0));
      const other = await review.appendVersion(version(A, 'cart', T0 + 1));
      const v2 = await review.appendVersion({ ...version(A, 'home', T0 + 2), definition: null, draftId: 'd9' });
      await review.appendVersion(version(B, 'home', T0 + 3));
      expect([v1.version, other.version, v2.version]).toEqual([1, 1, 2]);
      expect(v2).toMatchObject({ definition: null, draftId: 'd9', placements: ['home'] });
      expect(await review.latestVersion(A, 'placement', 'home')).toBe(2);
      expect(await review.latestVersion(A, 'placement', 'none')).toBe(0);
      expect((await review.versions(A, 'placement', 'home')).map((v) => v.version)).toEqual([1, 2]);
      expect(await review.version(A, 'placement', 'home', 1)).toEqual(v1);
      expect(await review.version(A, 'placement', 'home', 3)).toBeNull();
      expect((await review.versionsSince(A, T0 + 1)).map((v) => v.targetId)).toEqual(['cart', 'home']);
      expect((await review.versionsSince(B, 0)).map((v) => v.targetId)).toEqual(['home']);
    });
  });
}
