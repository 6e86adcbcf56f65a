import { expect } from 'vitest';
import type { Harness } from '../support/harness.js';
import { admin, collect, expectCollected, expectProblem, findProfile, uniqueId } from './httpHelpers.js';

/**
 * Isolation cases of the features and segments API, spread into `cases` of isolation.test.ts:
 * workspace A can neither see nor change B's features, segments or members, and the same
 * name or id in both workspaces names two separate things.
 */

type IsolationCase = (h: Harness) => Promise<void>;

const featureName = () => uniqueId('iso_f').replace(/-/g, '_');
const segmentId = () => uniqueId('iso-s');

async function ok<T>(h: Harness, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, key: string, payload?: Record<string, unknown>): Promise<T> {
  const res = await admin(h, method, url, key, payload);
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return (res.statusCode === 204 ? undefined : res.json<T>()) as T;
}

const consentOf = async (h: Harness, key: string) => (await ok<{ resolved: { defaults: Record<string, boolean> } }>(h, 'GET', '/admin/v1/consent', key)).resolved;
const featureNames = async (h: Harness, key: string) => (await ok<{ name: string }[]>(h, 'GET', '/admin/v1/features', key)).map((f) => f.name);
const segmentIds = async (h: Harness, key: string) => (await ok<{ id: string }[]>(h, 'GET', '/admin/v1/segments', key)).map((s) => s.id);
const segmentOf = (h: Harness, key: string, id: string) => ok<{ rule: string; size: number | null }>(h, 'GET', `/admin/v1/segments/${id}`, key);
const memberIds = async (h: Harness, key: string, id: string) =>
  (await ok<{ members: { profileId: string }[] }>(h, 'GET', `/admin/v1/segments/${id}/members?limit=1000`, key)).members.map((m) => m.profileId);

/** A segment in B with one member, B's profile of `userId`. */
async function segmentInB(h: Harness): Promise<{ id: string; userId: string; rule: string }> {
  const [id, userId, tag] = [segmentId(), uniqueId('iso-member'), uniqueId('tag')];
  expectCollected(await collect(h, '/v1/identify', { userId, traits: { iso_tag: tag } }, h.b.writeKey));
  const rule = `profile.traits.iso_tag == "${tag}"`;
  await ok(h, 'POST', '/admin/v1/segments', h.b.secretKey, { id, name: 'B only', rule });
  return { id, userId, rule };
}

