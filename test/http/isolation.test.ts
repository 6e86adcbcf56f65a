import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { callTypes, shortCallRoutes } from '../../src/core/events/callTypes.js';
import { basicAuth, startHarness, type Harness } from '../support/harness.js';
import { userHash } from '../../src/workspaces/userHash.js';
import {
  admin, collect, expectCollected, expectProblem, findProfile, storedEvents, storedMessageIds, uniqueId,
} from './httpHelpers.js';
import { auditIsolationCases } from './auditIsolation.js';
import { catalogIsolationCases } from './catalogIsolation.js';
import { decideIsolationCases } from './decideIsolation.js';
import { experimentIsolationCases } from './experimentIsolation.js';
import { knowledgeIsolationCases } from './knowledgeIsolation.js';
import { recommenderModelIsolationCases } from './recommenderModelIsolation.js';
import { recommendIsolationCases } from './recommendIsolation.js';
import { personalizerIsolationCases } from './personalizerIsolation.js';
import { predictionIsolationCases } from './predictionIsolation.js';
import { privacyIsolationCases } from './privacyIsolation.js';
import { retentionIsolationCases } from './retentionIsolation.js';
import { userIsolationCases } from './userIsolation.js';
import { qualityIsolationCases } from './qualityIsolation.js';
import { reviewIsolationCases } from './reviewIsolation.js';

/**
 * Nothing crosses workspaces. Each registered route has an isolation case below, and a
 * test enumerates the routes Fastify actually registers: a new endpoint without a case
 * fails it, so whoever adds an endpoint also says how it keeps workspaces apart.
 */

// Records every route of every Fastify instance built in this file (the harness's included).
const registered = vi.hoisted(() => new Set<string>());
vi.mock('fastify', async (importOriginal) => {
  const actual = await importOriginal<typeof import('fastify')>();
  const recording = (options?: Parameters<typeof actual.default>[0]) => {
    const app = actual.default(options);
    app.addHook('onRoute', (route: RouteOptions) => {
      for (const method of [route.method].flat()) registered.add(`${method} ${route.url}`);
    });
    return app;
  };
  return { ...actual, default: recording };
});

const adminToken = 'isolation-admin-token';

type IsolationCase = (h: Harness) => Promise<void>;

/** A valid call of each type for `userId`. */
function callOf(type: string, userId: string, messageId: string): Record<string, unknown> {
  const base = { userId, messageId };
  switch (type) {
    case 'track': return { ...base, event: 'Checkout Started' };
    case 'identify': return { ...base, traits: { secretOf: 'A' } };
    case 'page': return { ...base, name: 'Home' };
    case 'screen': return { ...base, name: 'Home' };
    case 'group': return { ...base, groupId: 'acme' };
    case 'alias': return { ...base, previousId: `${userId}-previous` };
    default: throw new Error(`no call of type ${type}`);
  }
}

/**
 * A call sent with A's write key lands in A only: B's admin API sees neither the profile
 * nor the event. The same call (same messageId) sent with B's key is stored in B as well:
 * de-duplication is per workspace.
 */
function collectCase(url: string, type: string, asBatch: boolean): IsolationCase {
  return async (h) => {
    const userId = uniqueId(`iso-${type}`);
    const messageId = uniqueId('iso-m');
    const call = callOf(type, userId, messageId);
    const payload = asBatch ? { batch: [{ type, ...call }] } : call;

    expect(expectCollected(await collect(h, url, payload, h.a.writeKey))).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await findProfile(h, h.a.secretKey, userId)).toBeDefined();
    expect(await findProfile(h, h.b.secretKey, userId)).toBeUndefined();
    expect(await storedMessageIds(h, h.b.secretKey)).not.toContain(messageId);

    expect(expectCollected(await collect(h, url, payload, h.b.writeKey))).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await storedMessageIds(h, h.a.secretKey)).filter((id) => id === messageId)).toHaveLength(1);
    expect((await storedMessageIds(h, h.b.secretKey)).filter((id) => id === messageId)).toHaveLength(1);
    const [inA, inB] = [await findProfile(h, h.a.secretKey, userId), await findProfile(h, h.b.secretKey, userId)];
    expect(inA?.id).not.toBe(inB?.id);
  };
}

