import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/common/ports.js';
import type { ProfileResponse, StoredEventResponse } from '../../src/api/schemas.js';
import { startHarness, type Harness } from '../support/harness.js';
import { admin, collect, expectCollected, expectProblem, findProfile, track, uniqueId } from './httpHelpers.js';

interface KeyView {
  readonly id: string;
  readonly kind: 'write' | 'secret';
  readonly prefix: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly key?: string;
}

interface Rotated {
  readonly key: KeyView;
  readonly replaced: KeyView;
}

const start = Date.parse('2025-03-01T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

async function listKeys(h: Harness, secretKey: string): Promise<KeyView[]> {
  const res = await admin(h, 'GET', '/admin/v1/keys', secretKey);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<KeyView[]>();
}

/** The listed record of a plain key (found by its prefix). */
async function recordOf(h: Harness, secretKey: string, plain: string): Promise<KeyView> {
  const found = (await listKeys(h, secretKey)).filter((k) => plain.startsWith(k.prefix));
  expect(found).toHaveLength(1);
  return found[0]!;
}

async function createKey(h: Harness, secretKey: string, kind: 'write' | 'secret'): Promise<KeyView & { key: string }> {
  const res = await admin(h, 'POST', '/admin/v1/keys', secretKey, { kind });
  expect(res.statusCode, res.body).toBe(201);
  const created = res.json<KeyView>();
  expect(created.key).toBeDefined();
  return { ...created, key: created.key! };
}

/** Does this write key still collect? 200 or 401 (anything else fails the test). */
async function writeKeyWorks(h: Harness, writeKey: string): Promise<boolean> {
  const res = await collect(h, '/v1/track', track(uniqueId('probe')), writeKey);
  if (res.statusCode === 401) {
    expectProblem(res, 401, 'ATTUNE_AUTH_INVALID');
    return false;
  }
  expectCollected(res);
  return true;
}

/** Does this secret key still administer? 200 or 401. */
async function secretKeyWorks(h: Harness, secretKey: string): Promise<boolean> {
  const res = await admin(h, 'GET', '/admin/v1/workspace', secretKey);
  if (res.statusCode === 401) {
    expectProblem(res, 401, 'ATTUNE_AUTH_INVALID');
    return false;
  }
  expect(res.statusCode, res.body).toBe(200);
  return true;
}

describe('API keys', () => {
  const clock = fixedClock(start);
  let h: Harness;
  beforeEach(async () => {
    clock.set(start);
    h = await startHarness({ clock });
  });
  afterEach(async () => { await h.close(); });

  describe('list and create', () => {
    it('lists the write and the secret key of a new workspace, never the keys or their hashes', async () => {
      const res = await admin(h, 'GET', '/admin/v1/keys', h.a.secretKey);
      expect(res.statusCode).toBe(200);
      const keys = res.json<KeyView[]>();
      expect(keys.map((k) => k.kind).sort()).toEqual(['secret', 'write']);
      for (const key of keys) {
        expect(Object.keys(key).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'kind', 'prefix', 'scope']);
        expect(key).toMatchObject({ createdAt: iso(start), expiresAt: null });
        expect(key.prefix).toHaveLength(10);
      }
      expect(keys.find((k) => k.kind === 'write')?.prefix).toBe(h.a.writeKey.slice(0, 10));
      expect(keys.find((k) => k.kind === 'secret')?.prefix).toBe(h.a.secretKey.slice(0, 10));
      expect(res.body).not.toContain(h.a.writeKey);
      expect(res.body).not.toContain(h.a.secretKey);
      expect(res.body).not.toMatch(/[0-9a-f]{64}/);
      expect(res.body).not.toMatch(/hash/i);
    });

    it('creates a write key, shows it once, and it collects', async () => {
      clock.advance(5_000);
      const created = await createKey(h, h.a.secretKey, 'write');
      expect(created).toMatchObject({ kind: 'write', createdAt: iso(start + 5_000), expiresAt: null });
      expect(created.key).toMatch(/^atw_/);
      expect(created.prefix).toBe(created.key.slice(0, 10));
      expect(await writeKeyWorks(h, created.key)).toBe(true);
      const listed = await listKeys(h, h.a.secretKey);
      expect(listed).toHaveLength(3);
      expect(listed.find((k) => k.id === created.id)).not.toHaveProperty('key');
      // A write key does not administer.
      expectProblem(await admin(h, 'GET', '/admin/v1/keys', created.key), 403, 'ATTUNE_FORBIDDEN');
    });

    it('creates a secret key that administers the same workspace', async () => {
      const created = await createKey(h, h.a.secretKey, 'secret');
      expect(created.key).toMatch(/^ats_/);
      const res = await admin(h, 'GET', '/admin/v1/workspace', created.key);
      expect(res.json()).toMatchObject({ id: h.a.id });
      expectProblem(await collect(h, '/v1/track', track('u'), created.key), 403, 'ATTUNE_FORBIDDEN');
    });

    it('shows the workspace of the secret key', async () => {
      const res = await admin(h, 'GET', '/admin/v1/workspace', h.a.secretKey);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ id: h.a.id, name: 'workspace A', createdAt: iso(start), dataQuality: { unreadableNumbers: 0, byProperty: {} } });
    });
  });

  describe('rotate', () => {
    it('keeps the old write key working for graceSeconds, then refuses it', async () => {
      const old = await recordOf(h, h.a.secretKey, h.a.writeKey);
      expect(await writeKeyWorks(h, h.a.writeKey)).toBe(true); // cached by WorkspaceService now

      const res = await admin(h, 'POST', `/admin/v1/keys/${old.id}/rotate`, h.a.secretKey, { graceSeconds: 3600 });
      expect(res.statusCode, res.body).toBe(201);
      const rotated = res.json<Rotated>();
      expect(rotated.key.kind).toBe('write');
      expect(rotated.key.key).toMatch(/^atw_/);
      expect(rotated.key.id).not.toBe(old.id);
      expect(rotated.replaced).toMatchObject({ id: old.id, expiresAt: iso(start + 3600_000) });
      expect(rotated.replaced).not.toHaveProperty('key');
      const fresh = rotated.key.key!;

      expect(await writeKeyWorks(h, h.a.writeKey)).toBe(true);
      expect(await writeKeyWorks(h, fresh)).toBe(true);
      clock.advance(3599_000);
      expect(await writeKeyWorks(h, h.a.writeKey)).toBe(true);
      // Past the grace period, and past the 30 s key cache too.
      clock.advance(2_000);
      expect(await writeKeyWorks(h, h.a.writeKey)).toBe(false);
      expect(await writeKeyWorks(h, fresh)).toBe(true);
      clock.advance(60_000);
      expect(await writeKeyWorks(h, h.a.writeKey)).toBe(false);

      const listed = await listKeys(h, h.a.secretKey);
      expect(listed.find((k) => k.id === old.id)?.expiresAt).toBe(iso(start + 3600_000));
      expect(listed.find((k) => k.id === rotated.key.id)?.expiresAt).toBeNull();
    });

    it('refuses the old key at once without graceSeconds', async () => {
      const old = await recordOf(h, h.a.secretKey, h.a.writeKey);
      expect(await writeKeyWorks(h, h.a.writeKey)).toBe(true);
      const res = await admin(h, 'POST', `/admin/v1/keys/${old.id}/rotate`, h.a.secretKey, {});
      expect(res.statusCode, res.body).toBe(201);
      const rotated = res.json<Rotated>();
      expect(rotated.replaced.expiresAt).toBe(iso(start));
      expect(await writeKeyWorks(h, h.a.writeKey)).toBe(false);
      expect(await writeKeyWorks(h, rotated.key.key!)).toBe(true);
    });

    it('takes a rotate request without a body (no grace period)', async () => {
      const old = await recordOf(h, h.a.secretKey, h.a.writeKey);
      const res = await h.app.inject({ method: 'POST', url: `/admin/v1/keys/${old.id}/rotate`, headers: { authorization: `Bearer ${h.a.secretKey}` } });
      expect(res.statusCode, res.body).toBe(201);
      expect(await writeKeyWorks(h, h.a.writeKey)).toBe(false);
      expect(await writeKeyWorks(h, res.json<Rotated>().key.key!)).toBe(true);
    });

    it('rotates the secret key that makes the request, with a grace period for it', async () => {
      const own = await recordOf(h, h.a.secretKey, h.a.secretKey);
      const res = await admin(h, 'POST', `/admin/v1/keys/${own.id}/rotate`, h.a.secretKey, { graceSeconds: 60 });
      expect(res.statusCode, res.body).toBe(201);
      const fresh = res.json<Rotated>().key.key!;
      expect(fresh).toMatch(/^ats_/);
      expect(await secretKeyWorks(h, h.a.secretKey)).toBe(true);
      clock.advance(61_000);
      expect(await secretKeyWorks(h, h.a.secretKey)).toBe(false);
      expect(await secretKeyWorks(h, fresh)).toBe(true);
    });

    it('answers 404 ATTUNE_KEY_NOT_FOUND for an unknown, revoked or expired key', async () => {
      expectProblem(await admin(h, 'POST', '/admin/v1/keys/key_unknown/rotate', h.a.secretKey, {}), 404, 'ATTUNE_KEY_NOT_FOUND');
      const old = await recordOf(h, h.a.secretKey, h.a.writeKey);
      expect((await admin(h, 'POST', `/admin/v1/keys/${old.id}/rotate`, h.a.secretKey, { graceSeconds: 10 })).statusCode).toBe(201);
      clock.advance(11_000);
      expectProblem(await admin(h, 'POST', `/admin/v1/keys/${old.id}/rotate`, h.a.secretKey, {}), 404, 'ATTUNE_KEY_NOT_FOUND');
      const revoked = await createKey(h, h.a.secretKey, 'write');
      expect((await admin(h, 'DELETE', `/admin/v1/keys/${revoked.id}`, h.a.secretKey)).statusCode).toBe(204);
      expectProblem(await admin(h, 'POST', `/admin/v1/keys/${revoked.id}/rotate`, h.a.secretKey, {}), 404, 'ATTUNE_KEY_NOT_FOUND');
    });
  });

  describe('revoke', () => {
    it('revokes a write key at once, even while its lookup is cached', async () => {
      expect(await writeKeyWorks(h, h.a.writeKey)).toBe(true);
      const record = await recordOf(h, h.a.secretKey, h.a.writeKey);
      const res = await admin(h, 'DELETE', `/admin/v1/keys/${record.id}`, h.a.secretKey);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(await writeKeyWorks(h, h.a.writeKey)).toBe(false);
      expect((await listKeys(h, h.a.secretKey)).find((k) => k.id === record.id)?.expiresAt).toBe(iso(start));
      expectProblem(await h.app.inject({ method: 'GET', url: `/v1/projects/${h.a.writeKey}/settings` }), 401, 'ATTUNE_AUTH_INVALID');
    });

    it('does not let a key revoke itself', async () => {
      const own = await recordOf(h, h.a.secretKey, h.a.secretKey);
      const problem = expectProblem(await admin(h, 'DELETE', `/admin/v1/keys/${own.id}`, h.a.secretKey), 403, 'ATTUNE_FORBIDDEN');
      expect(problem.detail).toMatch(/itself/);
      expect(await secretKeyWorks(h, h.a.secretKey)).toBe(true);
    });

    it('lets another secret key revoke it', async () => {
      const second = await createKey(h, h.a.secretKey, 'secret');
      const first = await recordOf(h, h.a.secretKey, h.a.secretKey);
      expect((await admin(h, 'DELETE', `/admin/v1/keys/${first.id}`, second.key)).statusCode).toBe(204);
      expect(await secretKeyWorks(h, h.a.secretKey)).toBe(false);
      expect(await secretKeyWorks(h, second.key)).toBe(true);
    });

    it('ends a grace period early', async () => {
      const old = await recordOf(h, h.a.secretKey, h.a.writeKey);
      expect((await admin(h, 'POST', `/admin/v1/keys/${old.id}/rotate`, h.a.secretKey, { graceSeconds: 86_400 })).statusCode).toBe(201);
      expect(await writeKeyWorks(h, h.a.writeKey)).toBe(true);
      expect((await admin(h, 'DELETE', `/admin/v1/keys/${old.id}`, h.a.secretKey)).statusCode).toBe(204);
      expect(await writeKeyWorks(h, h.a.writeKey)).toBe(false);
    });

    it('answers 404 ATTUNE_KEY_NOT_FOUND for an unknown key', async () => {
      expectProblem(await admin(h, 'DELETE', '/admin/v1/keys/key_unknown', h.a.secretKey), 404, 'ATTUNE_KEY_NOT_FOUND');
    });
  });
});

