import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';

// What the profile API knows, through real collection on an injected clock: windowed counts
// that expire, decayed scores that halve, sessions that split, segments and consent, across
// an identity merge.
const t0 = Date.parse('2026-03-02T09:00:00.000Z');
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

describe('profile knowledge through collection', () => {
  const clock = fixedClock(t0);
  let h: Harness;

  const send = (batch: unknown[], headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basicAuth(h.a.writeKey), ...headers }, payload: { batch } });
  const profile = async (id: string) => {
    const res = await h.app.inject({ method: 'GET', url: `/admin/v1/profiles/${id}`, headers: { authorization: `Bearer ${h.a.secretKey}` } });
    expect(res.statusCode).toBe(200);
    return res.json() as {
      id: string; features: Record<string, unknown>; session: Record<string, unknown>;
      segments: { id: string; enteredAt: string | null }[];
      consent: { purposes: Record<string, { granted: boolean; decidedAt: string | null; source: string | null }>; history: { purpose: string; granted: boolean }[] };
    };
  };
  const order = (ids: Record<string, string>, n: number, category: string) =>
    ({ type: 'track', ...ids, event: 'Order Completed', messageId: `order-${JSON.stringify(ids)}-${n}`, properties: { revenue: 50, category } });
  const page = (ids: Record<string, string>, path: string, n: number) =>
    ({ type: 'page', ...ids, messageId: `page-${JSON.stringify(ids)}-${n}`, context: { page: { path, url: `https://shop.example${path}` } } });

  beforeAll(async () => {
    h = await startHarness({ clock });
    const ws = h.a.id;
    await h.store.knowledgeConfig.putFeature(ws, { name: 'orders_7d', aggregate: 'count', events: ['Order Completed'], window: '7d' }, t0);
    await h.store.knowledgeConfig.putFeature(ws, { name: 'category_affinity', aggregate: 'decayed', events: ['Order Completed'], property: 'properties.category', halfLife: '7d' }, t0);
    await h.store.knowledgeConfig.putSegment(ws, { id: 'repeat_buyer', name: 'Two orders this week', rule: 'features.orders_7d >= 2' }, t0);
    await h.store.knowledgeConfig.putSegment(ws, { id: 'browsing_shoes', name: 'In the shoe section now', rule: 'session.section == "shoes"' }, t0);
    await h.store.knowledgeConfig.putSegment(ws, { id: 'marketable', name: 'May be marketed to', rule: 'has_consent("marketing")' }, t0);
  });
  afterAll(async () => { await h.close(); });

  it('knows features, session and segments of each profile, and merges them on identify', async () => {
    expect((await send([page({ anonymousId: 'a1' }, '/shoes/runner', 1), order({ anonymousId: 'a1' }, 1, 'shoes')])).statusCode).toBe(200);
    clock.advance(day);
    expect((await send([order({ userId: 'u1' }, 1, 'bags')])).statusCode).toBe(200);

    const anonymous = await profile('a1');
    expect(anonymous.features['orders_7d']).toBe(1);
    expect(anonymous.features['order_count']).toBe(1);
    expect(anonymous.session).toMatchObject({ active: false, count: 2, returning: true });
    expect(anonymous.segments.map((s) => s.id)).toEqual(['marketable']);

    clock.advance(5 * minute);
    await send([{ type: 'identify', anonymousId: 'a1', userId: 'u1', messageId: 'login', traits: { name: 'Ada' } }]);
    const merged = await profile('a1');
    expect(merged.id).toBe((await profile('u1')).id);
    expect(merged.features).toMatchObject({ orders_7d: 2, order_count: 2, revenue: 100 });
    expect(merged.segments.map((s) => s.id).sort()).toEqual(['marketable', 'repeat_buyer']);
    expect(merged.segments.find((s) => s.id === 'repeat_buyer')?.enteredAt).toBe(new Date(t0 + day + 5 * minute).toISOString());
  });

  it('splits the session after 30 minutes of inactivity, for the merged profile too', async () => {
    await send([page({ userId: 'u1' }, '/shoes/trail', 2)]);
    let p = await profile('u1');
    expect(p.session).toMatchObject({ active: true, section: 'shoes', pages: 1 });
    const sessions = p.session['count'] as number;
    expect(p.segments.map((s) => s.id)).toContain('browsing_shoes');

    clock.advance(29 * minute);
    await send([page({ anonymousId: 'a1' }, '/bags', 3)]);
    p = await profile('u1');
    expect(p.session).toMatchObject({ count: sessions, pages: 2, section: 'bags' });
    expect(p.segments.map((s) => s.id)).not.toContain('browsing_shoes');

    clock.advance(31 * minute);
    expect((await profile('u1')).session).toMatchObject({ active: false, pages: 0 });
    await send([page({ userId: 'u1' }, '/shoes', 4)]);
    expect((await profile('a1')).session).toMatchObject({ active: true, count: sessions + 1, pages: 1, section: 'shoes' });
  });

  it('drops a 7-day count when the eighth day passes and halves a decayed score at its half-life', async () => {
    clock.set(t0 + 6 * day + 23 * hour);
    let p = await profile('u1');
    expect(p.features['orders_7d']).toBe(2);
    expect(p.segments.map((s) => s.id)).toContain('repeat_buyer');

    clock.set(t0 + 8 * day);
    p = await profile('u1');
    expect(p.features['orders_7d']).toBe(1);
    expect(p.segments.map((s) => s.id)).not.toContain('repeat_buyer');
    clock.set(t0 + 9 * day);
    expect((await profile('u1')).features['orders_7d']).toBe(0);

    clock.set(t0 + 7 * day);
    const affinity = (await profile('u1')).features['category_affinity'] as Record<string, number>;
    expect(affinity['shoes']).toBeCloseTo(0.5, 9);
    expect(affinity['bags']).toBeCloseTo(Math.pow(2, -6 / 7), 9);
  });

  it('records consent per purpose with its history, and Sec-GPC as an opt-out of sale and sharing', async () => {
    clock.set(t0 + 10 * day);
    await send([{ type: 'track', userId: 'u1', event: 'Consent Updated', messageId: 'consent-1', context: { consent: { categoryPreferences: { Advertising: false, Analytics: true } } } }]);
    let p = await profile('u1');
    expect(p.consent.purposes['marketing']).toEqual({ granted: false, decidedAt: new Date(t0 + 10 * day).toISOString(), source: 'context' });
    expect(p.consent.purposes['personalization']).toEqual({ granted: true, decidedAt: null, source: null });
    expect(p.segments.map((s) => s.id)).not.toContain('marketable');

    clock.advance(minute);
    await send([{ type: 'page', userId: 'u1', messageId: 'gpc-1' }], { 'sec-gpc': '1' });
    p = await profile('u1');
    expect(p.consent.purposes['sale_sharing']).toMatchObject({ granted: false, source: 'gpc' });
    expect(p.consent.history.map((c) => [c.purpose, c.granted])).toEqual([['sale_sharing', false], ['analytics', true], ['marketing', false]]);
  });
});
