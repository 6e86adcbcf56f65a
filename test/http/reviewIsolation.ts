import { expect } from 'vitest';
import type { Static } from 'typebox';
import type { DraftList, DraftView, ReviewPolicyView, VersionList } from '../../src/api/reviewSchemas.js';
import type { Harness } from '../support/harness.js';
import { userWithRole } from './accessHelpers.js';
import { admin, expectProblem, uniqueId, type JsonPayload } from './httpHelpers.js';

/**
 * Isolation cases of draft, review, publish, spread into `cases` of isolation.test.ts: B's
 * policy, drafts and versions never show in A, A cannot read, change, approve, publish or
 * revert them (404, as if they did not exist), and A's changes never reach B. The policies
 * set here only hold weekly limits far above what the other cases change, so they refuse nothing.
 */

type IsolationCase = (h: Harness) => Promise<void>;
type Draft = Static<typeof DraftView>;

async function ok<T>(h: Harness, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, key: string, payload?: JsonPayload): Promise<T> {
  const res = await admin(h, method, url, key, payload);
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json<T>();
}

const placement = (id: string, title = 'Welcome') => ({ id, channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title } });
const draftIn = (h: Harness, key: string, id: string) => ok<Draft>(h, 'POST', '/admin/v1/drafts', key, { kind: 'placement', definition: placement(id) });
const draftsIn = async (h: Harness, key: string) => (await ok<Static<typeof DraftList>>(h, 'GET', '/admin/v1/drafts', key)).drafts.map((d) => d.id);
const notFound = async (h: Harness, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, key: string, payload: JsonPayload | undefined, code: string) =>
  expectProblem(await admin(h, method, url, key, payload), 404, code);

/** A placement published twice in B (versions 1 and 2), unknown to A. */
async function versionedInB(h: Harness): Promise<string> {
  const id = uniqueId('iso-review');
  await ok(h, 'PUT', `/admin/v1/placements/${id}`, h.b.secretKey, placement(id));
  await ok(h, 'PUT', `/admin/v1/placements/${id}`, h.b.secretKey, placement(id, 'Hello'));
  return id;
}