describe('profiles', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ clock: fixedClock(start) }); });
  afterAll(async () => { await h.close(); });

  it('finds a profile by user id, anonymous id and profile id', async () => {
    const [userId, anonymousId] = [uniqueId('user'), uniqueId('anon')];
    expectCollected(await collect(h, '/v1/page', { anonymousId, name: 'Home', messageId: uniqueId('m') }));
    expectCollected(await collect(h, '/v1/identify', { userId, anonymousId, traits: { email: 'x@example.com', plan: 'pro' } }));
    const byUser = await findProfile(h, h.a.secretKey, userId);
    expect(byUser).toBeDefined();
    expect(byUser).toMatchObject({
      identities: expect.arrayContaining([{ kind: 'user', value: userId }, { kind: 'anonymous', value: anonymousId }]),
      traits: { email: 'x@example.com', plan: 'pro' },
      eventCounts: { page: 1, identify: 1 },
      firstSeen: iso(start),
      lastSeen: iso(start),
    });
    expect((await findProfile(h, h.a.secretKey, anonymousId))?.id).toBe(byUser!.id);
    expect((await findProfile(h, h.a.secretKey, byUser!.id))?.id).toBe(byUser!.id);
  });

  it('follows a merge: the absorbed profile id finds the surviving profile', async () => {
    const [userId, anonymousId] = [uniqueId('user'), uniqueId('anon')];
    expectCollected(await collect(h, '/v1/page', { anonymousId, name: 'Landing' }));
    const anonymousProfile = (await findProfile(h, h.a.secretKey, anonymousId))!;
    expectCollected(await collect(h, '/v1/identify', { userId, traits: { plan: 'pro' } }));
    const userProfile = (await findProfile(h, h.a.secretKey, userId))!;
    expect(userProfile.id).not.toBe(anonymousProfile.id);
    expectCollected(await collect(h, '/v1/track', { userId, anonymousId, event: 'Signed In' }));
    const merged = (await findProfile(h, h.a.secretKey, anonymousProfile.id))!;
    expect(merged.id).toBe(userProfile.id);
    expect(merged.mergedProfileIds).toContain(anonymousProfile.id);
    expect(merged.eventCounts).toEqual({ page: 1, identify: 1, track: 1 });
    expect(merged.recentEvents).toHaveLength(3);
  });

  it('returns the recent events newest first, as many as ?events= asks', async () => {
    const userId = uniqueId('user');
    const batch = Array.from({ length: 5 }, (_, i) => ({ type: 'track', userId, event: `Step ${i}`, messageId: uniqueId(`step${i}`) }));
    expectCollected(await collect(h, '/v1/batch', { batch }));
    const get = async (query: string) => {
      const res = await admin(h, 'GET', `/admin/v1/profiles/${userId}${query}`, h.a.secretKey);
      expect(res.statusCode).toBe(200);
      return res.json<ProfileResponse>();
    };
    expect((await get('')).recentEvents).toHaveLength(5);
    const two = (await get('?events=2')).recentEvents;
    expect(two.map((e) => e.name)).toEqual(['Step 4', 'Step 3']);
    expect(two[0]).toMatchObject({ type: 'track', userId, anonymousId: null, messageId: batch[4]!.messageId });
    expect((await get('?events=0')).recentEvents).toEqual([]);
  });

  it('finds user ids with spaces, slashes, unicode and the full 512 characters', async () => {
    for (const userId of ['jane doe', 'tenant/42/user', 'jürgen@müller.de', 'ü'.repeat(512), 'x'.repeat(512)]) {
      expectCollected(await collect(h, '/v1/identify', { userId, traits: { probe: true } }));
      const profile = await findProfile(h, h.a.secretKey, userId);
      expect(profile?.identities, userId.slice(0, 20)).toContainEqual({ kind: 'user', value: userId });
    }
  });

  it('answers 404 ATTUNE_PROFILE_NOT_FOUND for an unknown id', async () => {
    const problem = expectProblem(await admin(h, 'GET', '/admin/v1/profiles/nobody-at-all', h.a.secretKey), 404, 'ATTUNE_PROFILE_NOT_FOUND');
    expect(problem.detail).toContain('nobody-at-all');
  });
});

