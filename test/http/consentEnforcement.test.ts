import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';
import { decideHomeHero, profileOf, seedGoldOffer } from './consentFixtures.js';
import { admin, collect, expectCollected } from './httpHelpers.js';

/**
 * Consent enforcement through the API (item 6 of issue 16): without the purpose
 * `personalization` a person has no features, segments or predictions and gets the default
 * content; a withdrawal takes effect with its own event and on the next decide; another
 * purpose withheld blocks nothing of personalization.
 */
const t0 = Date.parse('2026-03-02T10:00:00Z');
const minute = 60_000;

describe('consent enforcement', () => {
  const clock = fixedClock(t0);
  let h: Harness;
  let n = 0;

  const refuse = (purpose: string, granted = false) => ({ consent: { categoryPreferences: { [purpose]: granted } } });
  const view = (anonymousId: string, context: Record<string, unknown> = {}) =>
    ({ type: 'track', anonymousId, event: 'Product Viewed', messageId: `m-${++n}`, properties: { product_id: 'shoe-1' }, context });
  const gold = (anonymousId: string, context: Record<string, unknown> = {}) =>
    ({ type: 'identify', anonymousId, messageId: `m-${++n}`, traits: { plan: 'gold' }, context });
  const send = async (batch: unknown[]) => {
    expectCollected(await collect(h, '/v1/batch', { batch }));
    clock.advance(minute);
  };
  const profile = (id: string) => profileOf(h, id);
  const predictions = async (id: string): Promise<Record<string, unknown>> => {
    const res = await admin(h, 'GET', `/admin/v1/profiles/${id}/predictions`, h.a.secretKey);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ values: Record<string, unknown> }>().values;
  };
  const decide = (anonymousId: string, context: Record<string, unknown> = {}) => decideHomeHero(h, anonymousId, context);
  const recommend = async (anonymousId: string) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/recommend', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { anonymousId, count: 2 } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ personalized: boolean }>();
  };
  const segmentHistory = async (anonymousId: string) => {
    const res = await admin(h, 'POST', '/admin/v1/privacy/export', h.a.secretKey, { anonymousId });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ segmentHistory: { segmentId: string; kind: string; reason?: string }[]; consentHistory: { purpose: string; granted: boolean }[] }>();
  };

  beforeAll(async () => {
    h = await startHarness({ clock });
    await seedGoldOffer(h, t0);
    await h.store.knowledgeConfig.putSegment(h.a.id, { id: 'browser', name: 'Two views', rule: 'features.views >= 2' }, t0);
    await admin(h, 'POST', '/admin/v1/items', h.a.secretKey, { items: [{ id: 'shoe-1', title: 'Shoe', category: ['Shoes'] }, { id: 'shoe-2', title: 'Other shoe', category: ['Shoes'] }] });
  });
  afterAll(async () => { await h.close(); });

  it('a person who refuses personalization has no features, segments or predictions, and gets the default content', async () => {
    await send([gold('refuser', refuse('personalization')), view('refuser'), view('refuser')]);
    const p = await profile('refuser');
    expect(p.features).toEqual({});
    expect(p.segments).toEqual([]);
    // The consent state and its history stay visible.
    expect(p.consent.purposes['personalization']).toMatchObject({ granted: false, source: 'context' });
    expect(p.consent.history).toContainEqual(expect.objectContaining({ purpose: 'personalization', granted: false }));
    expect(Object.values(await predictions('refuser')).every((v) => v === null)).toBe(true);
    expect(await decide('refuser')).toMatchObject({ fallback: 'no_consent', decisions: [{ actionId: null, content: { title: 'Welcome' } }] });
    expect((await recommend('refuser')).personalized).toBe(false);
  });

  it('a withdrawal mid-stream clears features and segments with its own event, and the next decide falls back', async () => {
    await send([gold('changer'), view('changer'), view('changer')]);
    let p = await profile('changer');
    expect(p.features['views']).toBe(2);
    expect(p.segments.map((s) => s.id)).toEqual(['browser', 'vip']);
    expect(await decide('changer')).toMatchObject({ fallback: null, decisions: [{ actionId: 'gold-offer' }] });
    expect((await recommend('changer')).personalized).toBe(true);

    await send([{ type: 'page', anonymousId: 'changer', messageId: `m-${++n}`, context: refuse('personalization') }]);
    p = await profile('changer');
    expect(p.features).toEqual({});
    expect(p.segments).toEqual([]);
    expect(await decide('changer')).toMatchObject({ fallback: 'no_consent', decisions: [{ actionId: null }] });
    expect((await recommend('changer')).personalized).toBe(false);
    const exported = await segmentHistory('changer');
    const leaves = exported.segmentHistory.filter((c) => c.kind === 'leave').map((c) => [c.segmentId, c.reason]);
    expect(leaves.sort()).toEqual([['browser', 'consent'], ['vip', 'consent']]);
    expect(exported.segmentHistory.filter((c) => c.kind === 'enter').every((c) => c.reason === undefined)).toBe(true);
    expect(exported.consentHistory).toContainEqual(expect.objectContaining({ purpose: 'personalization', granted: false }));

    // A later grant starts from that event: one view, not three.
    await send([view('changer', refuse('personalization', true))]);
    p = await profile('changer');
    expect(p.features['views']).toBe(1);
    expect(p.segments.map((s) => s.id)).toEqual(['vip']);
    expect(await decide('changer')).toMatchObject({ fallback: null, decisions: [{ actionId: 'gold-offer' }] });
  });

  it('a refusal carried in the decide call\'s own context falls back at once', async () => {
    await send([gold('instant'), view('instant')]);
    expect(await decide('instant')).toMatchObject({ decisions: [{ actionId: 'gold-offer' }] });
    expect(await decide('instant', refuse('personalization'))).toMatchObject({ fallback: 'no_consent', decisions: [{ actionId: null, content: { title: 'Welcome' } }] });
  });

  it('another purpose withheld (marketing) does not block personalization', async () => {
    await send([gold('no-marketing', refuse('marketing')), view('no-marketing'), view('no-marketing')]);
    const p = await profile('no-marketing');
    expect(p.consent.purposes['marketing']?.granted).toBe(false);
    expect(p.features['views']).toBe(2);
    expect(p.segments.map((s) => s.id)).toEqual(['browser', 'vip']);
    expect(await decide('no-marketing')).toMatchObject({ fallback: null, decisions: [{ actionId: 'gold-offer' }] });
  });
});
