import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/workspaces/apiKeys.js';
import { basicAuth, bearer, startHarness, type Harness } from '../support/harness.js';

/**
 * Identity verification on the public decide route: with the write key (public, in every
 * page) a userId counts only with its userHash, so that nobody can read another person's
 * traits or segment membership by naming them. Their events are stored all the same.
 */

/** As a shop's backend computes it, with Node's crypto and nothing of Attune's. */
function sign(userId: string, secret: string): string {
  return createHmac('sha256', secret).update(userId).digest('hex');
}

const admin = 'admin-token-for-identity-tests';

describe('identity verification on POST /v1/decide', () => {
  let h: Harness;

  async function call(method: 'GET' | 'PUT' | 'POST', url: string, key: string, payload?: Record<string, unknown>) {
    return h.app.inject({ method, url, headers: { authorization: bearer(key) }, ...(payload === undefined ? {} : { payload }) });
  }

  async function decide(body: Record<string, unknown>, writeKey = h.a.writeKey) {
    const res = await h.app.inject({ method: 'POST', url: '/v1/decide', headers: { authorization: basicAuth(writeKey) }, payload: { placements: ['hero'], ...body } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { profileId: string | null; identity: string; events?: { accepted: number }; placements: { decisions: { actionId: string | null; content: { title: string }; reasons: { segments: string[] } }[] }[] };
  }

  async function configure(secretKey: string): Promise<void> {
    const ok = async (method: 'PUT' | 'POST', url: string, body: Record<string, unknown>) => {
      const res = await call(method, url, secretKey, body);
      expect(res.statusCode, res.body).toBeLessThan(300);
    };
    // No holdout: a workspace created here has a random id, so whether a user falls in the
    // default 5% holdout (the generic content) would be chance.
    await ok('PUT', '/admin/v1/measurement', { holdoutShare: 0 });
    await ok('PUT', '/admin/v1/placements/hero', { channel: 'web', count: 1, strategy: { kind: 'priority' }, defaultContent: { title: 'Welcome' } });
    await ok('POST', '/admin/v1/segments', { id: 'vips', name: 'VIPs', rule: 'profile.traits.plan == "vip"' });
    await ok('PUT', '/admin/v1/actions/vip-offer', { placements: ['hero'], priority: 10, rule: 'in_segment("vips")', variants: { default: { title: 'Your VIP offer, {{ profile.traits.name }}' } } });
    await ok('PUT', '/admin/v1/actions/greeting', { placements: ['hero'], priority: 5, variants: { default: { title: 'Hello {{ profile.traits.name | "there" }}' } } });
  }

  /** The victim logs in on their own browser: the shop's page sends the userHash its backend made (none where verification is off). */
  async function identifyVictim(writeKey: string, identitySecret: string | null): Promise<void> {
    const userHash = identitySecret === null ? {} : { userHash: sign('victim', identitySecret) };
    const res = await h.app.inject({ method: 'POST', url: '/v1/identify', headers: { authorization: basicAuth(writeKey) }, payload: { userId: 'victim', anonymousId: 'victim-browser', ...userHash, traits: { plan: 'vip', name: 'Victoria' } } });
    expect(res.statusCode).toBe(200);
  }

  beforeEach(async () => {
    h = await startHarness({ identityVerification: true, adminToken: admin });
    await configure(h.a.secretKey);
    await identifyVictim(h.a.writeKey, h.a.identitySecret);
  });
  afterEach(async () => h.close());

  const hero = (answer: Awaited<ReturnType<typeof decide>>) => answer.placements[0]!.decisions[0]!;

  it('decides a forged userId as the anonymous visitor: no traits, no segment-based action', async () => {
    for (const userHash of [undefined, sign('victim', 'not-the-secret'), sign('someone-else', h.a.identitySecret), '']) {
      const answer = await decide({ userId: 'victim', anonymousId: 'attacker', ...(userHash === undefined ? {} : { userHash }) });
      expect(answer.identity).toBe('unverified');
      expect(answer.profileId).toBeNull();
      expect(hero(answer)).toMatchObject({ actionId: 'greeting', content: { title: 'Hello there' }, reasons: { segments: [] } });
      expect(JSON.stringify(answer)).not.toContain('Victoria');
    }
  });

  it('decides with the user\'s profile when the userHash is right, and for the secret key without one', async () => {
    const signed = await decide({ userId: 'victim', anonymousId: 'victim-browser', userHash: sign('victim', h.a.identitySecret) });
    expect(signed.identity).toBe('verified');
    expect(signed.profileId).toMatch(/^p_/);
    expect(hero(signed)).toMatchObject({ actionId: 'vip-offer', content: { title: 'Your VIP offer, Victoria' }, reasons: { segments: ['vips'] } });
    // Upper-case hex is the same hash.
    expect((await decide({ userId: 'victim', userHash: sign('victim', h.a.identitySecret).toUpperCase() })).identity).toBe('verified');

    const server = await h.app.inject({ method: 'POST', url: '/v1/decide', headers: { authorization: bearer(h.a.secretKey) }, payload: { userId: 'victim', placements: ['hero'] } });
    expect(server.json()).toMatchObject({ identity: 'trusted', placements: [{ decisions: [{ actionId: 'vip-offer' }] }] });
  });

  it('does not let events that name a user open that user\'s profile to an anonymous id', async () => {
    // Anyone with the write key can send events naming the victim: unsigned, they link nothing
    // (test/http/unverifiedLinks.test.ts covers every route), so the sender's anonymous id
    // keeps a profile of its own, without the victim's traits.
    const linked = await decide({ userId: 'victim', anonymousId: 'attacker-2', events: [{ type: 'track', event: 'Page Poked' }] });
    expect(linked.identity).toBe('unverified');
    expect(hero(linked).actionId).toBe('greeting');
    const victim = (await call('GET', '/admin/v1/profiles/victim', h.a.secretKey)).json() as { id: string };
    const viaAnonymousId = await decide({ anonymousId: 'attacker-2' });
    expect(viaAnonymousId.identity).toBe('anonymous');
    expect(viaAnonymousId.profileId).not.toBe(victim.id);
    expect(hero(viaAnonymousId)).toMatchObject({ actionId: 'greeting', content: { title: 'Hello there' } });
    // A visitor who never named a user keeps their own anonymous profile.
    await h.app.inject({ method: 'POST', url: '/v1/identify', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { anonymousId: 'guest', traits: { name: 'Guest' } } });
    expect(hero(await decide({ anonymousId: 'guest' })).content.title).toBe('Hello Guest');
  });

  it('still stores the events of a call whose userId is not verified', async () => {
    const answer = await decide({ userId: 'victim', anonymousId: 'attacker', events: [{ type: 'track', event: 'Unsigned Event', messageId: 'm-unsigned' }] });
    expect(answer.events?.accepted).toBe(1);
    const tracked = await h.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basicAuth(h.a.writeKey) }, payload: { userId: 'victim', event: 'Unsigned Track', messageId: 'm-track' } });
    expect(tracked.statusCode).toBe(200);
    // The decide call's event is the sender's anonymous id's (an unsigned userId links nothing);
    // a call that names only the user is collected on the user's profile, linking nothing.
    const recent = async (id: string) => ((await call('GET', `/admin/v1/profiles/${id}?events=50`, h.a.secretKey)).json() as { recentEvents: { messageId: string }[] }).recentEvents.map((e) => e.messageId);
    expect(await recent('attacker')).toContain('m-unsigned');
    const onVictim = await recent('victim');
    expect(onVictim).toContain('m-track');
    expect(onVictim).not.toContain('m-unsigned');
  });

  it('stops matching old hashes once the secret is rotated', async () => {
    const old = sign('victim', h.a.identitySecret);
    expect((await decide({ userId: 'victim', userHash: old })).identity).toBe('verified');
    const rotated = await call('POST', '/admin/v1/identity-verification/secret', h.a.secretKey);
    expect(rotated.statusCode, rotated.body).toBe(201);
    const { secret } = rotated.json() as { secret: string };
    expect(secret).not.toBe(h.a.identitySecret);
    expect((await decide({ userId: 'victim', userHash: old })).identity).toBe('unverified');
    expect((await decide({ userId: 'victim', userHash: sign('victim', secret) })).identity).toBe('verified');
    // The secret is never shown again.
    const state = await call('GET', '/admin/v1/identity-verification', h.a.secretKey);
    expect(state.json()).toEqual({ enabled: true, secretCreatedAt: expect.any(String) });
    expect(state.body).not.toContain(secret);
  });

  it('counts decide calls by identity in /metrics', async () => {
    await decide({ userId: 'victim' });
    await decide({ userId: 'victim', userHash: 'f'.repeat(64) });
    await decide({ userId: 'victim', userHash: sign('victim', h.a.identitySecret) });
    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('attune_decide_identity_total{identity="unverified"} 2');
    expect(metrics).toContain('attune_decide_identity_total{identity="verified"} 1');
  });

  it('turns verification on for new workspaces, and returns their identity secret once', async () => {
    const created = await call('POST', '/admin/v1/workspaces', admin, { name: 'New shop' });
    expect(created.statusCode).toBe(201);
    const workspace = created.json() as { secretKey: string; writeKey: string; identitySecret: string };
    expect(workspace.identitySecret).toMatch(/^aid_/);
    expect((await call('GET', '/admin/v1/identity-verification', workspace.secretKey)).json()).toEqual({ enabled: true, secretCreatedAt: expect.any(String) });
    await configure(workspace.secretKey);
    await identifyVictim(workspace.writeKey, workspace.identitySecret);
    expect((await decide({ userId: 'victim' }, workspace.writeKey)).identity).toBe('unverified');
    expect(hero(await decide({ userId: 'victim', userHash: sign('victim', workspace.identitySecret) }, workspace.writeKey)).actionId).toBe('vip-offer');
  });

  it('keeps a workspace stored before verification existed as it was, until it is turned on', async () => {
    // A workspace row as earlier releases wrote it: identity settings without `verification`, no secret.
    h.store.db.prepare('INSERT INTO workspaces (id, name, created_at, settings) VALUES (?, ?, ?, ?)')
      .run('ws_legacy', 'Legacy', Date.now(), JSON.stringify({ identity: { traitMerge: 'latest', maxMergedProfiles: 50 } }));
    const write = generateKey('ws_legacy', 'write', Date.now());
    const secret = generateKey('ws_legacy', 'secret', Date.now());
    await h.store.workspaces.addKey(write.key);
    await h.store.workspaces.addKey(secret.key);
    await configure(secret.plain);
    await identifyVictim(write.plain, null);

    expect((await call('GET', '/admin/v1/identity-verification', secret.plain)).json()).toEqual({ enabled: false, secretCreatedAt: null });
    const before = await decide({ userId: 'victim' }, write.plain);
    expect(before.identity).toBe('unchecked');
    expect(hero(before)).toMatchObject({ actionId: 'vip-offer', content: { title: 'Your VIP offer, Victoria' } });

    // Turning it on makes the workspace's first secret, shown in that answer only.
    const on = await call('PUT', '/admin/v1/identity-verification', secret.plain, { enabled: true });
    expect(on.statusCode, on.body).toBe(200);
    const { secret: identitySecret } = on.json() as { secret: string };
    expect(identitySecret).toMatch(/^aid_/);
    expect((await decide({ userId: 'victim' }, write.plain)).identity).toBe('unverified');
    expect(hero(await decide({ userId: 'victim', userHash: sign('victim', identitySecret) }, write.plain)).actionId).toBe('vip-offer');
    expect((await call('PUT', '/admin/v1/identity-verification', secret.plain, { enabled: true })).json()).toEqual({ enabled: true, secretCreatedAt: expect.any(String) });

    // And off again: ids are taken as given, the secret is kept.
    expect((await call('PUT', '/admin/v1/identity-verification', secret.plain, { enabled: false })).json()).toEqual({ enabled: false, secretCreatedAt: expect.any(String) });
    expect((await decide({ userId: 'victim' }, write.plain)).identity).toBe('unchecked');
  });
});
