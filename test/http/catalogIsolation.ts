import { expect } from 'vitest';
import type { Harness } from '../support/harness.js';
import { admin, collect, expectCollected, expectProblem, uniqueId } from './httpHelpers.js';

/**
 * Isolation cases of the catalog API, spread into `cases` of isolation.test.ts: workspace A
 * can neither see nor change B's items, the same id in both names two items, and the
 * unknown-item report reads the workspace's own events and catalog only.
 */

type IsolationCase = (h: Harness) => Promise<void>;

async function ok<T>(h: Harness, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, key: string, payload?: Record<string, unknown>): Promise<T> {
  const res = await admin(h, method, url, key, payload);
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return (res.statusCode === 204 ? undefined : res.json<T>()) as T;
}

const path = (id: string) => `/admin/v1/items/${encodeURIComponent(id)}`;
const titleIn = async (h: Harness, key: string, id: string) => (await ok<{ title: string }>(h, 'GET', path(id), key)).title;
const missingIn = async (h: Harness, key: string, id: string) => expectProblem(await admin(h, 'GET', path(id), key), 404, 'ATTUNE_ITEM_NOT_FOUND');
/** An item in B only. */
async function itemInB(h: Harness): Promise<string> {
  const id = uniqueId('iso-item');
  await ok(h, 'POST', '/admin/v1/items', h.b.secretKey, { id, title: 'B only' });
  return id;
}

export const catalogIsolationCases: Record<string, IsolationCase> = {
  'GET /admin/v1/items': async (h) => {
    const id = await itemInB(h);
    const inA = await ok<{ items: { id: string }[]; total: number }>(h, 'GET', `/admin/v1/items?q=${encodeURIComponent(id)}`, h.a.secretKey);
    expect(inA).toMatchObject({ items: [], total: 0 });
    expect((await ok<{ items: { id: string }[] }>(h, 'GET', `/admin/v1/items?q=${encodeURIComponent(id)}`, h.b.secretKey)).items.map((i) => i.id)).toEqual([id]);
  },

  'POST /admin/v1/items': async (h) => {
    const id = await itemInB(h);
    // The same id in A is A's own item: created, and B's is untouched.
    expect(await ok(h, 'POST', '/admin/v1/items', h.a.secretKey, { items: [{ id, title: 'A too' }] })).toMatchObject({ created: 1, updated: 0 });
    expect(await titleIn(h, h.b.secretKey, id)).toBe('B only');
  },

  'GET /admin/v1/items/:id': async (h) => {
    const id = await itemInB(h);
    await missingIn(h, h.a.secretKey, id);
    expect(await titleIn(h, h.b.secretKey, id)).toBe('B only');
  },

  'PUT /admin/v1/items/:id': async (h) => {
    const id = await itemInB(h);
    expect((await admin(h, 'PUT', path(id), h.a.secretKey, { title: 'A' })).statusCode).toBe(201);
    expect(await titleIn(h, h.b.secretKey, id)).toBe('B only');
  },

  'PATCH /admin/v1/items/:id': async (h) => {
    const id = await itemInB(h);
    expectProblem(await admin(h, 'PATCH', path(id), h.a.secretKey, { title: 'changed by A' }), 404, 'ATTUNE_ITEM_NOT_FOUND');
    expect(await titleIn(h, h.b.secretKey, id)).toBe('B only');
  },

  'DELETE /admin/v1/items/:id': async (h) => {
    const id = await itemInB(h);
    expectProblem(await admin(h, 'DELETE', path(id), h.a.secretKey), 404, 'ATTUNE_ITEM_NOT_FOUND');
    expect(await titleIn(h, h.b.secretKey, id)).toBe('B only');
  },

  'GET /admin/v1/unknown-items': async (h) => {
    const [seenInB, knownInB] = [uniqueId('iso-unknown'), await itemInB(h)];
    for (const productId of [seenInB, knownInB]) {
      expectCollected(await collect(h, '/v1/track', { userId: uniqueId('iso-u'), event: 'Product Viewed', properties: { product_id: productId } }, h.b.writeKey));
    }
    const report = async (key: string) => (await ok<{ items: { itemId: string }[] }>(h, 'GET', '/admin/v1/unknown-items?limit=1000', key)).items.map((i) => i.itemId);
    expect(await report(h.a.secretKey)).not.toContain(seenInB);
    expect(await report(h.b.secretKey)).toContain(seenInB);
    expect(await report(h.b.secretKey)).not.toContain(knownInB);
    // A's event naming B's item: unknown in A, whatever B's catalog holds.
    expectCollected(await collect(h, '/v1/track', { userId: uniqueId('iso-u'), event: 'Product Viewed', properties: { product_id: knownInB } }, h.a.writeKey));
    expect(await report(h.a.secretKey)).toContain(knownInB);
  },
};
