import { expect } from 'vitest';
import { basicAuth, type Harness } from '../support/harness.js';
import { admin, collect, expectCollected, uniqueId } from './httpHelpers.js';

/**
 * Isolation cases of the recommenders' admin API, spread into `cases` of isolation.test.ts:
 * the rules of a workspace are mined from its own orders only; and of POST /v1/recommend: a
 * workspace's lists come from its own events, whatever items another workspace's visitors view.
 */

type IsolationCase = (h: Harness) => Promise<void>;

export const recommendIsolationCases: Record<string, IsolationCase> = {
  'POST /v1/recommend': async (h) => {
    const item = uniqueId('iso-rec-item');
    // The item is in both catalogs (so A could show it), and viewed in B only.
    for (const key of [h.a.secretKey, h.b.secretKey]) expect((await admin(h, 'POST', '/admin/v1/items', key, { id: item, title: 'Both' })).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) expectCollected(await collect(h, '/v1/track', { anonymousId: uniqueId('iso-a'), event: 'Product Viewed', properties: { product_id: item } }, h.b.writeKey));
    const listed = async (writeKey: string) => {
      const res = await h.app.inject({ method: 'POST', url: '/v1/recommend', headers: { authorization: basicAuth(writeKey) }, payload: { strategy: 'popular', count: 100 } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ items: { id: string }[] }>().items.map((i) => i.id);
    };
    expect(await listed(h.b.writeKey)).toContain(item);
    expect(await listed(h.a.writeKey)).not.toContain(item);
  },


  'GET /admin/v1/recommend/rules': async (h) => {
    const item = uniqueId('iso-rule-item');
    const order = { userId: uniqueId('iso-u'), event: 'Order Completed', properties: { products: [{ product_id: item }] } };
    expectCollected(await collect(h, '/v1/track', order, h.b.writeKey));
    const itemsOf = async (key: string) => {
      const res = await admin(h, 'GET', '/admin/v1/recommend/rules?minSupport=0.0001&minConfidence=1&maxLength=1&limit=10000', key);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ itemsets: { items: string[] }[] }>().itemsets.flatMap((s) => s.items);
    };
    expect(await itemsOf(h.b.secretKey)).toContain(item);
    expect(await itemsOf(h.a.secretKey)).not.toContain(item);
  },
};
