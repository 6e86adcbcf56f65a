import { expect } from 'vitest';
import type { Harness } from '../support/harness.js';
import { admin, collect, expectCollected, expectProblem, uniqueId } from './httpHelpers.js';

/**
 * Isolation cases of the trained recommender models API, spread into `cases` of
 * isolation.test.ts: a training reads the workspace's own events and stores its own version;
 * A neither lists nor activates B's versions.
 */

type IsolationCase = (h: Harness) => Promise<void>;

interface Listing { active: number | null; versions: { version: number }[] }

const list = async (h: Harness, key: string): Promise<Listing> => {
  const res = await admin(h, 'GET', '/admin/v1/recommenders', key);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Listing>();
};

/** Trains B on item events of its own; its new version. */
async function trainB(h: Harness): Promise<number> {
  const visitor = uniqueId('iso-rec');
  const batch = ['x1', 'x2', 'x3'].map((item) => ({ type: 'track', event: 'Product Viewed', anonymousId: visitor, properties: { product_id: `${visitor}-${item}` } }));
  expectCollected(await collect(h, '/v1/batch', { batch }, h.b.writeKey));
  const res = await admin(h, 'POST', '/admin/v1/recommenders/train', h.b.secretKey, { wait: true });
  expect(res.statusCode, res.body).toBe(200);
  const summary = res.json<{ version: number; items: number }>();
  return summary.version;
}

interface Recommended { profileId: string | null; model: { version: number } | null; items: { id: string }[] }

async function recommendAs(h: Harness, writeKey: string, anonymousId: string): Promise<Recommended> {
  const res = await h.app.inject({ method: 'POST', url: '/v1/recommend', headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` }, payload: { anonymousId, count: 20 } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Recommended>();
}

export const recommenderModelIsolationCases: Record<string, IsolationCase> = {
  'POST /v1/recommend': async (h) => {
    // B's catalog, events and trained model serve B's visitors only.
    const visitor = uniqueId('iso-rec-visitor');
    const ids = ['p1', 'p2', 'p3', 'p4'].map((p) => `${visitor}-${p}`);
    const created = await admin(h, 'POST', '/admin/v1/items', h.b.secretKey, { items: ids.map((id) => ({ id, title: id })) });
    expect(created.statusCode, created.body).toBe(200);
    const batch = ids.slice(0, 3).map((id) => ({ type: 'track', event: 'Product Viewed', anonymousId: visitor, properties: { product_id: id } }));
    expectCollected(await collect(h, '/v1/batch', { batch }, h.b.writeKey));
    await trainB(h);
    const inA = await recommendAs(h, h.a.writeKey, visitor);
    expect(inA.profileId).toBeNull();
    expect(inA.model).toBeNull();
    expect(inA.items.filter((i) => ids.includes(i.id))).toEqual([]);
    const inB = await recommendAs(h, h.b.writeKey, visitor);
    expect(inB.profileId).not.toBeNull();
    expect(inB.model).not.toBeNull();
  },


  'POST /admin/v1/recommenders/train': async (h) => {
    const before = await list(h, h.a.secretKey);
    const version = await trainB(h);
    expect(await list(h, h.a.secretKey)).toEqual(before);
    expect((await list(h, h.b.secretKey)).versions.map((v) => v.version)).toContain(version);
  },

  'GET /admin/v1/recommenders': async (h) => {
    const version = await trainB(h);
    expect((await list(h, h.a.secretKey)).versions.map((v) => v.version)).not.toContain(version);
    expect((await list(h, h.b.secretKey)).active).toBe(version);
  },

  'POST /admin/v1/recommenders/:version/activate': async (h) => {
    const version = await trainB(h);
    expectProblem(await admin(h, 'POST', `/admin/v1/recommenders/${version}/activate`, h.a.secretKey), 404, 'ATTUNE_MODEL_NOT_FOUND');
    expect((await list(h, h.a.secretKey)).active).toBeNull();
    expect((await list(h, h.b.secretKey)).active).toBe(version);
  },
};
