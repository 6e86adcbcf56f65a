import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callTypes, shortCallRoutes, type CallType } from '../../src/core/events/callTypes.js';
import { rebuildWorkspace } from '../../src/knowledge/rebuild.js';
import { basicAuth, bearer, startHarness, type Harness } from '../support/harness.js';

/**
 * Identity verification on every public collection route, per event: with the write key
 * (public, in every page), an event whose userId comes without its own valid userHash links
 * nothing. Before, a caller could send `identify`, `alias` or a `track` naming a user with its
 * own anonymous id (on a single-call route, in a batch, or in a decide call's events), and every
 * later event of that anonymous id landed on the user's profile. Each check is stored with the
 * event (`body.userIdCheck`), so a rebuild from the log makes the same decisions.
 */

/** As a shop's backend computes it, with Node's crypto and nothing of Attune's. */
function sign(userId: string, secret: string): string {
  return createHmac('sha256', secret).update(userId).digest('hex');
}

interface ProfileView {
  id: string;
  identities: { kind: string; value: string }[];
  traits: Record<string, unknown>;
  recentEvents: { messageId: string; body: Record<string, unknown> }[];
}

/** Every single-call route, long and short. */
const singleRoutes: [url: string, type: CallType][] = [
  ...callTypes.map((type): [string, CallType] => [`/v1/${type}`, type]),
  ...Object.entries(shortCallRoutes).flatMap(([short, type]): [string, CallType][] => (type === 'batch' ? [] : [[`/v1/${short}`, type]])),
];
const batchRoutes = ['/v1/batch', '/v1/b', '/v1/import'];

/** A call of `type` from `userId` on the device `anonymousId`; alias links the device's id to the user. */
function callOf(type: CallType, userId: string, anonymousId: string, messageId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const ids = type === 'alias' ? { userId, previousId: anonymousId } : { userId, anonymousId };
  const members: Record<CallType, Record<string, unknown>> = {
    identify: { traits: { plan: 'forged', name: 'Mallory' } },
    track: { event: 'Order Completed', properties: { revenue: 1 } },
    page: { name: 'Home' },
    screen: { name: 'Home' },
    group: { groupId: 'g1' },
    alias: {},
  };
  return { ...ids, ...members[type], messageId, ...extra };
}

