import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { basicAuth, bearer, startHarness, type Harness } from '../support/harness.js';
import { adminCalls, collect, expectCollected } from './httpHelpers.js';

// Recommendation slots in POST /v1/decide: a placement filled by a recommender, per item.

const t0 = Date.parse('2026-03-02T10:00:00.000Z');
const minute = 60_000;

interface Item { id: string; score: number; strategy: string; reason: string; because: string | null }
interface Decision {
  decisionId: string;
  actionId: string | null;
  content: unknown;
  items?: Item[];
  reasons: { recommendation?: { strategy: string; personalized: boolean; fallback: string | null; items: number }; skipped?: { actionId: string; step: string; reason: string; detail?: string }[] };
}
interface Placement { placement: string; fallback: string | null; decisions: Decision[] }

describe('recommendation slots in POST /v1/decide', () => {
  const clock = fixedClock(t0);
  let h: Harness;
  const { ok, problem } = adminCalls(() => h);

  const view = (anonymousId: string, item: string, at: number) => ({ type: 'track', event: 'Product Viewed', anonymousId, timestamp: new Date(at).toISOString(), properties: { product_id: item } });
  const items = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, title: `Item ${id.toUpperCase()}`, category: ['Shoes'], price: 10, currency: 'EUR', ...(id === 'b' ? { titles: { de: 'Artikel B' } } : {}) }));

  beforeEach(async () => {
    clock.set(t0);
    h = await startHarness({ clock });
    await ok('POST', '/admin/v1/items', { items }, 200);
    // Sessions of other visitors: a with b (three times), a with c (twice); d viewed alone, often.
    expectCollected(await collect(h, '/v1/batch', { batch: [
      ...['s1', 's2', 's3'].flatMap((s, i) => [view(s, 'a', t0 - 50 * minute + i), view(s, 'b', t0 - 49 * minute + i)]),
      ...['s4', 's5'].flatMap((s, i) => [view(s, 'a', t0 - 40 * minute + i), view(s, 'c', t0 - 39 * minute + i)]),
      ...['s6', 's7', 's8', 's9'].map((s, i) => view(s, 'd', t0 - 30 * minute + i)),
    ] }));
    await ok('PUT', '/admin/v1/placements/pdp-related', { channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Our bestsellers' } }, 201);
    await ok('PUT', '/admin/v1/actions/also-viewed', {
      kind: 'recommendations', placements: ['pdp-related'], priority: 5,
      recommend: { strategy: 'viewed-together', count: 2 },
      variants: { default: { title: '{{ item.title }}', url: '/p/{{ item.id }}', price: '{{ item.price }} {{ item.currency }}', why: '{{ item.reason }}' } },
      caps: { perProfile: [{ max: 1, window: 'day' }] },
    }, 201);
  });
  afterEach(async () => { await h.close(); });

  const decide = async (body: Record<string, unknown>, key = basicAuth(h.a.writeKey)): Promise<{ placements: Placement[]; events?: { accepted: number } }> => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/decide', headers: { authorization: key }, payload: body });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('fills the placement with items viewed together with the product the same call says was just viewed, then caps it', async () => {
    const answer = await decide({ anonymousId: 'visitor', placements: ['pdp-related'], events: [view('visitor', 'a', t0)] });
    expect(answer.events?.accepted).toBe(1);
    const [slot] = answer.placements;
    expect(slot!.fallback).toBeNull();
    const decision = slot!.decisions[0]!;
    expect(decision.actionId).toBe('also-viewed');
    expect(decision.items).toEqual([
      { id: 'b', score: expect.any(Number), strategy: 'viewed-together', reason: 'because you viewed Item A', because: 'a' },
      { id: 'c', score: expect.any(Number), strategy: 'viewed-together', reason: 'because you viewed Item A', because: 'a' },
    ]);
    expect(decision.content).toEqual([
      { title: 'Item B', url: '/p/b', price: '10 EUR', why: 'because you viewed Item A' },
      { title: 'Item C', url: '/p/c', price: '10 EUR', why: 'because you viewed Item A' },
    ]);
    expect(decision.reasons.recommendation).toEqual({ strategy: 'viewed-together', personalized: true, fallback: null, items: 2 });

    // One impression a day: the slot is capped as one action, and the default content fills the placement.
    expectCollected(await collect(h, '/v1/track', { anonymousId: 'visitor', event: 'Decision Viewed', properties: { decisionId: decision.decisionId, actionId: 'also-viewed', placement: 'pdp-related', channel: 'web' } }));
    const next = await decide({ anonymousId: 'visitor', placements: ['pdp-related'] });
    expect(next.placements[0]).toMatchObject({ fallback: 'all_capped', decisions: [{ actionId: null, content: { title: 'Our bestsellers' } }] });
  });

  it('without consent to personalise: the non-personal strategy on the seed items, never the visitor\'s history', async () => {
    // The visitor viewed a earlier: with consent, that history would seed the list.
    expectCollected(await collect(h, '/v1/batch', { batch: [view('shy', 'a', t0 - minute)] }));
    const withdrawn = { consent: { categoryPreferences: { personalization: false } } };
    const unseeded = await decide({ anonymousId: 'shy', placements: ['pdp-related'], context: withdrawn });
    const popular = unseeded.placements[0]!.decisions[0]!;
    expect(popular.actionId).toBe('also-viewed');
    expect(popular.reasons.recommendation).toEqual({ strategy: 'viewed-together', personalized: false, fallback: 'trending', items: 2 });
    expect(popular.items!.map((i) => [i.id, i.strategy, i.reason])).toEqual([['a', 'trending', 'trending now'], ['d', 'trending', 'trending now']]);

    // The product on screen, named by the call (the ask's items, else context.items): item-to-item on it.
    for (const body of [{ placements: [{ id: 'pdp-related', items: ['a'] }], context: { ...withdrawn, locale: 'de' } }, { placements: ['pdp-related'], context: { ...withdrawn, locale: 'de', items: ['a'] } }]) {
      const seeded = (await decide({ anonymousId: 'shy', ...body })).placements[0]!.decisions[0]!;
      expect(seeded.items!.map((i) => [i.id, i.strategy, i.because])).toEqual([['b', 'viewed-together', 'a'], ['c', 'viewed-together', 'a']]);
      expect(seeded.reasons.recommendation?.personalized).toBe(false);
      // Titles in the request's locale.
      expect(seeded.content).toMatchObject([{ title: 'Artikel B' }, { title: 'Item C' }]);
    }

    // A slot whose rule reads the profile is not shown without consent: the default content.
    await ok('PUT', '/admin/v1/actions/also-viewed', {
      placements: ['pdp-related'], rule: 'session.pages >= 0', recommend: { strategy: 'viewed-together', count: 2 }, variants: { default: { title: '{{ item.title }}' } },
    }, 200);
    const personal = await decide({ anonymousId: 'shy', placements: [{ id: 'pdp-related', items: ['a'] }], context: withdrawn });
    expect(personal.placements[0]).toMatchObject({ fallback: 'no_consent', decisions: [{ actionId: null, content: { title: 'Our bestsellers' } }] });
  });

  it('consent withdrawn by an event of the same call counts at once', async () => {
    const answer = await decide({
      anonymousId: 'quitter', placements: ['pdp-related'],
      events: [view('quitter', 'a', t0), { type: 'identify', traits: { consent: { personalization: false } } }],
    });
    const decision = answer.placements[0]!.decisions[0]!;
    expect(decision.reasons.recommendation).toMatchObject({ personalized: false, fallback: 'trending' });
    expect(decision.items!.every((i) => i.strategy === 'trending')).toBe(true);
  });

  it('explains a slot without items (no_recommendations) and another action filling the placement', async () => {
    await ok('PUT', '/admin/v1/actions/also-viewed', {
      placements: ['pdp-related'], priority: 5, recommend: { strategy: 'viewed-together', filters: { categories: [['Hats']] } }, variants: { default: { title: '{{ item.title }}' } },
    }, 200);
    await ok('PUT', '/admin/v1/actions/banner', { placements: ['pdp-related'], priority: 1, variants: { default: { title: 'Free shipping' } } }, 201);
    // A visitor not seen yet: no profile, so the list is non-personal (and says so).
    const answer = await decide({ anonymousId: 'visitor', placements: [{ id: 'pdp-related', items: ['a'] }], explain: true }, bearer(h.a.secretKey));
    const decision = answer.placements[0]!.decisions[0]!;
    expect(decision).toMatchObject({ actionId: 'banner', content: { title: 'Free shipping' } });
    expect(decision.items).toBeUndefined();
    expect(decision.reasons.skipped).toEqual([{ actionId: 'also-viewed', step: 'recommendations', reason: 'no_recommendations', detail: 'viewed-together (non-personal): no items' }]);
  });

  it('refuses a slot that cannot work with the field at fault', async () => {
    const base = { placements: ['pdp-related'], variants: { default: { title: '{{ item.title }}' } } };
    expect((await problem('PUT', '/admin/v1/actions/bad', { ...base, recommend: { count: 2, minItems: 3 } }, 400, 'ATTUNE_ACTION_INVALID')).field).toBe('/recommend/minItems');
    expect((await problem('PUT', '/admin/v1/actions/bad', { ...base, recommend: { strategy: 'psychic' } }, 400, 'ATTUNE_INVALID_REQUEST')).field).toMatch(/recommend\/strategy/);
    const res = await h.app.inject({ method: 'POST', url: '/v1/decide', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { placements: [{ id: 'pdp-related', items: [''] }] } });
    expect(res.statusCode).toBe(400);
  });
});
