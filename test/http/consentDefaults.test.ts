import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { basicAuth, bearer, startHarness, type Harness } from '../support/harness.js';
import { admin, collect, expectCollected, expectProblem } from './httpHelpers.js';

/**
 * A workspace's consent defaults through the API (`GET`/`PUT /admin/v1/consent`): under an
 * opt-in default for `personalization` a person who decided nothing is not personalised until
 * they grant it; changing the default re-evaluates the existing profiles and applies from the
 * next request.
 */
const t0 = Date.parse('2026-03-02T10:00:00Z');
const minute = 60_000;

interface ProfileView {
  features: Record<string, unknown>;
  segments: { id: string }[];
}

describe('consent defaults', () => {
  const clock = fixedClock(t0);
  let h: Harness;
  let n = 0;

  const view = (anonymousId: string, context: Record<string, unknown> = {}) =>
    ({ type: 'track', anonymousId, event: 'Product Viewed', messageId: `m-${++n}`, properties: { product_id: 'shoe-1' }, context });
  const gold = (anonymousId: string) => ({ type: 'identify', anonymousId, messageId: `m-${++n}`, traits: { plan: 'gold' } });
  const grant = { consent: { categoryPreferences: { personalization: true } } };
  const send = async (batch: unknown[]) => {
    expectCollected(await collect(h, '/v1/batch', { batch }));
    clock.advance(minute);
  };
  const profile = async (id: string): Promise<ProfileView> => {
    const res = await admin(h, 'GET', `/admin/v1/profiles/${id}`, h.a.secretKey);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ProfileView>();
  };
  const decide = async (anonymousId: string) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/decide', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { anonymousId, placements: ['home-hero'] } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ placements: { fallback: string | null; decisions: { actionId: string | null; content: unknown }[] }[] }>().placements[0]!;
  };
  const setConsent = async (body: Record<string, unknown>) => {
    const res = await admin(h, 'PUT', '/admin/v1/consent', h.a.secretKey, body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ resolved: { defaults: Record<string, boolean> }; evaluation: { profiles: number; entered: number; left: number } | null }>();
  };
  const put = async (path: string, body: Record<string, unknown>) => {
    const res = await h.app.inject({ method: 'PUT', url: path, headers: { authorization: bearer(h.a.secretKey) }, payload: body });
    expect(res.statusCode, res.body).toBeLessThan(300);
  };

  beforeAll(async () => {
    h = await startHarness({ clock });
    const ws = h.a.id;
    await h.store.knowledgeConfig.putFeature(ws, { name: 'views', aggregate: 'count', events: ['Product Viewed'] }, t0);
    await h.store.knowledgeConfig.putSegment(ws, { id: 'vip', name: 'Gold plan', rule: 'profile.traits.plan == "gold"' }, t0);
    await put('/admin/v1/placements/home-hero', { channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' } });
    await put('/admin/v1/actions/gold-offer', { placements: ['home-hero'], priority: 10, rule: 'in_segment("vip")', variants: { default: { title: 'Gold offer' } } });
  });
  afterAll(async () => { await h.close(); });

  it('reads the built-in opt-out settings until they are set', async () => {
    const res = await admin(h, 'GET', '/admin/v1/consent', h.a.secretKey);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ settings: null, resolved: { defaults: { personalization: true }, defaultGranted: true } });
  });

  it('an opt-in default: existing and new people without a decision lose personalization until they grant it', async () => {
    await send([gold('early'), view('early')]);
    expect(await decide('early')).toMatchObject({ fallback: null, decisions: [{ actionId: 'gold-offer' }] });

    const update = await setConsent({ defaults: { Personalization: false } });
    expect(update.resolved.defaults).toMatchObject({ personalization: false, analytics: true });
    expect(update.evaluation).toMatchObject({ left: 1 });
    // The next request reads the new default: no features, no segments, the default content.
    expect(await profile('early')).toMatchObject({ features: {}, segments: [] });
    expect(await decide('early')).toMatchObject({ fallback: 'no_consent', decisions: [{ actionId: null, content: { title: 'Welcome' } }] });
    const exported = await admin(h, 'POST', '/admin/v1/privacy/export', h.a.secretKey, { anonymousId: 'early' });
    expect(exported.json<{ segmentHistory: { kind: string; reason?: string }[] }>().segmentHistory).toContainEqual(expect.objectContaining({ kind: 'leave', reason: 'consent' }));

    await send([gold('newbie'), view('newbie'), view('newbie')]);
    expect(await profile('newbie')).toMatchObject({ features: {}, segments: [] });
    expect(await decide('newbie')).toMatchObject({ fallback: 'no_consent', decisions: [{ actionId: null }] });

    await send([view('newbie', grant)]);
    const granted = await profile('newbie');
    expect(granted.features['views']).toBe(1);
    expect(granted.segments.map((s) => s.id)).toEqual(['vip']);
    expect(await decide('newbie')).toMatchObject({ fallback: null, decisions: [{ actionId: 'gold-offer' }] });
  });

  it('back to opt-out: the next request personalises again, segments at once and features from now', async () => {
    const update = await setConsent({});
    expect(update.resolved.defaults['personalization']).toBe(true);
    expect(update.evaluation).toMatchObject({ entered: 1 });
    expect(await decide('early')).toMatchObject({ fallback: null, decisions: [{ actionId: 'gold-offer' }] });
    expect((await profile('early')).features['views']).toBe(0);
    await send([view('early')]);
    expect((await profile('early')).features['views']).toBe(1);
  });

  it('records each change in the audit trail with before and after', async () => {
    const res = await admin(h, 'GET', '/admin/v1/audit?action=consent.updated', h.a.secretKey);
    expect(res.statusCode, res.body).toBe(200);
    const body = JSON.stringify(res.json());
    expect(body).toContain('consent.updated');
    expect(body).toContain('"personalization":false');
  });

  it('refuses a name that cannot be a purpose, with its JSON pointer', async () => {
    const res = await admin(h, 'PUT', '/admin/v1/consent', h.a.secretKey, { defaults: { ' ': false } });
    expect(expectProblem(res, 400, 'ATTUNE_INVALID_REQUEST').field).toBe('/defaults/ ');
    const wrongType = await admin(h, 'PUT', '/admin/v1/consent', h.a.secretKey, { defaults: { personalization: 'no' } });
    expectProblem(wrongType, 400, 'ATTUNE_INVALID_REQUEST');
  });
});
