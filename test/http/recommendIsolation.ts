import { expect } from 'vitest';
import type { Harness } from '../support/harness.js';
import { admin, collect, expectCollected, uniqueId } from './httpHelpers.js';

/**
 * Isolation cases of recommending (POST /v1/recommend, and the recommendation slots of
 * POST /v1/decide), spread into `cases` of isolation.test.ts: what B's visitors viewed
 * together never shapes A's lists, and A's lists show A's catalog entries only, for item ids
 * both workspaces hold; the rules of a workspace are mined from its own orders only.
 */

type IsolationCase = (h: Harness) => Promise<void>;

interface Listed { id: string; title?: string; strategy: string }

async function ok<T>(h: Harness, method: 'POST' | 'PUT', url: string, key: string, payload: Record<string, unknown>): Promise<T> {
  const res = await admin(h, method, url, key, payload);
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json<T>();
}

async function recommend(h: Harness, writeKey: string, body: Record<string, unknown>): Promise<Listed[]> {
  const res = await collect(h, '/v1/recommend', body, writeKey);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: Listed[] }>().items;
}

export const recommendIsolationCases: Record<string, IsolationCase> = {
  'POST /v1/recommend': async (h) => {
    const [x, y] = [uniqueId('iso-rx'), uniqueId('iso-ry')];
    for (const [w, name] of [[h.a, 'A'], [h.b, 'B']] as const) {
      await ok(h, 'POST', '/admin/v1/items', w.secretKey, { items: [{ id: x, title: `${name} x` }, { id: y, title: `${name} y` }] });
    }
    // Only B's visitors view x and y together.
    const at = Date.now();
    const views = [1, 2, 3].flatMap((i) => [x, y].map((item, j) => ({
      type: 'track', event: 'Product Viewed', anonymousId: uniqueId('iso-rv'), timestamp: new Date(at - 60_000 + i * 10 + j).toISOString(), properties: { product_id: item },
    })));
    // One visitor per pair: each pair of views is one session.
    for (let i = 0; i < views.length; i += 2) views[i + 1]!.anonymousId = views[i]!.anonymousId;
    expectCollected(await collect(h, '/v1/batch', { batch: views }, h.b.writeKey));

    const inB = await recommend(h, h.b.writeKey, { strategy: 'viewed-together', items: [x], count: 5 });
    expect(inB.find((i) => i.id === y)).toMatchObject({ title: 'B y', strategy: 'viewed-together' });
    const inA = await recommend(h, h.a.writeKey, { strategy: 'viewed-together', items: [x], count: 5 });
    expect(inA.filter((i) => i.strategy === 'viewed-together')).toEqual([]);
    expect(inA.filter((i) => i.title?.startsWith('B '))).toEqual([]);

    // The same through a recommendation slot of A's.
    const placement = uniqueId('iso-rplace');
    const slot = uniqueId('iso-rslot');
    await ok(h, 'PUT', `/admin/v1/placements/${placement}`, h.a.secretKey, { channel: 'web', strategy: { kind: 'priority' }, defaultContent: { title: 'A default' } });
    await ok(h, 'PUT', `/admin/v1/actions/${slot}`, h.a.secretKey, { placements: [placement], recommend: { strategy: 'viewed-together', count: 5 }, variants: { default: { title: '{{ item.title }}' } } });
    const res = await collect(h, '/v1/decide', { anonymousId: uniqueId('iso-rvisitor'), placements: [{ id: placement, items: [x] }] }, h.a.writeKey);
    expect(res.statusCode, res.body).toBe(200);
    const decisions = res.json<{ placements: { decisions: { items?: Listed[]; content: unknown }[] }[] }>().placements[0]!.decisions;
    expect(decisions.flatMap((d) => d.items ?? []).filter((i) => i.strategy === 'viewed-together')).toEqual([]);
    expect(JSON.stringify(decisions.map((d) => d.content))).not.toContain('B ');
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