/** Everything that identifies a workspace or its people: none of it may appear in a server-wide answer. */
async function workspaceSecrets(h: Harness): Promise<string[]> {
  const events = [...(await storedEvents(h, h.a.secretKey)), ...(await storedEvents(h, h.b.secretKey))];
  const userIds = events.flatMap((e) => (e.userId === null ? [] : [e.userId])).filter((id) => id.startsWith('iso-'));
  return [h.a.id, h.b.id, h.a.writeKey, h.b.writeKey, h.a.secretKey, h.b.secretKey, 'workspace A', 'workspace B', ...userIds];
}

/** A server-wide endpoint answers the same to everyone and names no workspace, key or person. */
function serverWideCase(method: 'GET' | 'OPTIONS', url: string, expectedStatus: number): IsolationCase {
  return async (h) => {
    expectCollected(await collect(h, '/v1/track', { userId: uniqueId('iso-wide'), event: 'e' }, h.a.writeKey));
    expectCollected(await collect(h, '/v1/track', { userId: uniqueId('iso-wide'), event: 'e' }, h.b.writeKey));
    const headers = method === 'OPTIONS' ? { origin: 'https://shop.example', 'access-control-request-method': 'POST' } : {};
    const anonymous = await h.app.inject({ method, url, headers });
    expect(anonymous.statusCode).toBe(expectedStatus);
    const text = `${JSON.stringify(anonymous.headers)}\n${anonymous.body}`;
    for (const secret of await workspaceSecrets(h)) expect(text).not.toContain(secret);
  };
}

/** The admin-token endpoints refuse every workspace key, write or secret, of any workspace. */
async function refusesWorkspaceKeys(h: Harness, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>): Promise<void> {
  for (const key of [h.a.secretKey, h.b.secretKey, h.a.writeKey, h.b.writeKey]) {
    const res = await admin(h, method, url, key, payload);
    expect(res.statusCode, `${method} ${url} with a workspace key`).toBe(401);
    expectProblem(res, 401, 'ATTUNE_AUTH_INVALID');
  }
}

async function keyIds(h: Harness, secretKey: string): Promise<{ id: string; kind: string; prefix: string; expiresAt: string | null }[]> {
  const res = await admin(h, 'GET', '/admin/v1/keys', secretKey);
  expect(res.statusCode).toBe(200);
  return res.json();
}

async function writeKeyIdOf(h: Harness, secretKey: string, plainWriteKey: string): Promise<string> {
  const key = (await keyIds(h, secretKey)).find((k) => k.kind === 'write' && plainWriteKey.startsWith(k.prefix));
  expect(key).toBeDefined();
  return key!.id;
}

const collectCases: Record<string, IsolationCase> = {};
for (const type of callTypes) collectCases[`POST /v1/${type}`] = collectCase(`/v1/${type}`, type, false);
for (const [short, type] of Object.entries(shortCallRoutes)) {
  collectCases[`POST /v1/${short}`] = type === 'batch' ? collectCase(`/v1/${short}`, 'track', true) : collectCase(`/v1/${short}`, type, false);
}
collectCases['POST /v1/batch'] = collectCase('/v1/batch', 'identify', true);
collectCases['POST /v1/import'] = collectCase('/v1/import', 'page', true);

