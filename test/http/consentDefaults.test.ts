import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import { startHarness, type Harness } from '../support/harness.js';
import { decideHomeHero, profileOf, seedGoldOffer } from './consentFixtures.js';
import { admin, collect, expectCollected, expectProblem } from './httpHelpers.js';

/**
 * A workspace's consent defaults through the API (`GET`/`PUT /admin/v1/consent`): under an
 * opt-in default for `personalization` a person who decided nothing is not personalised until
 * they grant it; changing the default re-evaluates the existing profiles and applies from the
 * next request.
 */
const t0 = Date.parse('2026-03-02T10:00:00Z');
const minute = 60_000;

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
  const profile = (id: string) => profileOf(h, id);
  const decide = (anonymousId: string) => decideHomeHero(h, anonymousId);
  const setConsent = async (body: Record<string, unknown>) => {
    const res = await admin(h, 'PUT', '/admin/v1/consent', h.a.secretKey, body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ resolved: { defaults: Record<string, boolean> }; evaluation: { profiles: number; entered: number; left: number } | null }>();
  };

  beforeAll(async () => {
    h = await startHarness({ clock });
    await seedGoldOffer(h, t0);
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

  it('refuses to drop a purpose a segment reads', async () => {
    await setConsent({ categoryMap: { 'Ad Tracking': 'ad_tracking' } });
    const segment = await admin(h, 'POST', '/admin/v1/segments', h.a.secretKey, { id: 'trackable', name: 'Trackable', rule: 'has_consent("ad_tracking")' });
    expect(segment.statusCode, segment.body).toBeLessThan(300);
    expectProblem(await admin(h, 'PUT', '/admin/v1/consent', h.a.secretKey, {}), 409, 'ATTUNE_CONFLICT');
    expect((await setConsent({ defaults: { ad_tracking: false } })).resolved.defaults['ad_tracking']).toBe(false);
  });

  it('refuses a name that cannot be a purpose, with its JSON pointer', async () => {
    const res = await admin(h, 'PUT', '/admin/v1/consent', h.a.secretKey, { defaults: { ' ': false } });
    expect(expectProblem(res, 400, 'ATTUNE_INVALID_REQUEST').field).toBe('/defaults/ ');
    const wrongType = await admin(h, 'PUT', '/admin/v1/consent', h.a.secretKey, { defaults: { personalization: 'no' } });
    expectProblem(wrongType, 400, 'ATTUNE_INVALID_REQUEST');
  });
});
