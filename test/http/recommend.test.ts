import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';
import { adminCalls, collect, expectCollected, expectProblem } from './httpHelpers.js';

// POST /v1/recommend over the online item models: what events teach is in the next answer.

const t0 = Date.parse('2026-03-02T10:00:00.000Z');
const minute = 60_000;

interface Answer {
  profileId: string | null;
  personalized: boolean;
  strategy: string;
  situation: string;
  fallback: string | null;
  items: { id: string; title: string; strategy: string; reason: string; because: string | null; availability: string }[];
}

describe('POST /v1/recommend', () => {
  const clock = fixedClock(t0);
  let h: Harness;
  beforeEach(async () => {
    clock.set(t0);
    h = await startHarness({ clock });
  });
  afterEach(async () => { await h.close(); });
  const { ok } = adminCalls(() => h);

  const recommend = async (body: Record<string, unknown>): Promise<Answer> => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/recommend', headers: { authorization: basicAuth(h.a.writeKey) }, payload: body });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Answer>();
  };
  const view = (anonymousId: string, item: string, at: number) => ({ type: 'track', event: 'Product Viewed', anonymousId, timestamp: new Date(at).toISOString(), properties: { product_id: item } });
  const items = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, title: `Item ${id.toUpperCase()}`, category: id === 'e' ? ['Other'] : ['Shoes'] }));

  async function catalogAndSessions(): Promise<void> {
    await ok('POST', '/admin/v1/items', { items }, 200);
    // Sessions: a with b (three times), a with c (twice); d viewed alone, often.
    const events = [
      ...['s1', 's2', 's3'].flatMap((s, i) => [view(s, 'a', t0 - 50 * minute + i), view(s, 'b', t0 - 49 * minute + i)]),
      ...['s4', 's5'].flatMap((s, i) => [view(s, 'a', t0 - 40 * minute + i), view(s, 'c', t0 - 39 * minute + i)]),
      ...['s6', 's7', 's8', 's9'].map((s, i) => view(s, 'd', t0 - 30 * minute + i)),
    ];
    expectCollected(await collect(h, '/v1/batch', { batch: events }));
  }

  it('a visitor with nothing known gets the trending items, from the catalog only', async () => {
    await catalogAndSessions();
    const answer = await recommend({ anonymousId: 'new-visitor', count: 3 });
    expect(answer).toMatchObject({ profileId: null, personalized: false, situation: 'cold', fallback: null });
    expect(answer.items.map((i) => i.id)).toEqual(['a', 'd', 'b']);
    expect(answer.items[0]).toMatchObject({ title: 'Item A', strategy: 'trending', reason: 'trending now', because: null });
  });

  it('viewed together on the product on screen, with the reason; the seed is never recommended back', async () => {
    await catalogAndSessions();
    const answer = await recommend({ strategy: 'viewed-together', items: ['a'], count: 2 });
    expect(answer.items.map((i) => [i.id, i.strategy, i.because])).toEqual([['b', 'viewed-together', 'a'], ['c', 'viewed-together', 'a']]);
    expect(answer.items[0]!.reason).toBe('because you viewed Item A');
    expect(answer.fallback).toBeNull();
  });

  it('a view is reflected in the next request: the session finds its neighbours', async () => {
    await catalogAndSessions();
    expectCollected(await collect(h, '/v1/batch', { batch: [view('visitor', 'b', t0)] }));
    const answer = await recommend({ anonymousId: 'visitor', count: 2 });
    expect(answer).toMatchObject({ personalized: true, situation: 'thin-history' });
    expect(answer.items[0]).toMatchObject({ id: 'a', because: 'b' });
  });

  it('an unknown seed item falls back and says so; filters leave out what they must', async () => {
    await catalogAndSessions();
    const answer = await recommend({ strategy: 'viewed-together', items: ['nobody-knows'], count: 2 });
    expect(answer.fallback).toBe('trending');
    expect(answer.items).toHaveLength(2);
    await ok('PATCH', '/admin/v1/items/a', { availability: 'out_of_stock' }, 200);
    const inStock = await recommend({ count: 5, filters: { categories: [['Shoes']] } });
    expect(inStock.items.map((i) => i.id)).toEqual(['d', 'b', 'c']);
  });

  it('refuses bad input with the field at fault', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/recommend', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { count: 0 } });
    expect(expectProblem(res, 400, 'ATTUNE_INVALID_REQUEST').field).toBe('body/count');
    const noKey = await h.app.inject({ method: 'POST', url: '/v1/recommend', payload: {} });
    expect(noKey.statusCode).toBe(401);
  });

  it('an empty catalog gives an empty list, not an error', async () => {
    expectCollected(await collect(h, '/v1/batch', { batch: [view('x', 'a', t0)] }));
    expect((await recommend({})).items).toEqual([]);
  });
});
