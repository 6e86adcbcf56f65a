import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { compileKnowledgeModel } from '../../src/core/knowledge/KnowledgeModel.js';
import { rebuildWorkspace } from '../../src/knowledge/rebuild.js';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';

// Amounts as strings, through real collection: "12.50" counts as 12.5 wherever features and
// metrics read numbers; "12,50" or an object is counted as unreadable (Prometheus, the
// profile, the workspace), never as 0; a rebuild from the log gives the same figures.
const t0 = Date.parse('2026-03-02T09:00:00.000Z');

function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) return Number(match[3]);
  }
  return undefined;
}

interface DataQuality { unreadableNumbers: number; byProperty: Record<string, number> }

describe('numbers in events', () => {
  const clock = fixedClock(t0);
  let h: Harness;
  let n = 0;
  const order = (userId: string, revenue: unknown) =>
    ({ type: 'track', userId, event: 'Order Completed', messageId: `order-${++n}`, timestamp: new Date(t0 + n).toISOString(), properties: { revenue } });
  const send = async (writeKey: string, batch: unknown[]) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(writeKey) }, payload: { batch } });
    expect(res.statusCode, res.body).toBe(200);
  };
  const get = async <T>(url: string, secretKey = h.a.secretKey): Promise<T> => {
    const res = await h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${secretKey}` } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<T>();
  };
  const profile = (id: string) => get<{ features: Record<string, unknown>; dataQuality: DataQuality }>(`/admin/v1/profiles/${id}`);

  beforeAll(async () => {
    h = await startHarness({ clock });
    await h.store.knowledgeConfig.putFeature(h.a.id, { name: 'spend', aggregate: 'sum', events: ['Order Completed'], property: 'properties.revenue' }, t0);
    await h.store.knowledgeConfig.putFeature(h.a.id, { name: 'smallest', aggregate: 'min', events: ['Order Completed'], property: 'properties.revenue' }, t0);
    await h.store.knowledgeConfig.putFeature(h.a.id, { name: 'largest', aggregate: 'max', events: ['Order Completed'], property: 'properties.revenue', window: '7d' }, t0);
  });
  afterAll(async () => { await h.close(); });

  it('reads a numeric string as its number in the built-in revenue, sums, minimums and the derived values; a clean profile has no figures', async () => {
    await send(h.a.writeKey, [order('clean', '12.50'), order('clean', 7.5), order('clean', '1e1')]);
    const clean = await profile('clean');
    expect(clean.features).toMatchObject({ revenue: 30, spend: 30, smallest: 7.5, largest: 12.5, order_count: 3, monetary: 30, average_order_value: 10 });
    expect(clean.dataQuality).toEqual({ unreadableNumbers: 0, byProperty: {} });
  });

  it('counts unreadable values in /metrics, the profile and the workspace; they do not count as 0', async () => {
    const before = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    await send(h.a.writeKey, [order('messy', '20'), order('messy', '12,50'), order('messy', { amount: 3 }), order('messy', '')]);
    const messy = await profile('messy');
    // 20 is the one readable amount: neither the minimum nor the average order value is dragged towards 0.
    expect(messy.features).toMatchObject({ revenue: 20, spend: 20, smallest: 20, largest: 20, order_count: 4, unreadable_revenue_orders: 3, average_order_value: 20 });
    expect(messy.dataQuality).toEqual({ unreadableNumbers: 3, byProperty: { 'properties.revenue': 3 } });

    const after = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    const delta = (reason: string) => metricValue(after, 'attune_unreadable_numbers_total', { reason })! - (metricValue(before, 'attune_unreadable_numbers_total', { reason }) ?? 0);
    expect(delta('malformed_string')).toBe(2);
    expect(delta('wrong_type')).toBe(1);
    expect(metricValue(after, 'attune_unreadable_numbers_total', { reason: 'out_of_range' })).toBe(0);

    const workspace = await get<{ id: string; dataQuality: DataQuality }>('/admin/v1/workspace');
    expect(workspace.dataQuality).toEqual({ unreadableNumbers: 3, byProperty: { 'properties.revenue': 3 } });
    // Another workspace's figures are its own.
    const other = await get<{ dataQuality: DataQuality }>('/admin/v1/workspace', h.b.secretKey);
    expect(other.dataQuality).toEqual({ unreadableNumbers: 0, byProperty: {} });
  });

  it('a rebuild from the log gives the same features and figures', async () => {
    const [clean, messy, workspace] = [await profile('clean'), await profile('messy'), await get<{ dataQuality: DataQuality }>('/admin/v1/workspace')];
    const ws = (await h.store.workspaces.getWorkspace(h.a.id))!;
    const model = compileKnowledgeModel({ features: await h.store.knowledgeConfig.listFeatures(ws.id), segments: [] });
    await rebuildWorkspace(h.store, ws, model);
    expect(await profile('clean')).toEqual(clean);
    expect(await profile('messy')).toEqual(messy);
    expect((await get<{ dataQuality: DataQuality }>('/admin/v1/workspace')).dataQuality).toEqual(workspace.dataQuality);
  });
});