const cases: Record<string, IsolationCase> = {
  ...collectCases,
  ...knowledgeIsolationCases,
  ...auditIsolationCases,
  ...decideIsolationCases,
  ...experimentIsolationCases,
  ...catalogIsolationCases,
  ...recommenderModelIsolationCases,
  ...recommendIsolationCases,
  ...personalizerIsolationCases,
  ...predictionIsolationCases,
  ...privacyIsolationCases,
  ...retentionIsolationCases,
  ...userIsolationCases,
  ...qualityIsolationCases,
  ...reviewIsolationCases,

  'GET /v1/projects/:writeKey/settings': async (h) => {
    for (const [own, other] of [[h.a, h.b], [h.b, h.a]] as const) {
      const res = await h.app.inject({ method: 'GET', url: `/v1/projects/${own.writeKey}/settings` });
      expect(res.statusCode).toBe(200);
      expect(res.json<{ integrations: Record<string, { apiKey: string }> }>().integrations['Segment.io']?.apiKey).toBe(own.writeKey);
      for (const secret of [other.writeKey, other.secretKey, other.id, own.secretKey, own.id]) expect(res.body).not.toContain(secret);
    }
  },

  'GET /healthz': serverWideCase('GET', '/healthz', 200),
  'GET /readyz': serverWideCase('GET', '/readyz', 200),
  'GET /metrics': serverWideCase('GET', '/metrics', 200),
  'GET /openapi.json': serverWideCase('GET', '/openapi.json', 200),
  'GET /': serverWideCase('GET', '/', 200),
  'GET /docs': serverWideCase('GET', '/docs', 200),
  'GET /docs/': serverWideCase('GET', '/docs/', 200),
  'GET /docs/static/index.html': serverWideCase('GET', '/docs/static/index.html', 302),
  'GET /docs/static/swagger-initializer.js': serverWideCase('GET', '/docs/static/swagger-initializer.js', 200),
  'GET /docs/static/*': serverWideCase('GET', '/docs/static/swagger-ui.css', 200),
  'GET /docs/json': serverWideCase('GET', '/docs/json', 200),
  'GET /docs/yaml': serverWideCase('GET', '/docs/yaml', 200),
  // The harness serves neither the SDK nor the example shop (test/http/examples.test.ts does): no key leaks in the 404 either.
  'GET /sdk/attune.js': serverWideCase('GET', '/sdk/attune.js', 404),
  'GET /sdk/attune.esm.js': serverWideCase('GET', '/sdk/attune.esm.js', 404),
  // The harness serves no built studio: both answer 404 (test/http/studio.test.ts serves one).
  'GET /studio': serverWideCase('GET', '/studio', 404),
  'GET /studio/*': serverWideCase('GET', '/studio/customers/u1', 404),
  'GET /examples/shop': serverWideCase('GET', '/examples/shop', 404),
  'OPTIONS *': serverWideCase('OPTIONS', '/v1/track', 204),

  'POST /admin/v1/workspaces': async (h) => {
    await refusesWorkspaceKeys(h, 'POST', '/admin/v1/workspaces', { name: 'made with a workspace key' });
    const created = await admin(h, 'POST', '/admin/v1/workspaces', adminToken, { name: 'workspace C' });
    expect(created.statusCode).toBe(201);
    const c = created.json<{ id: string; writeKey: string; secretKey: string }>();
    // A new workspace starts empty and its keys reach nothing of A or B.
    expect(await storedEvents(h, c.secretKey)).toEqual([]);
    const aUser = uniqueId('iso-a');
    expectCollected(await collect(h, '/v1/track', { userId: aUser, event: 'e' }, h.a.writeKey));
    expect(await findProfile(h, c.secretKey, aUser)).toBeUndefined();
    const cKeys = (await keyIds(h, c.secretKey)).map((k) => k.id);
    for (const k of await keyIds(h, h.a.secretKey)) expect(cKeys).not.toContain(k.id);
    const names = (await admin(h, 'GET', '/admin/v1/workspaces', adminToken)).json<{ name: string }[]>().map((w) => w.name);
    expect(names).not.toContain('made with a workspace key');
  },

  'GET /admin/v1/workspaces': async (h) => {
    await refusesWorkspaceKeys(h, 'GET', '/admin/v1/workspaces');
    const res = await admin(h, 'GET', '/admin/v1/workspaces', adminToken);
    expect(res.statusCode).toBe(200);
    // Server-wide by design (the admin token), but it never lists keys.
    for (const key of [h.a.writeKey, h.a.secretKey, h.b.writeKey, h.b.secretKey]) expect(res.body).not.toContain(key);
  },

  'GET /admin/v1/workspace': async (h) => {
    for (const [own, other] of [[h.a, h.b], [h.b, h.a]] as const) {
      const res = await admin(h, 'GET', '/admin/v1/workspace', own.secretKey);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: own.id, name: own.name });
      expect(res.body).not.toContain(other.id);
    }
  },

  'GET /admin/v1/keys': async (h) => {
    const [aKeys, bKeys] = [await keyIds(h, h.a.secretKey), await keyIds(h, h.b.secretKey)];
    expect(aKeys.map((k) => k.prefix)).toContain(h.a.writeKey.slice(0, 10));
    expect(aKeys.map((k) => k.prefix)).not.toContain(h.b.writeKey.slice(0, 10));
    expect(bKeys.map((k) => k.prefix)).toContain(h.b.writeKey.slice(0, 10));
    const bIds = new Set(bKeys.map((k) => k.id));
    for (const k of aKeys) expect(bIds.has(k.id)).toBe(false);
  },

  'POST /admin/v1/keys': async (h) => {
    const res = await admin(h, 'POST', '/admin/v1/keys', h.a.secretKey, { kind: 'write' });
    expect(res.statusCode).toBe(201);
    const created = res.json<{ id: string; key: string }>();
    expect((await keyIds(h, h.a.secretKey)).map((k) => k.id)).toContain(created.id);
    expect((await keyIds(h, h.b.secretKey)).map((k) => k.id)).not.toContain(created.id);
    // The new key collects into A only.
    const userId = uniqueId('iso-newkey');
    expectCollected(await collect(h, '/v1/track', { userId, event: 'e' }, created.key));
    expect(await findProfile(h, h.a.secretKey, userId)).toBeDefined();
    expect(await findProfile(h, h.b.secretKey, userId)).toBeUndefined();
  },

  'POST /admin/v1/keys/:keyId/rotate': async (h) => {
    const bWriteKeyId = await writeKeyIdOf(h, h.b.secretKey, h.b.writeKey);
    const [bBefore, aBefore] = [await keyIds(h, h.b.secretKey), await keyIds(h, h.a.secretKey)];
    expectProblem(await admin(h, 'POST', `/admin/v1/keys/${bWriteKeyId}/rotate`, h.a.secretKey, { graceSeconds: 0 }), 404, 'ATTUNE_KEY_NOT_FOUND');
    // Nothing changed on either side: no key expired in B, no replacement made in A or B.
    expect(await keyIds(h, h.b.secretKey)).toEqual(bBefore);
    expect(await keyIds(h, h.a.secretKey)).toEqual(aBefore);
    expectCollected(await collect(h, '/v1/track', { userId: uniqueId('iso-rot'), event: 'e' }, h.b.writeKey));
  },

  'DELETE /admin/v1/keys/:keyId': async (h) => {
    const bWriteKeyId = await writeKeyIdOf(h, h.b.secretKey, h.b.writeKey);
    const bSecret = (await keyIds(h, h.b.secretKey)).find((k) => k.kind === 'secret' && h.b.secretKey.startsWith(k.prefix))!;
    expectProblem(await admin(h, 'DELETE', `/admin/v1/keys/${bWriteKeyId}`, h.a.secretKey), 404, 'ATTUNE_KEY_NOT_FOUND');
    expectProblem(await admin(h, 'DELETE', `/admin/v1/keys/${bSecret.id}`, h.a.secretKey), 404, 'ATTUNE_KEY_NOT_FOUND');
    expect((await keyIds(h, h.b.secretKey)).every((k) => k.expiresAt === null)).toBe(true);
    expectCollected(await collect(h, '/v1/track', { userId: uniqueId('iso-del'), event: 'e' }, h.b.writeKey));
    expect((await admin(h, 'GET', '/admin/v1/workspace', h.b.secretKey)).statusCode).toBe(200);
  },

  'GET /admin/v1/identity-verification': async (h) => {
    expect((await admin(h, 'PUT', '/admin/v1/identity-verification', h.a.secretKey, { enabled: true })).statusCode).toBe(200);
    try {
      expect((await admin(h, 'GET', '/admin/v1/identity-verification', h.a.secretKey)).json()).toMatchObject({ enabled: true });
      expect((await admin(h, 'GET', '/admin/v1/identity-verification', h.b.secretKey)).json()).toMatchObject({ enabled: false });
    } finally {
      await admin(h, 'PUT', '/admin/v1/identity-verification', h.a.secretKey, { enabled: false });
    }
  },

  'PUT /admin/v1/identity-verification': async (h) => {
    expect((await admin(h, 'PUT', '/admin/v1/identity-verification', h.a.secretKey, { enabled: true })).statusCode).toBe(200);
    try {
      // B still takes user ids as given.
      const res = await h.app.inject({ method: 'POST', url: '/v1/decide', headers: { authorization: basicAuth(h.b.writeKey) }, payload: { userId: uniqueId('iso-idv'), placements: ['nope'] } });
      expect(res.statusCode).toBe(404);
      expect((await admin(h, 'GET', '/admin/v1/identity-verification', h.b.secretKey)).json()).toMatchObject({ enabled: false });
    } finally {
      await admin(h, 'PUT', '/admin/v1/identity-verification', h.a.secretKey, { enabled: false });
    }
  },

  'POST /admin/v1/identity-verification/secret': async (h) => {
    const before = (await admin(h, 'GET', '/admin/v1/identity-verification', h.b.secretKey)).json<{ secretCreatedAt: string }>();
    const res = await admin(h, 'POST', '/admin/v1/identity-verification/secret', h.a.secretKey);
    expect(res.statusCode).toBe(201);
    // B's secret is the one it was created with: its hashes still match.
    expect((await admin(h, 'GET', '/admin/v1/identity-verification', h.b.secretKey)).json()).toEqual(before);
    expect(await h.workspaces.userHashMatches(h.b.id, 'u', userHash('u', h.b.identitySecret))).toBe(true);
    expect(await h.workspaces.userHashMatches(h.a.id, 'u', userHash('u', h.a.identitySecret))).toBe(false);
  },

  'GET /admin/v1/profiles/:id': async (h) => {
    const [userId, anonymousId] = [uniqueId('iso-user'), uniqueId('iso-anon')];
    expectCollected(await collect(h, '/v1/identify', { userId, anonymousId, traits: { email: 'b@example.com' } }, h.b.writeKey));
    const inB = await findProfile(h, h.b.secretKey, userId);
    expect(inB).toBeDefined();
    expect((await findProfile(h, h.b.secretKey, anonymousId))?.id).toBe(inB?.id);
    for (const id of [userId, anonymousId, inB!.id]) {
      const res = await admin(h, 'GET', `/admin/v1/profiles/${encodeURIComponent(id)}`, h.a.secretKey);
      expectProblem(res, 404, 'ATTUNE_PROFILE_NOT_FOUND');
      expect(res.body).not.toContain('b@example.com');
      // HEAD is answered by the GET route.
      expect((await h.app.inject({ method: 'HEAD', url: `/admin/v1/profiles/${encodeURIComponent(id)}`, headers: { authorization: `Bearer ${h.a.secretKey}` } })).statusCode).toBe(404);
    }
  },

  'GET /admin/v1/profiles': async (h) => {
    const [userId, email] = [uniqueId('iso-user'), `${uniqueId('iso-mail')}@example.com`];
    expectCollected(await collect(h, '/v1/identify', { userId, traits: { email } }, h.b.writeKey));
    const inB = await findProfile(h, h.b.secretKey, userId);
    const search = (key: string) => admin(h, 'GET', `/admin/v1/profiles?trait=email&value=${encodeURIComponent(email)}`, key);
    expect((await search(h.b.secretKey)).json<{ profiles: { id: string }[] }>().profiles.map((p) => p.id)).toEqual([inB!.id]);
    const inA = await search(h.a.secretKey);
    expect(inA.statusCode).toBe(200);
    expect(inA.json<{ profiles: unknown[] }>().profiles).toEqual([]);
    expect(inA.body).not.toContain(inB!.id);
  },

  'GET /admin/v1/events': async (h) => {
    const [aMessage, bMessage] = [uniqueId('iso-a'), uniqueId('iso-b')];
    expectCollected(await collect(h, '/v1/track', { userId: 'iso-same-user', event: 'e', messageId: aMessage }, h.a.writeKey));
    expectCollected(await collect(h, '/v1/track', { userId: 'iso-same-user', event: 'e', messageId: bMessage }, h.b.writeKey));
    const aEvents = await storedEvents(h, h.a.secretKey);
    expect(aEvents.map((e) => e.messageId)).toContain(aMessage);
    expect(aEvents.map((e) => e.messageId)).not.toContain(bMessage);
    // Paging by sequence number skips the other workspace's events rather than showing them.
    const bEvent = (await storedEvents(h, h.b.secretKey)).find((e) => e.messageId === bMessage)!;
    const page = await admin(h, 'GET', `/admin/v1/events?after=${bEvent.seq - 1}&limit=1`, h.a.secretKey);
    expect(page.statusCode).toBe(200);
    expect(page.json<{ events: { messageId: string }[] }>().events.map((e) => e.messageId)).not.toContain(bMessage);
    // Every event A sees belongs to a profile A can read.
    const aProfileIds = new Set<string>();
    for (const e of aEvents.filter((x) => x.userId === 'iso-same-user')) aProfileIds.add(e.profileId);
    const bProfile = await findProfile(h, h.b.secretKey, 'iso-same-user');
    expect(aProfileIds.has(bProfile!.id)).toBe(false);
  },
};