describe('event log pages', () => {
  let h: Harness;
  const messageIds = Array.from({ length: 5 }, (_, i) => `log-${i}`);
  beforeAll(async () => {
    h = await startHarness({ clock: fixedClock(start) });
    expectCollected(await collect(h, '/v1/batch', { batch: messageIds.map((messageId, i) => ({ type: 'track', userId: 'u-log', event: `E${i}`, messageId })) }));
    // Events of B interleave in the log; A's pages never show them.
    expectCollected(await collect(h, '/v1/track', track('u-log', { messageId: 'log-b' }), h.b.writeKey));
    expectCollected(await collect(h, '/v1/identify', { anonymousId: 'anon-log', traits: { a: 1 }, messageId: 'log-5' }));
  });
  afterAll(async () => { await h.close(); });

  type Page = { events: StoredEventResponse[]; next: number | null };
  async function page(query: string): Promise<Page> {
    const res = await admin(h, 'GET', `/admin/v1/events${query}`, h.a.secretKey);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Page>();
  }

  it('returns the whole log in order by default', async () => {
    const all = await page('');
    expect(all.events.map((e) => e.messageId)).toEqual([...messageIds, 'log-5']);
    expect(all.next).toBeNull();
    const seqs = all.events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(all.events[0]).toMatchObject({ type: 'track', name: 'E0', userId: 'u-log', anonymousId: null, timestamp: iso(start), receivedAt: iso(start) });
    expect(all.events[0]?.body).toMatchObject({ event: 'E0', messageId: 'log-0', receivedAt: iso(start) });
    expect(all.events[5]).toMatchObject({ type: 'identify', userId: null, anonymousId: 'anon-log' });
  });

  it('pages with limit and after, following next until it is null', async () => {
    const seen: string[] = [];
    let after = 0;
    const nexts: (number | null)[] = [];
    for (let i = 0; i < 10; i++) {
      const p = await page(`?limit=2&after=${after}`);
      seen.push(...p.events.map((e) => e.messageId));
      nexts.push(p.next);
      if (p.next === null) break;
      expect(p.events).toHaveLength(2);
      expect(p.next).toBe(p.events[1]?.seq);
      after = p.next;
    }
    expect(seen).toEqual([...messageIds, 'log-5']);
    expect(nexts.at(-1)).toBeNull();
  });

  it('returns an empty page after the last event', async () => {
    const all = await page('');
    expect(await page(`?after=${all.events.at(-1)!.seq}`)).toEqual({ events: [], next: null });
  });
});

