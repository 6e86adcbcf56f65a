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

export const predictionIsolationCases: Record<string, IsolationCase> = {
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
};
