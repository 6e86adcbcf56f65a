import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { basicAuth, bearer, startHarness, type Harness } from '../support/harness.js';

const t0 = Date.parse('2026-03-02T10:00:00Z');

async function put(h: Harness, path: string, body: unknown, key = h.a.secretKey) {
  return h.app.inject({ method: 'PUT', url: path, headers: { authorization: bearer(key) }, payload: body as Record<string, unknown> });
}

async function decide(h: Harness, body: Record<string, unknown>, key = h.a.writeKey) {
  return h.app.inject({ method: 'POST', url: '/v1/decide', headers: { authorization: basicAuth(key) }, payload: body });
}

async function track(h: Harness, anonymousId: string, event: string, properties: Record<string, unknown>) {
  const res = await h.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { anonymousId, event, properties } });
  expect(res.statusCode).toBe(200);
}

describe('POST /v1/decide', () => {
  let h: Harness;
  const clock = fixedClock(t0);

  beforeEach(async () => {
    clock.set(t0);
    h = await startHarness({ clock });
    expect((await put(h, '/admin/v1/placements/home-hero', { channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' } })).statusCode).toBe(201);
    expect((await put(h, '/admin/v1/actions/sale', {
      placements: ['home-hero'], priority: 10, value: 20, rule: 'profile.traits.plan == "pro"',
      variants: { default: { title: 'Sale for {{ profile.traits.name | "you" }}' }, de: { title: 'Aktion für {{ profile.traits.name }}' } },
      caps: { perProfile: [{ max: 1, window: 'day' }] },
    })).statusCode).toBe(201);
    expect((await put(h, '/admin/v1/actions/new-in', { placements: ['home-hero'], priority: 1, variants: { default: { title: 'New arrivals' } } })).statusCode).toBe(201);
  });
  afterEach(async () => h.close());

  it('applies the carried events first, then decides, renders escaped traits, and caps after an impression', async () => {
    const res = await decide(h, {
      anonymousId: 'anon-1',
      placements: ['home-hero'],
      context: { locale: 'de-CH' },
      events: [{ type: 'identify', traits: { plan: 'pro', name: '<script>x</script>' } }],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.events).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(body.profileId).toMatch(/^p_/);
    const [hero] = body.placements;
    expect(hero.fallback).toBeNull();
    expect(hero.decisions[0].actionId).toBe('sale');
    expect(hero.decisions[0].variant).toBe('de');
    expect(hero.decisions[0].content).toEqual({ title: 'Aktion für &lt;script&gt;x&lt;/script&gt;' });
    expect(hero.decisions[0].reasons.rule).toBe('profile.traits.plan == "pro"');

    await track(h, 'anon-1', 'Decision Viewed', { decisionId: hero.decisions[0].decisionId, actionId: 'sale', placement: 'home-hero', channel: 'web' });
    const next = (await decide(h, { anonymousId: 'anon-1', placements: ['home-hero'] })).json();
    expect(next.placements[0].decisions[0].actionId).toBe('new-in');
    expect(next.placements[0].decisions[0].reasons.capped).toEqual([{ actionId: 'sale', cap: 'perProfile', detail: '1 of 1 impressions today' }]);

    const outcomes = await h.app.inject({ method: 'GET', url: '/admin/v1/outcomes', headers: { authorization: bearer(h.a.secretKey) } });
    expect(outcomes.json()).toEqual([{ actionId: 'sale', placementId: 'home-hero', impressions: 1, clicks: 0, dismisses: 0, conversions: 0, conversionValue: 0, clickThroughRate: 0 }]);

    await h.decisions.flushRecords();
    const recorded = await h.app.inject({ method: 'GET', url: '/admin/v1/profiles/anon-1/decisions', headers: { authorization: bearer(h.a.secretKey) } });
    expect(recorded.json().map((d: { actionId: string }) => d.actionId).sort()).toEqual(['new-in', 'sale']);
  });

  it('answers the default content without personalization consent', async () => {
    const res = await decide(h, { anonymousId: 'anon-2', placements: ['home-hero'], context: { consent: { categoryPreferences: { personalization: false } } } });
    expect(res.json().placements[0]).toMatchObject({ fallback: 'no_consent', decisions: [{ actionId: null, content: { title: 'Welcome' } }] });
  });

  it('reports an unknown placement in its entry, and 404 when every placement is unknown', async () => {
    const partial = await decide(h, { anonymousId: 'anon-3', placements: ['home-hero', 'nope'] });
    expect(partial.statusCode).toBe(200);
    expect(partial.json().placements[1]).toMatchObject({ placement: 'nope', decisions: [], error: { code: 'ATTUNE_PLACEMENT_NOT_FOUND', field: '/placements/1' } });
    const none = await decide(h, { anonymousId: 'anon-3', placements: ['nope'] });
    expect(none.statusCode).toBe(404);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.json()).toMatchObject({ code: 'ATTUNE_PLACEMENT_NOT_FOUND', field: '/placements/0' });
  });

  it('keeps explain for the secret key: the write key is public and its userId unauthenticated', async () => {
    const res = await decide(h, { userId: 'u-9', placements: ['home-hero'], explain: true });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'ATTUNE_FORBIDDEN', field: '/explain' });
    const withSecret = await h.app.inject({ method: 'POST', url: '/v1/decide', headers: { authorization: bearer(h.a.secretKey) }, payload: { userId: 'u-9', placements: ['home-hero'], explain: true } });
    expect(withSecret.statusCode).toBe(200);
    expect(withSecret.json().placements[0].decisions[0].reasons.skipped.map((s: { actionId: string; reason: string }) => [s.actionId, s.reason])).toEqual([['sale', 'rule_false']]);
  });

  it('shrugs off interaction events with hostile ids: nothing polluted, decisions and events still work', async () => {
    for (const properties of [
      { decisionId: 'd', actionId: 'sale', placement: 'home-hero', channel: '__proto__' },
      { decisionId: 'd', actionId: 'constructor', placement: 'constructor', channel: 'constructor' },
      { decisionId: 'd', actionId: '__proto__', placement: 'toString' },
    ]) await track(h, 'anon-hostile', 'Decision Viewed', properties);
    expect(Object.prototype).not.toHaveProperty(new Date(t0).toISOString().slice(0, 10));
    const res = await decide(h, { anonymousId: 'anon-hostile', placements: ['home-hero'] });
    expect(res.statusCode).toBe(200);
    expect(res.json().placements[0].decisions[0].actionId).toBe('new-in');
  });

  it('refuses an invalid context with the field at fault', async () => {
    const res = await decide(h, { anonymousId: 'anon-4', placements: ['home-hero'], context: 'nope' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ATTUNE_INVALID_REQUEST', field: 'body/context' });
  });

  it('skips an action whose rule no longer compiles, and shows why', async () => {
    expect((await put(h, '/admin/v1/actions/sale', { placements: ['home-hero'], rule: 'profile.traits.plan ==', variants: { default: {} } })).json()).toMatchObject({ code: 'ATTUNE_RULE_INVALID', field: '/rule' });
  });
});