export const reviewIsolationCases: Record<string, IsolationCase> = {
  'GET /admin/v1/review/policy': async (h) => {
    await ok(h, 'PUT', '/admin/v1/review/policy', h.b.secretKey, { changeLimits: { workspace: 99_999 } });
    expect((await ok<Static<typeof ReviewPolicyView>>(h, 'GET', '/admin/v1/review/policy', h.a.secretKey)).resolved.changeLimits.workspace).not.toBe(99_999);
  },

  'PUT /admin/v1/review/policy': async (h) => {
    await ok(h, 'PUT', '/admin/v1/review/policy', h.b.secretKey, { changeLimits: { workspace: 99_998 } });
    await ok(h, 'PUT', '/admin/v1/review/policy', h.a.secretKey, { changeLimits: { workspace: 100_000 } });
    expect((await ok<Static<typeof ReviewPolicyView>>(h, 'GET', '/admin/v1/review/policy', h.b.secretKey)).policy).toMatchObject({ changeLimits: { workspace: 99_998 } });
  },

  'GET /admin/v1/drafts': async (h) => {
    const inB = await draftIn(h, h.b.secretKey, uniqueId('iso-draft'));
    expect(await draftsIn(h, h.a.secretKey)).not.toContain(inB.id);
    expect(await draftsIn(h, h.b.secretKey)).toContain(inB.id);
  },

  'POST /admin/v1/drafts': async (h) => {
    const id = await versionedInB(h);
    // Based on A's versions of the id (none), not B's.
    const inA = await draftIn(h, h.a.secretKey, id);
    expect(inA.baseVersion).toBe(0);
    expect(await draftsIn(h, h.b.secretKey)).not.toContain(inA.id);
  },

  'GET /admin/v1/drafts/:id': async (h) => {
    const inB = await draftIn(h, h.b.secretKey, uniqueId('iso-draft'));
    await notFound(h, 'GET', `/admin/v1/drafts/${inB.id}`, h.a.secretKey, undefined, 'ATTUNE_DRAFT_NOT_FOUND');
  },

  'PUT /admin/v1/drafts/:id': async (h) => {
    const id = uniqueId('iso-draft');
    const inB = await draftIn(h, h.b.secretKey, id);
    await notFound(h, 'PUT', `/admin/v1/drafts/${inB.id}`, h.a.secretKey, { expectedRevision: 1, definition: placement(id, 'From A') }, 'ATTUNE_DRAFT_NOT_FOUND');
    expect((await ok<Draft>(h, 'GET', `/admin/v1/drafts/${inB.id}`, h.b.secretKey)).revision).toBe(1);
  },

  'DELETE /admin/v1/drafts/:id': async (h) => {
    const inB = await draftIn(h, h.b.secretKey, uniqueId('iso-draft'));
    await notFound(h, 'DELETE', `/admin/v1/drafts/${inB.id}`, h.a.secretKey, undefined, 'ATTUNE_DRAFT_NOT_FOUND');
    expect((await ok<Draft>(h, 'GET', `/admin/v1/drafts/${inB.id}`, h.b.secretKey)).state).toBe('open');
  },

  'POST /admin/v1/drafts/:id/approvals': async (h) => {
    const inB = await draftIn(h, h.b.secretKey, uniqueId('iso-draft'));
    const reviewerOfA = await userWithRole(h, 'reviewer', h.a.id);
    await notFound(h, 'POST', `/admin/v1/drafts/${inB.id}/approvals`, reviewerOfA.token, { revision: 1 }, 'ATTUNE_DRAFT_NOT_FOUND');
    expect((await ok<Draft>(h, 'GET', `/admin/v1/drafts/${inB.id}`, h.b.secretKey)).approvals).toEqual([]);
  },

  'POST /admin/v1/drafts/:id/request-changes': async (h) => {
    const inB = await draftIn(h, h.b.secretKey, uniqueId('iso-draft'));
    const reviewerOfA = await userWithRole(h, 'reviewer', h.a.id);
    await notFound(h, 'POST', `/admin/v1/drafts/${inB.id}/request-changes`, reviewerOfA.token, { revision: 1, comment: 'not yours' }, 'ATTUNE_DRAFT_NOT_FOUND');
    expect((await ok<Draft>(h, 'GET', `/admin/v1/drafts/${inB.id}`, h.b.secretKey)).changesRequested).toBeNull();
  },

  'POST /admin/v1/drafts/:id/publish': async (h) => {
    const id = uniqueId('iso-draft');
    const inB = await draftIn(h, h.b.secretKey, id);
    await notFound(h, 'POST', `/admin/v1/drafts/${inB.id}/publish`, h.a.secretKey, { expectedRevision: 1 }, 'ATTUNE_DRAFT_NOT_FOUND');
    await ok(h, 'POST', `/admin/v1/drafts/${inB.id}/publish`, h.b.secretKey, { expectedRevision: 1 });
    await notFound(h, 'GET', `/admin/v1/placements/${id}`, h.a.secretKey, undefined, 'ATTUNE_PLACEMENT_NOT_FOUND');
  },

  'GET /admin/v1/versions/:kind/:id': async (h) => {
    const id = await versionedInB(h);
    expect((await ok<Static<typeof VersionList>>(h, 'GET', `/admin/v1/versions/placement/${id}`, h.a.secretKey)).versions).toEqual([]);
    expect((await ok<Static<typeof VersionList>>(h, 'GET', `/admin/v1/versions/placement/${id}`, h.b.secretKey)).versions).toHaveLength(2);
  },

  'GET /admin/v1/versions/:kind/:id/diff': async (h) => {
    const id = await versionedInB(h);
    await notFound(h, 'GET', `/admin/v1/versions/placement/${id}/diff`, h.a.secretKey, undefined, 'ATTUNE_VERSION_NOT_FOUND');
  },

  'GET /admin/v1/versions/:kind/:id/:version': async (h) => {
    const id = await versionedInB(h);
    await notFound(h, 'GET', `/admin/v1/versions/placement/${id}/1`, h.a.secretKey, undefined, 'ATTUNE_VERSION_NOT_FOUND');
  },

  'POST /admin/v1/versions/:kind/:id/revert': async (h) => {
    const id = await versionedInB(h);
    await notFound(h, 'POST', `/admin/v1/versions/placement/${id}/revert`, h.a.secretKey, { version: 1 }, 'ATTUNE_VERSION_NOT_FOUND');
    await notFound(h, 'GET', `/admin/v1/placements/${id}`, h.a.secretKey, undefined, 'ATTUNE_PLACEMENT_NOT_FOUND');
  },
};
