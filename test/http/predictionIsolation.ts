import { expect } from 'vitest';
import type { Harness } from '../support/harness.js';
import { admin, collect, expectCollected, expectProblem, findProfile, uniqueId } from './httpHelpers.js';

/**
 * Isolation cases of the prediction models API, spread into `cases` of isolation.test.ts: a
 * training reads the workspace's own profiles and stores its own version; A neither lists B's
 * models nor reads the predictions of B's profiles.
 */

type IsolationCase = (h: Harness) => Promise<void>;

interface Listing { current: { version: number; customers: number } | null; versions: { version: number }[] }

const list = async (h: Harness, key: string): Promise<Listing> => {
  const res = await admin(h, 'GET', '/admin/v1/predictions', key);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Listing>();
};

/** Orders of three customers of B's; their user ids. */
async function ordersInB(h: Harness): Promise<string[]> {
  const users = [1, 2, 3].map((i) => uniqueId(`iso-pred-${i.toString()}`));
  const batch = users.map((userId) => ({ type: 'track', userId, event: 'Order Completed', properties: { revenue: 20 } }));
  expectCollected(await collect(h, '/v1/batch', { batch }, h.b.writeKey));
  return users;
}

async function train(h: Harness, key: string): Promise<{ version: number; customers: number }> {
  const res = await admin(h, 'POST', '/admin/v1/predictions/train', key);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ version: number; customers: number }>();
}

/** A segment in B whose one member is a new profile of B's; its id and the member's user id. */
async function segmentInB(h: Harness): Promise<{ id: string; userId: string }> {
  const [id, userId, tag] = [uniqueId('iso-value'), uniqueId('iso-value-member'), uniqueId('tag')];
  expectCollected(await collect(h, '/v1/batch', { batch: [{ type: 'identify', userId, traits: { iso_tag: tag } }, { type: 'track', userId, event: 'Order Completed', properties: { revenue: 30 } }] }, h.b.writeKey));
  const res = await admin(h, 'POST', '/admin/v1/segments', h.b.secretKey, { id, name: 'B only', rule: `profile.traits.iso_tag == "${tag}"` });
  expect(res.statusCode, res.body).toBe(201);
  return { id, userId };
}

interface SegmentValue { members: number; customers: number; workspace: { profiles: number; customers: number } }

export const predictionIsolationCases: Record<string, IsolationCase> = {
  'POST /admin/v1/predictions/clusters/:cluster/segment': async (h) => {
    // Enough buyers in B for its model to find clusters.
    const batch = Array.from({ length: 60 }, (_v, i) => ({ type: 'track', userId: uniqueId(`iso-cluster-${i.toString()}`), event: 'Order Completed', properties: { revenue: 10 + i } }));
    expectCollected(await collect(h, '/v1/batch', { batch }, h.b.writeKey));
    await train(h, h.b.secretKey);
    const id = uniqueId('iso-cluster-seg');
    const published = await admin(h, 'POST', '/admin/v1/predictions/clusters/0/segment', h.b.secretKey, { id });
    expect(published.statusCode, published.body).toBe(201);
    expectProblem(await admin(h, 'GET', `/admin/v1/segments/${id}`, h.a.secretKey), 404, 'ATTUNE_SEGMENT_NOT_FOUND');
    const inB = await admin(h, 'GET', `/admin/v1/segments/${id}`, h.b.secretKey);
    expect(inB.statusCode, inB.body).toBe(200);
  },

  'POST /admin/v1/predictions/train': async (h) => {
    const aBefore = await train(h, h.a.secretKey);
    await ordersInB(h);
    // A's customers are A's own: B's new buyers do not change A's training.
    expect((await train(h, h.a.secretKey)).customers).toBe(aBefore.customers);
    const before = await list(h, h.b.secretKey);
    const fromB = await train(h, h.b.secretKey);
    expect(fromB.customers).toBeGreaterThanOrEqual(3);
    expect(fromB.version).toBe((before.current?.version ?? 0) + 1);
  },

  'GET /admin/v1/predictions': async (h) => {
    const a = await list(h, h.a.secretKey);
    await ordersInB(h);
    await train(h, h.b.secretKey);
    expect(await list(h, h.a.secretKey)).toEqual(a);
  },

  'GET /admin/v1/profiles/:id/predictions': async (h) => {
    const [user] = await ordersInB(h);
    const profile = await findProfile(h, h.b.secretKey, user!);
    expect(profile).toBeDefined();
    expectProblem(await admin(h, 'GET', `/admin/v1/profiles/${profile!.id}/predictions`, h.a.secretKey), 404, 'ATTUNE_PROFILE_NOT_FOUND');
    const res = await admin(h, 'GET', `/admin/v1/profiles/${profile!.id}/predictions`, h.b.secretKey);
    expect(res.statusCode, res.body).toBe(200);
  },

  'GET /admin/v1/segments/:id/value': async (h) => {
    const { id } = await segmentInB(h);
    expectProblem(await admin(h, 'GET', `/admin/v1/segments/${id}/value`, h.a.secretKey), 404, 'ATTUNE_SEGMENT_NOT_FOUND');
    const inB = await admin(h, 'GET', `/admin/v1/segments/${id}/value`, h.b.secretKey);
    expect(inB.statusCode, inB.body).toBe(200);
    expect(inB.json<SegmentValue>()).toMatchObject({ members: 1, customers: 1 });
    // The same id in A, matching everyone: A's profiles only, and B's new buyers change nothing in A.
    expect((await admin(h, 'POST', '/admin/v1/segments', h.a.secretKey, { id, name: 'everyone in A', rule: 'true' })).statusCode).toBe(201);
    const value = async () => {
      const res = await admin(h, 'GET', `/admin/v1/segments/${id}/value`, h.a.secretKey);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<SegmentValue>();
    };
    const before = await value();
    expect(before.members).toBe(before.workspace.profiles);
    await ordersInB(h);
    expect(await value()).toEqual(before);
  },

  'POST /admin/v1/segments/:id/plan': async (h) => {
    const { id } = await segmentInB(h);
    const body = { minimumDetectableEffect: 0.2, days: 14, baselineRate: 0.1 };
    expectProblem(await admin(h, 'POST', `/admin/v1/segments/${id}/plan`, h.a.secretKey, body), 404, 'ATTUNE_SEGMENT_NOT_FOUND');
    const inB = await admin(h, 'POST', `/admin/v1/segments/${id}/plan`, h.b.secretKey, body);
    expect(inB.statusCode, inB.body).toBe(200);
    expect(inB.json<{ members: number }>().members).toBe(1);
    // The same id in A that nobody matches: B's member is not counted in A.
    expect((await admin(h, 'POST', '/admin/v1/segments', h.a.secretKey, { id, name: 'nobody in A', rule: 'false' })).statusCode).toBe(201);
    const inA = await admin(h, 'POST', `/admin/v1/segments/${id}/plan`, h.a.secretKey, body);
    expect(inA.statusCode, inA.body).toBe(200);
    expect(inA.json<{ members: number; projectedUnitsPerArm: number }>()).toMatchObject({ members: 0, projectedUnitsPerArm: 0 });
  },
};
