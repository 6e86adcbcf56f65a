import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { startHarness, type Harness } from '../support/harness.js';
import { admin, collect, expectCollected, expectProblem } from './httpHelpers.js';

// GET /admin/v1/recommend/rules: association rules of the workspace's orders, figures by hand.

const t0 = Date.parse('2026-03-02T10:00:00.000Z');
const day = 86_400_000;

interface Report {
  baskets: number;
  since: string;
  ordersWithoutItems: number;
  ordersLeftOut: number;
  itemsetCount: number;
  ruleCount: number;
  itemsets: { items: string[]; support: number; count: number }[];
  rules: { antecedent: string[]; consequent: string[]; support: number; confidence: number; lift: number; count: number }[];
}

describe('GET /admin/v1/recommend/rules', () => {
  const clock = fixedClock(t0);
  let h: Harness;
  beforeEach(async () => {
    clock.set(t0);
    h = await startHarness({ clock });
  });
  afterEach(async () => { await h.close(); });

  const order = (userId: string, items: readonly (string | number)[]) => ({
    type: 'track', event: 'Order Completed', userId, properties: { order_id: `o-${userId}`, products: items.map((product_id) => ({ product_id, quantity: 1 })) },
  });
  const rules = (query: string, key = h.a.secretKey) => admin(h, 'GET', `/admin/v1/recommend/rules?${query}`, key);

  async function orders(): Promise<void> {
    // Older than the 90-day window: never read.
    clock.set(t0 - 100 * day);
    expectCollected(await collect(h, '/v1/batch', { batch: [order('old', ['c', 'd']), order('old2', ['c', 'd'])] }));
    clock.set(t0);
    expectCollected(await collect(h, '/v1/batch', {
      batch: [
        order('u1', ['a', 'b', 'c']),
        order('u2', ['a', 'b', 'b']),
        order('u3', ['a', 'c']),
        order('u4', ['b', 'd']),
        order('u5', ['a', 'b', 'd']),
        { type: 'track', event: 'Order Completed', userId: 'u6', properties: { order_id: 'empty', products: [] } },
        { type: 'track', event: 'Product Viewed', userId: 'u7', properties: { product_id: 'c' } },
      ],
    }));
    // Another workspace's orders are not read; an integer product id is read as its decimal text.
    expectCollected(await collect(h, '/v1/batch', { batch: [order('x', ['c', 7]), order('y', ['c', '7'])] }, h.b.writeKey));
  }

  it('mines the window\'s orders: support, confidence and lift from counts, as arules defines them', async () => {
    await orders();
    const res = await rules('minSupport=0.4&minConfidence=0.5&minLength=2');
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json<Report>();
    // Five baskets: abc, ab, ac, bd, abd. Counts a 4, b 4, c 2, d 2; ab 3, ac 2, bd 2, bc 1, ad 1;
    // abc fails (bc is not frequent at 2 of 5).
    expect(report).toMatchObject({ baskets: 5, ordersWithoutItems: 1, ordersLeftOut: 0, itemsetCount: 3, ruleCount: 6, since: new Date(t0 - 90 * day).toISOString() });
    expect(report.itemsets).toEqual([
      { items: ['a', 'b'], support: 0.6, count: 3 },
      { items: ['a', 'c'], support: 0.4, count: 2 },
      { items: ['b', 'd'], support: 0.4, count: 2 },
    ]);
    // lift(X => y) = count(Xy) * N / (count(X) * count(y)): c => a is 2 * 5 / (2 * 4) = 1.25; a => b is 3 * 5 / (4 * 4).
    const rows = report.rules.map((r) => [r.antecedent.join(), r.consequent.join(), r.count, r.support, r.confidence, r.lift]);
    expect(rows).toEqual([
      ['c', 'a', 2, 0.4, 1, 1.25],
      ['d', 'b', 2, 0.4, 1, 1.25],
      ['a', 'c', 2, 0.4, 0.5, 1.25],
      ['b', 'd', 2, 0.4, 0.5, 1.25],
      ['a', 'b', 3, 0.6, 0.75, 0.9375],
      ['b', 'a', 3, 0.6, 0.75, 0.9375],
    ]);
  });

  it('minLength 1 lists single items and rules with an empty antecedent; limit cuts the lists, not the counts', async () => {
    await orders();
    const report = (await rules('minSupport=0.4&minConfidence=0.8&limit=2')).json<Report>();
    expect(report.itemsets).toEqual([{ items: ['a'], support: 0.8, count: 4 }, { items: ['b'], support: 0.8, count: 4 }]);
    expect(report.itemsetCount).toBe(7);
    // {} => a has confidence 4/5 and lift 1; c => a and d => b have confidence 1.
    expect(report.ruleCount).toBe(4);
    expect(report.rules.map((r) => [r.antecedent, r.consequent])).toEqual([[['c'], ['a']], [['d'], ['b']]]);
    const all = (await rules('minSupport=0.4&minConfidence=0.8')).json<Report>();
    expect(all.rules.slice(2).map((r) => [r.antecedent, r.consequent, r.confidence, r.lift])).toEqual([[[], ['a'], 0.8, 1], [[], ['b'], 0.8, 1]]);
  });

  it('a longer window reads the older orders; no orders is an empty answer', async () => {
    await orders();
    expect((await rules('minSupport=0.5&minConfidence=0.5&days=365')).json<Report>()).toMatchObject({ baskets: 7 });
    const inB = await rules('minSupport=0.5&minConfidence=0.5', h.b.secretKey);
    expect(inB.json<Report>()).toMatchObject({ baskets: 2, itemsets: [{ items: ['7'] }, { items: ['c'] }, { items: ['7', 'c'] }] });
    clock.set(t0 + 200 * day);
    expect((await rules('minSupport=0.5&minConfidence=0.5')).json<Report>()).toMatchObject({ baskets: 0, itemsetCount: 0, ruleCount: 0, itemsets: [], rules: [] });
  });

  it.each([
    ['minConfidence=0.5', 'querystring', 'minSupport'],
    ['minSupport=0&minConfidence=0.5', 'querystring/minSupport', ''],
    ['minSupport=1.5&minConfidence=0.5', 'querystring/minSupport', ''],
    ['minSupport=x&minConfidence=0.5', 'querystring/minSupport', ''],
    ['minSupport=0.1&minConfidence=1.1', 'querystring/minConfidence', ''],
    ['minSupport=0.1&minConfidence=0.5&minLength=0', 'querystring/minLength', ''],
    ['minSupport=0.1&minConfidence=0.5&maxLength=7', 'querystring/maxLength', ''],
    ['minSupport=0.1&minConfidence=0.5&minLength=3&maxLength=2', 'querystring/maxLength', ''],
    ['minSupport=0.1&minConfidence=0.5&days=0', 'querystring/days', ''],
    ['minSupport=0.1&minConfidence=0.5&limit=10001', 'querystring/limit', ''],
  ])('%s is a 400 naming %s', async (query, field, missing) => {
    const problem = expectProblem(await rules(query), 400, 'ATTUNE_INVALID_REQUEST');
    expect(problem.field).toBe(field);
    if (missing !== '') expect(problem.detail).toContain(missing);
  });

  it('stops at the bound on work with a 400 on minSupport, not a long computation', async () => {
    const items = Array.from({ length: 30 }, (_, i) => `i${String(i).padStart(2, '0')}`);
    expectCollected(await collect(h, '/v1/track', order('big', items)));
    // Every subset of 30 items is frequent: 30 + 435 + 4,060 + 27,405 + 142,506 itemsets up to 5
    // items, then 593,775 candidates of 6, past the bound of 250,000 in all.
    const started = Date.now();
    const problem = expectProblem(await rules('minSupport=0.5&minConfidence=0.5'), 400, 'ATTUNE_INVALID_REQUEST');
    expect(problem.field).toBe('querystring/minSupport');
    expect(problem.detail).toContain('raise the minimum support');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await rules('minSupport=0.5&minConfidence=0.5&maxLength=4&limit=1')).json<Report>().itemsetCount).toBe(30 + 435 + 4060 + 27405);
  });

  it('needs the secret key', async () => {
    expectProblem(await admin(h, 'GET', '/admin/v1/recommend/rules?minSupport=0.5&minConfidence=0.5', h.a.writeKey), 403, 'ATTUNE_FORBIDDEN');
  });
});