export const knowledgeIsolationCases: Record<string, IsolationCase> = {
  'GET /admin/v1/features': async (h) => {
    const name = featureName();
    await ok(h, 'PUT', `/admin/v1/features/${name}`, h.a.secretKey, { aggregate: 'count' });
    expect(await featureNames(h, h.a.secretKey)).toContain(name);
    expect(await featureNames(h, h.b.secretKey)).not.toContain(name);
  },

  'PUT /admin/v1/features/:name': async (h) => {
    const name = featureName();
    await ok(h, 'PUT', `/admin/v1/features/${name}`, h.b.secretKey, { aggregate: 'count', events: ['B Event'] });
    // The same name in A is A's own feature: created, and B's definition is untouched.
    expect((await ok<{ created: boolean }>(h, 'PUT', `/admin/v1/features/${name}`, h.a.secretKey, { aggregate: 'count', events: ['A Event'] })).created).toBe(true);
    const inB = (await ok<{ name: string; events?: string[] }[]>(h, 'GET', '/admin/v1/features', h.b.secretKey)).find((f) => f.name === name);
    expect(inB?.events).toEqual(['B Event']);
    // B's segments do not make A's change a conflict, nor A's B's.
    const readerInB = segmentId();
    await ok(h, 'POST', '/admin/v1/segments', h.b.secretKey, { id: readerInB, name: 'reads it', rule: `features.${name} >= 1` });
    await ok(h, 'PUT', `/admin/v1/features/${name}`, h.a.secretKey, { aggregate: 'decayed', property: 'properties.x', halfLife: '1d' });
  },

  'DELETE /admin/v1/features/:name': async (h) => {
    const name = featureName();
    await ok(h, 'PUT', `/admin/v1/features/${name}`, h.b.secretKey, { aggregate: 'count' });
    expectProblem(await admin(h, 'DELETE', `/admin/v1/features/${name}`, h.a.secretKey), 404, 'ATTUNE_FEATURE_NOT_FOUND');
    expect(await featureNames(h, h.b.secretKey)).toContain(name);
  },

  'POST /admin/v1/features/validate': async (h) => {
    const name = featureName();
    await ok(h, 'PUT', `/admin/v1/features/${name}`, h.b.secretKey, { aggregate: 'count' });
    expect((await ok<{ exists: boolean }>(h, 'POST', '/admin/v1/features/validate', h.a.secretKey, { name, aggregate: 'count' })).exists).toBe(false);
    expect(await featureNames(h, h.a.secretKey)).not.toContain(name);
  },

  'GET /admin/v1/segments': async (h) => {
    const { id, rule } = await segmentInB(h);
    expect(await segmentIds(h, h.b.secretKey)).toContain(id);
    const inA = await admin(h, 'GET', '/admin/v1/segments', h.a.secretKey);
    expect(inA.statusCode).toBe(200);
    expect(inA.body).not.toContain(id);
    expect(inA.body).not.toContain(rule);
  },

  'POST /admin/v1/segments': async (h) => {
    const { id, userId, rule } = await segmentInB(h);
    // The same id and rule in A: created (no 409), evaluated over A's profiles only.
    expectCollected(await collect(h, '/v1/identify', { userId, traits: { iso_tag: rule.split('"')[1] } }, h.a.writeKey));
    const created = await ok<{ segment: { size: number } }>(h, 'POST', '/admin/v1/segments', h.a.secretKey, { id, name: 'A too', rule });
    expect(created.segment.size).toBe(1);
    const [inA, inB] = [await findProfile(h, h.a.secretKey, userId), await findProfile(h, h.b.secretKey, userId)];
    expect(await memberIds(h, h.a.secretKey, id)).toEqual([inA!.id]);
    expect(await memberIds(h, h.b.secretKey, id)).toEqual([inB!.id]);
  },

  'PUT /admin/v1/segments/:id': async (h) => {
    const { id, rule } = await segmentInB(h);
    expectProblem(await admin(h, 'PUT', `/admin/v1/segments/${id}`, h.a.secretKey, { name: 'taken over', rule: 'false' }), 404, 'ATTUNE_SEGMENT_NOT_FOUND');
    expect(await segmentOf(h, h.b.secretKey, id)).toMatchObject({ rule, size: 1 });
  },

  'DELETE /admin/v1/segments/:id': async (h) => {
    const { id } = await segmentInB(h);
    expectProblem(await admin(h, 'DELETE', `/admin/v1/segments/${id}`, h.a.secretKey), 404, 'ATTUNE_SEGMENT_NOT_FOUND');
    expect((await segmentOf(h, h.b.secretKey, id)).size).toBe(1);
  },

  'POST /admin/v1/segments/validate': async (h) => {
    const { id } = await segmentInB(h);
    expect((await ok<{ exists: boolean }>(h, 'POST', '/admin/v1/segments/validate', h.a.secretKey, { id, name: 'v', rule: 'true' })).exists).toBe(false);
    // A rule in A cannot read B's segment.
    const fault = expectProblem(await admin(h, 'POST', '/admin/v1/segments/validate', h.a.secretKey, { id: segmentId(), name: 'v', rule: `in_segment("${id}")` }), 400, 'ATTUNE_RULE_INVALID');
    expect(fault.field).toBe('/rule');
    expect(await segmentIds(h, h.a.secretKey)).not.toContain(id);
  },

  'POST /admin/v1/segments/estimate': async (h) => {
    const { id, userId, rule } = await segmentInB(h);
    const inB = await findProfile(h, h.b.secretKey, userId);
    type Estimate = { estimate: { count: number }; preview: string[] };
    // B's rule in A matches none of A's profiles, and B's profile is never shown to A.
    const inA = await admin(h, 'POST', '/admin/v1/segments/estimate', h.a.secretKey, { id, name: 'B rule in A', rule, preview: 20 });
    expect(inA.statusCode, inA.body).toBe(200);
    expect(inA.json<Estimate>().estimate.count).toBe(0);
    expect(inA.body).not.toContain(inB!.id);
    expect((await ok<Estimate>(h, 'POST', '/admin/v1/segments/estimate', h.b.secretKey, { id, name: 'B', rule, preview: 20 })).preview).toEqual([inB!.id]);
    // Nor can A's rule read B's segment.
    const fault = expectProblem(await admin(h, 'POST', '/admin/v1/segments/estimate', h.a.secretKey, { id: segmentId(), name: 'v', rule: `in_segment("${id}")` }), 400, 'ATTUNE_RULE_INVALID');
    expect(fault.field).toBe('/rule');
  },

  'GET /admin/v1/segments/overlap': async (h) => {
    const { id } = await segmentInB(h);
    const other = segmentId();
    await ok(h, 'POST', '/admin/v1/segments', h.b.secretKey, { id: other, name: 'everyone in B', rule: 'true' });
    expectProblem(await admin(h, 'GET', `/admin/v1/segments/overlap?ids=${id},${other}`, h.a.secretKey), 404, 'ATTUNE_SEGMENT_NOT_FOUND');
    type Overlap = { pairs: { both: number }[] };
    expect((await ok<Overlap>(h, 'GET', `/admin/v1/segments/overlap?ids=${id},${other}`, h.b.secretKey)).pairs[0]?.both).toBe(1);
    // The same ids in A count A's members only.
    await ok(h, 'POST', '/admin/v1/segments', h.a.secretKey, { id, name: 'nobody in A', rule: 'false' });
    await ok(h, 'POST', '/admin/v1/segments', h.a.secretKey, { id: other, name: 'everyone in A', rule: 'true' });
    expect((await ok<Overlap>(h, 'GET', `/admin/v1/segments/overlap?ids=${id},${other}`, h.a.secretKey)).pairs[0]?.both).toBe(0);
  },

  'GET /admin/v1/segments/:id': async (h) => {
    const { id, rule } = await segmentInB(h);
    const res = await admin(h, 'GET', `/admin/v1/segments/${id}`, h.a.secretKey);
    expectProblem(res, 404, 'ATTUNE_SEGMENT_NOT_FOUND');
    expect(res.body).not.toContain(rule);
  },

  'GET /admin/v1/segments/:id/members': async (h) => {
    const { id, userId } = await segmentInB(h);
    const inB = await findProfile(h, h.b.secretKey, userId);
    const res = await admin(h, 'GET', `/admin/v1/segments/${id}/members`, h.a.secretKey);
    expectProblem(res, 404, 'ATTUNE_SEGMENT_NOT_FOUND');
    expect(res.body).not.toContain(inB!.id);
    // A segment of the same id in A that matches everyone lists A's profiles only.
    await ok(h, 'POST', '/admin/v1/segments', h.a.secretKey, { id, name: 'everyone in A', rule: 'true' });
    const inA = await memberIds(h, h.a.secretKey, id);
    expect(inA.length).toBeGreaterThan(0);
    expect(inA).not.toContain(inB!.id);
  },

  'GET /admin/v1/segments/:id/history': async (h) => {
    const { id } = await segmentInB(h);
    expectProblem(await admin(h, 'GET', `/admin/v1/segments/${id}/history`, h.a.secretKey), 404, 'ATTUNE_SEGMENT_NOT_FOUND');
    const inB = await ok<{ days: { size: number; entries: number }[] }>(h, 'GET', `/admin/v1/segments/${id}/history?days=2`, h.b.secretKey);
    expect(inB.days.map((d) => d.size)).toEqual([0, 1]);
    // The same id in A, with no members: B's entries are not counted in A.
    await ok(h, 'POST', '/admin/v1/segments', h.a.secretKey, { id, name: 'nobody in A', rule: 'false' });
    const inA = await ok<{ days: { size: number; entries: number }[] }>(h, 'GET', `/admin/v1/segments/${id}/history?days=2`, h.a.secretKey);
    expect(inA.days).toEqual([expect.objectContaining({ size: 0, entries: 0 }), expect.objectContaining({ size: 0, entries: 0 })]);
  },

  // A purpose of its own per case: the shared workspaces keep personalising as the other cases expect.
  'GET /admin/v1/consent': async (h) => {
    const purpose = featureName();
    await ok(h, 'PUT', '/admin/v1/consent', h.b.secretKey, { defaults: { [purpose]: false } });
    expect((await consentOf(h, h.a.secretKey)).defaults[purpose]).toBeUndefined();
    expect((await consentOf(h, h.b.secretKey)).defaults[purpose]).toBe(false);
  },

  'PUT /admin/v1/consent': async (h) => {
    const [inA, inB] = [featureName(), featureName()];
    await ok(h, 'PUT', '/admin/v1/consent', h.b.secretKey, { defaults: { [inB]: false } });
    await ok(h, 'PUT', '/admin/v1/consent', h.a.secretKey, { defaults: { [inA]: false } });
    expect(Object.keys((await consentOf(h, h.b.secretKey)).defaults)).toEqual(expect.arrayContaining([inB]));
    expect((await consentOf(h, h.b.secretKey)).defaults[inA]).toBeUndefined();
    expect((await consentOf(h, h.a.secretKey)).defaults[inB]).toBeUndefined();
    expect((await consentOf(h, h.a.secretKey)).defaults[inA]).toBe(false);
  },
};