describe('identity verification on every public collection route, per event', () => {
  let h: Harness;
  let n = 0;
  const fresh = (prefix: string) => `${prefix}-${++n}`;

  const post = (url: string, payload: Record<string, unknown>) =>
    h.app.inject({ method: 'POST', url, headers: { authorization: basicAuth(h.a.writeKey) }, payload });

  async function expectOk(url: string, payload: Record<string, unknown>): Promise<void> {
    const res = await post(url, payload);
    expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  }

  async function profile(id: string): Promise<ProfileView> {
    const res = await h.app.inject({ method: 'GET', url: `/admin/v1/profiles/${encodeURIComponent(id)}?events=500`, headers: { authorization: bearer(h.a.secretKey) } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as ProfileView;
  }

  /** What an attacker's device is after its forged calls: its later events, and whether the victim's profile took them. */
  async function expectNotLinked(device: string, forged: readonly string[]): Promise<void> {
    const later = fresh('later');
    await expectOk('/v1/track', { anonymousId: device, event: 'Product Viewed', messageId: later });
    const victim = await profile('victim');
    expect(victim.identities).not.toContainEqual({ kind: 'anonymous', value: device });
    expect(victim.identities).not.toContainEqual({ kind: 'user', value: device });
    const onVictim = victim.recentEvents.map((e) => e.messageId);
    expect(onVictim).not.toContain(later);
    for (const messageId of forged) expect(onVictim).not.toContain(messageId);
    expect(victim.traits).toEqual({ plan: 'vip', name: 'Victoria' });
    // The forged events were collected all the same, on the device's own profile.
    const own = await profile(device);
    expect(own.id).not.toBe(victim.id);
    expect(own.recentEvents.map((e) => e.messageId)).toEqual(expect.arrayContaining([...forged, later]));
  }

  beforeEach(async () => {
    h = await startHarness({ identityVerification: true });
    // The victim logs in on their own device: signed, so linked.
    await expectOk('/v1/identify', { userId: 'victim', anonymousId: 'victim-browser', userHash: sign('victim', h.a.identitySecret), traits: { plan: 'vip', name: 'Victoria' } });
    expect((await profile('victim')).identities).toContainEqual({ kind: 'anonymous', value: 'victim-browser' });
  });
  afterEach(async () => h.close());

  it.each(singleRoutes)('%s (%s): a userId without its userHash links nothing to the sender\'s anonymous id', async (url, type) => {
    for (const userHash of [undefined, '', sign('victim', 'not-the-secret'), sign('someone-else', h.a.identitySecret)]) {
      const device = fresh('attacker');
      const messageId = fresh('forged');
      await expectOk(url, callOf(type, 'victim', device, messageId, userHash === undefined ? {} : { userHash }));
      await expectNotLinked(device, [messageId]);
    }
  });

  it.each(batchRoutes)('%s: identify, alias and track in a batch each need their own userHash', async (url) => {
    const device = fresh('attacker');
    const forged = (['identify', 'alias', 'track', 'page', 'group'] as const).map((type) => callOf(type, 'victim', device, fresh('forged')));
    await expectOk(url, { batch: forged.map((call, i) => ({ type: (['identify', 'alias', 'track', 'page', 'group'] as const)[i], ...call })) });
    await expectNotLinked(device, forged.map((e) => e['messageId'] as string));
    // A userHash on the batch is no userHash of its events.
    const other = fresh('attacker');
    const inBatch = fresh('forged');
    await expectOk(url, { userHash: sign('victim', h.a.identitySecret), batch: [{ type: 'identify', ...callOf('identify', 'victim', other, inBatch) }] });
    await expectNotLinked(other, [inBatch]);
  });

  it('/v1/decide: its events link the call\'s userId only with the call\'s userHash, and one event\'s userId only with its own', async () => {
    const device = fresh('attacker');
    const viaCall = fresh('forged');
    const res = await post('/v1/decide', { userId: 'victim', anonymousId: device, placements: ['none'], events: [{ type: 'identify', messageId: viaCall, traits: { plan: 'forged' } }] });
    expect(res.statusCode).toBe(404); // no such placement: the events were stored all the same
    const ownIds = fresh('forged');
    const signedCall = await post('/v1/decide', {
      anonymousId: device, userId: 'nobody', userHash: sign('nobody', h.a.identitySecret), placements: ['none'],
      // This event names the victim: the call's hash signs "nobody", not it.
      events: [{ type: 'alias', userId: 'victim', previousId: device, messageId: ownIds }],
    });
    expect(signedCall.statusCode).toBe(404);
    await expectNotLinked(device, [viaCall, ownIds]);
  });

  it('an alias from a verified user cannot merge in another user\'s profile by naming them as previousId', async () => {
    // The attacker has an account of their own and signs it; the victim's id is only named.
    const messageId = fresh('alias');
    await expectOk('/v1/alias', { userId: 'mallory', previousId: 'victim', userHash: sign('mallory', h.a.identitySecret), messageId });
    const mallory = await profile('mallory');
    expect(mallory.identities).not.toContainEqual({ kind: 'user', value: 'victim' });
    expect(mallory.traits).toEqual({});
    expect((await profile('victim')).identities).toEqual(expect.arrayContaining([{ kind: 'user', value: 'victim' }, { kind: 'anonymous', value: 'victim-browser' }]));
    // Nor claim a user id nobody has used yet, to catch that user's events later.
    await expectOk('/v1/alias', { userId: 'mallory', previousId: 'future-user', userHash: sign('mallory', h.a.identitySecret), messageId: fresh('alias') });
    await expectOk('/v1/identify', { userId: 'future-user', userHash: sign('future-user', h.a.identitySecret), messageId: fresh('m'), traits: { name: 'Future' } });
    expect((await profile('future-user')).id).not.toBe((await profile('mallory')).id);
    // Nor merge in a device that belongs to another user: the device moves, the profiles stay apart.
    await expectOk('/v1/alias', { userId: 'mallory', previousId: 'victim-browser', userHash: sign('mallory', h.a.identitySecret), messageId: fresh('alias') });
    expect((await profile('mallory')).traits).toEqual({});
    expect((await profile('victim')).traits).toEqual({ plan: 'vip', name: 'Victoria' });
  });

  it('links as before when each event carries its own valid userHash, on every route', async () => {
    for (const [url, type] of singleRoutes) {
      const user = fresh('user');
      const device = fresh('device');
      await expectOk(url, callOf(type, user, device, fresh('m'), { userHash: sign(user, h.a.identitySecret) }));
      expect((await profile(user)).identities, url).toContainEqual({ kind: 'anonymous', value: device });
    }
    const [user, device] = [fresh('user'), fresh('device')];
    const hashed = { userHash: sign(user, h.a.identitySecret) };
    await expectOk('/v1/batch', { batch: [{ type: 'track', ...callOf('track', user, device, fresh('m'), hashed) }] });
    expect((await profile(user)).identities).toContainEqual({ kind: 'anonymous', value: device });
    const [decideUser, decideDevice] = [fresh('user'), fresh('device')];
    const decided = await post('/v1/decide', { userId: decideUser, anonymousId: decideDevice, userHash: sign(decideUser, h.a.identitySecret), placements: ['none'], events: [{ type: 'track', event: 'Seen', messageId: fresh('m') }] });
    expect(decided.statusCode).toBe(404);
    expect((await profile(decideUser)).identities).toContainEqual({ kind: 'anonymous', value: decideDevice });
  });

  it('still collects an unsigned event that names only a user, on that user\'s profile, linking nothing', async () => {
    const messageId = fresh('server-side');
    await expectOk('/v1/track', { userId: 'victim', event: 'Order Completed', properties: { revenue: 5 }, messageId });
    const victim = await profile('victim');
    expect(victim.recentEvents.map((e) => e.messageId)).toContain(messageId);
    expect(victim.identities).toHaveLength(2);
  });

  it('stores the check with the event, not the userHash, and ignores a check sent in', async () => {
    const device = fresh('attacker');
    const forged = fresh('forged');
    await expectOk('/v1/identify', { ...callOf('identify', 'victim', device, forged), userIdCheck: 'trusted' });
    await expectNotLinked(device, [forged]);
    const signed = fresh('signed');
    await expectOk('/v1/track', { userId: 'victim', anonymousId: 'victim-browser', event: 'Seen', messageId: signed, userHash: sign('victim', h.a.identitySecret) });
    const bodies = new Map([...(await profile(device)).recentEvents, ...(await profile('victim')).recentEvents].map((e) => [e.messageId, e.body]));
    expect(bodies.get(forged)).toMatchObject({ userId: 'victim', userIdCheck: 'unverified' });
    expect(bodies.get(signed)).toMatchObject({ userIdCheck: 'verified' });
    for (const body of bodies.values()) expect(body).not.toHaveProperty('userHash');
  });

  it('a rebuild from the log reaches the same identity decisions, whatever the workspace\'s settings are by then', async () => {
    const device = fresh('attacker');
    const forged = [fresh('forged'), fresh('forged')];
    await expectOk('/v1/identify', callOf('identify', 'victim', device, forged[0]!));
    await expectOk('/v1/batch', { batch: [{ type: 'alias', ...callOf('alias', 'victim', device, forged[1]!) }] });
    const [user, userDevice] = [fresh('user'), fresh('device')];
    await expectOk('/v1/identify', { userId: user, anonymousId: userDevice, userHash: sign(user, h.a.identitySecret), messageId: fresh('m') });
    const before = { victim: await profile('victim'), device: await profile(device), user: await profile(user) };
    // Verification turned off since: the stored checks, not today's settings, decide the replay.
    const off = await h.app.inject({ method: 'PUT', url: '/admin/v1/identity-verification', headers: { authorization: bearer(h.a.secretKey) }, payload: { enabled: false } });
    expect(off.statusCode, off.body).toBe(200);
    const workspace = await h.store.workspaces.getWorkspace(h.a.id);
    expect(workspace?.identity.verification).toBe(false);
    await rebuildWorkspace(h.store, workspace!, await h.models.get(h.a.id));
    const after = { victim: await profile('victim'), device: await profile(device), user: await profile(user) };
    for (const key of ['victim', 'device', 'user'] as const) {
      expect(after[key].id).toBe(before[key].id);
      expect([...after[key].identities].sort((a, b) => a.value.localeCompare(b.value))).toEqual([...before[key].identities].sort((a, b) => a.value.localeCompare(b.value)));
      expect(after[key].traits).toEqual(before[key].traits);
    }
    await expectNotLinked(device, forged);
  });
});