describe('workspaces (server admin token)', () => {
  const token = 'a-long-random-admin-token';

  describe('with a token configured', () => {
    let h: Harness;
    beforeAll(async () => { h = await startHarness({ adminToken: token, clock: fixedClock(start) }); });
    afterAll(async () => { await h.close(); });

    it('creates a workspace whose keys work', async () => {
      const res = await admin(h, 'POST', '/admin/v1/workspaces', token, { name: 'Shop DE' });
      expect(res.statusCode, res.body).toBe(201);
      const created = res.json<{ id: string; name: string; writeKey: string; secretKey: string }>();
      expect(created).toMatchObject({ name: 'Shop DE' });
      expect(created.id).toMatch(/^ws_/);
      expect(created.writeKey).toMatch(/^atw_/);
      expect(created.secretKey).toMatch(/^ats_/);
      expect(await writeKeyWorks(h, created.writeKey)).toBe(true);
      expect((await admin(h, 'GET', '/admin/v1/workspace', created.secretKey)).json()).toEqual({ id: created.id, name: 'Shop DE', createdAt: iso(start), dataQuality: { unreadableNumbers: 0, byProperty: {} } });
    });

    it('lists the workspaces, without their keys', async () => {
      const res = await admin(h, 'GET', '/admin/v1/workspaces', token);
      expect(res.statusCode).toBe(200);
      const list = res.json<{ id: string; name: string; createdAt: string }[]>();
      expect(list).toEqual(expect.arrayContaining([
        { id: h.a.id, name: 'workspace A', createdAt: iso(start) },
        { id: h.b.id, name: 'workspace B', createdAt: iso(start) },
      ]));
      for (const key of [h.a.writeKey, h.a.secretKey, h.b.writeKey, h.b.secretKey]) expect(res.body).not.toContain(key);
    });

    it('refuses a missing, wrong or non-bearer token', async () => {
      for (const method of ['GET', 'POST'] as const) {
        const payload = method === 'POST' ? { name: 'nope' } : undefined;
        expectProblem(await h.app.inject({ method, url: '/admin/v1/workspaces', ...(payload === undefined ? {} : { payload }) }), 401, 'ATTUNE_AUTH_MISSING');
        expectProblem(await admin(h, method, '/admin/v1/workspaces', 'wrong', payload), 401, 'ATTUNE_AUTH_INVALID');
        expectProblem(await admin(h, method, '/admin/v1/workspaces', token.replace(/.$/, 'X'), payload), 401, 'ATTUNE_AUTH_INVALID');
        expectProblem(await admin(h, method, '/admin/v1/workspaces', `${token}x`, payload), 401, 'ATTUNE_AUTH_INVALID');
        const basic = `Basic ${Buffer.from(`${token}:`).toString('base64')}`;
        expectProblem(await h.app.inject({ method, url: '/admin/v1/workspaces', headers: { authorization: basic }, ...(payload === undefined ? {} : { payload }) }), 401, 'ATTUNE_AUTH_MISSING');
      }
      const names = (await admin(h, 'GET', '/admin/v1/workspaces', token)).json<{ name: string }[]>().map((w) => w.name);
      expect(names).not.toContain('nope');
    });

    it('does not let the admin token act as a workspace key', async () => {
      expectProblem(await admin(h, 'GET', '/admin/v1/keys', token), 401, 'ATTUNE_AUTH_INVALID');
      expectProblem(await collect(h, '/v1/track', track('u'), token), 401, 'ATTUNE_AUTH_INVALID');
    });
  });

  describe('without a token configured', () => {
    let h: Harness;
    beforeAll(async () => { h = await startHarness(); });
    afterAll(async () => { await h.close(); });

    it('turns workspace administration over HTTP off', async () => {
      for (const [method, payload] of [['GET', undefined], ['POST', { name: 'Shop' }]] as const) {
        for (const bearerToken of [token, '', h.a.secretKey]) {
          const res = bearerToken === ''
            ? await h.app.inject({ method, url: '/admin/v1/workspaces', ...(payload === undefined ? {} : { payload }) })
            : await admin(h, method, '/admin/v1/workspaces', bearerToken, payload);
          const problem = expectProblem(res, 403, 'ATTUNE_FORBIDDEN');
          expect(problem.detail).toMatch(/ATTUNE_ADMIN_TOKEN/);
        }
      }
      expect((await h.workspaces.list()).map((w) => w.name).sort()).toEqual(['workspace A', 'workspace B']);
    });
  });
});