describe('workspace isolation', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ adminToken }); });
  afterAll(async () => { await h.close(); });

  it('has an isolation case for every registered route, and no case for a route that does not exist', () => {
    expect(registered.size).toBeGreaterThan(0);
    // Fastify adds a HEAD route for each GET route; the GET case covers it.
    const needed = [...registered].map((route) => route.replace(/^HEAD /, 'GET ')).filter((route, i, all) => all.indexOf(route) === i);
    const missing = needed.filter((route) => !(route in cases));
    expect(missing, 'routes without an isolation case: add one to `cases` in test/http/isolation.test.ts').toEqual([]);
    // Fastify registers /docs/ (the trailing-slash twin of a prefixed plugin's '/') as HEAD only: its GET case covers it.
    const stale = Object.keys(cases).filter((route) => !registered.has(route) && !registered.has(route.replace(/^GET /, 'HEAD ')));
    expect(stale, 'isolation cases for routes that are not registered').toEqual([]);
  });

  it.each(Object.keys(cases))('%s keeps workspaces apart', async (route) => {
    await cases[route]!(h);
  });

  it('dedups per workspace: the same messageId in A and B is stored in both', async () => {
    const messageId = uniqueId('shared-message');
    expect(expectCollected(await collect(h, '/v1/track', { userId: 'iso-u', event: 'e', messageId }, h.a.writeKey)).accepted).toBe(1);
    expect(expectCollected(await collect(h, '/v1/batch', { batch: [{ type: 'track', userId: 'iso-u', event: 'e', messageId }] }, h.b.writeKey)).accepted).toBe(1);
    expect(expectCollected(await collect(h, '/v1/track', { userId: 'iso-u', event: 'e', messageId }, h.a.writeKey)).duplicates).toBe(1);
    expect(await storedMessageIds(h, h.a.secretKey)).toContain(messageId);
    expect(await storedMessageIds(h, h.b.secretKey)).toContain(messageId);
  });

  it('gives the same userId in A and B two separate profiles with their own traits and counts', async () => {
    const userId = uniqueId('iso-twin');
    expectCollected(await collect(h, '/v1/identify', { userId, traits: { plan: 'gold', region: 'eu' } }, h.a.writeKey));
    expectCollected(await collect(h, '/v1/identify', { userId, traits: { plan: 'free' } }, h.b.writeKey));
    expectCollected(await collect(h, '/v1/track', { userId, event: 'e' }, h.b.writeKey));
    const [inA, inB] = [await findProfile(h, h.a.secretKey, userId), await findProfile(h, h.b.secretKey, userId)];
    expect(inA?.id).not.toBe(inB?.id);
    expect(inA?.traits).toEqual({ plan: 'gold', region: 'eu' });
    expect(inB?.traits).toEqual({ plan: 'free' });
    expect(inA?.eventCounts).toEqual({ identify: 1 });
    expect(inB?.eventCounts).toEqual({ identify: 1, track: 1 });
    expectProblem(await admin(h, 'GET', `/admin/v1/profiles/${inB!.id}`, h.a.secretKey), 404, 'ATTUNE_PROFILE_NOT_FOUND');
  });

  it('does not merge across workspaces: an alias in B leaves A\'s profiles apart', async () => {
    const [anon, user] = [uniqueId('iso-anon'), uniqueId('iso-user')];
    expectCollected(await collect(h, '/v1/page', { anonymousId: anon, name: 'Home' }, h.a.writeKey));
    expectCollected(await collect(h, '/v1/identify', { userId: user }, h.a.writeKey));
    expectCollected(await collect(h, '/v1/alias', { previousId: anon, userId: user }, h.b.writeKey));
    expect((await findProfile(h, h.a.secretKey, anon))?.id).not.toBe((await findProfile(h, h.a.secretKey, user))?.id);
  });

  it('stores in the workspace of the Basic auth key, whatever writeKey the body names', async () => {
    const userId = uniqueId('iso-header');
    expectCollected(await collect(h, '/v1/track', { userId, event: 'e', writeKey: h.b.writeKey }, h.a.writeKey));
    expect(await findProfile(h, h.a.secretKey, userId)).toBeDefined();
    expect(await findProfile(h, h.b.secretKey, userId)).toBeUndefined();
  });
});
