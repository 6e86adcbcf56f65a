import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, uuidIds } from '../../src/cli/systemClock.js';
import { fixedClock } from '../../src/core/common/ports.js';
import { buildServer } from '../../src/server/buildServer.js';
import { openStore } from '../../src/engine/openStore.js';
import { startHarness, type Harness } from '../support/harness.js';
import {
  collect, expectCollected, expectProblem, findProfile, postRaw, storedEvents, track, uniqueId,
} from './httpHelpers.js';

/** One call of each type, valid on its own route. */
function callOf(type: string, userId: string): Record<string, unknown> {
  switch (type) {
    case 'track': return { userId, event: 'Order Completed', properties: { total: 42 } };
    case 'identify': return { userId, traits: { plan: 'pro' } };
    case 'page': return { userId, name: 'Home', properties: { path: '/' } };
    case 'screen': return { userId, name: 'Settings' };
    case 'group': return { userId, groupId: 'acme', traits: { employees: 10 } };
    case 'alias': return { userId, previousId: `${userId}-before` };
    default: throw new Error(`no call of type ${type}`);
  }
}

const routes = [
  ['/v1/track', 'track'], ['/v1/t', 'track'],
  ['/v1/identify', 'identify'], ['/v1/i', 'identify'],
  ['/v1/page', 'page'], ['/v1/p', 'page'],
  ['/v1/screen', 'screen'], ['/v1/s', 'screen'],
  ['/v1/group', 'group'], ['/v1/g', 'group'],
  ['/v1/alias', 'alias'], ['/v1/a', 'alias'],
] as const;

/** The value of one sample in a Prometheus text exposition, or undefined. */
function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('collection', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h.close(); });

  async function storedByMessageId(messageId: string) {
    const event = (await storedEvents(h, h.a.secretKey)).find((e) => e.messageId === messageId);
    expect(event, `event ${messageId} is stored`).toBeDefined();
    return event!;
  }

  describe('every call route and its short form', () => {
    it.each(routes)('POST %s stores a %s call', async (url, type) => {
      const userId = uniqueId('user');
      const messageId = uniqueId('m');
      const res = await collect(h, url, { ...callOf(type, userId), messageId });
      expect(expectCollected(res)).toEqual({ success: true, accepted: 1, duplicates: 0 });
      const stored = await storedByMessageId(messageId);
      expect(stored.type).toBe(type);
      expect(stored.userId).toBe(userId);
      expect(stored.body['type']).toBe(type);
      const profile = await findProfile(h, h.a.secretKey, userId);
      expect(profile?.eventCounts).toEqual({ [type]: 1 });
    });

    it('stores the event name of track calls and the page name of page and screen calls', async () => {
      const [t, p, s] = [uniqueId('m'), uniqueId('m'), uniqueId('m')];
      expectCollected(await collect(h, '/v1/track', { ...callOf('track', 'u-name'), messageId: t }));
      expectCollected(await collect(h, '/v1/p', { ...callOf('page', 'u-name'), messageId: p }));
      expectCollected(await collect(h, '/v1/s', { ...callOf('screen', 'u-name'), messageId: s }));
      expect((await storedByMessageId(t)).name).toBe('Order Completed');
      expect((await storedByMessageId(p)).name).toBe('Home');
      expect((await storedByMessageId(s)).name).toBe('Settings');
    });

    it('applies identify traits to the profile', async () => {
      const userId = uniqueId('user');
      expectCollected(await collect(h, '/v1/i', { userId, traits: { plan: 'pro', seats: 3 } }));
      expect((await findProfile(h, h.a.secretKey, userId))?.traits).toMatchObject({ plan: 'pro', seats: 3 });
    });

    it.each(['/v1/batch', '/v1/b', '/v1/import'])('POST %s stores a batch with every call type', async (url) => {
      const userId = uniqueId('user');
      const types = ['track', 'identify', 'page', 'screen', 'group', 'alias'];
      const batch = types.map((type) => ({ type, ...callOf(type, userId), messageId: uniqueId('m') }));
      expect(expectCollected(await collect(h, url, { batch }))).toEqual({ success: true, accepted: 6, duplicates: 0 });
      const stored = (await storedEvents(h, h.a.secretKey)).filter((e) => batch.some((b) => b.messageId === e.messageId));
      expect(stored.map((e) => e.type)).toEqual(types);
      expect(stored.map((e) => e.seq)).toEqual([...stored.map((e) => e.seq)].sort((x, y) => x - y));
    });

    it('accepts an empty batch', async () => {
      expect(expectCollected(await collect(h, '/v1/batch', { batch: [] }))).toEqual({ success: true, accepted: 0, duplicates: 0 });
    });

    it('accepts numeric ids and stores them as strings', async () => {
      const messageId = uniqueId('m');
      expectCollected(await collect(h, '/v1/track', { userId: 12345, event: 'e', messageId }));
      expect((await storedByMessageId(messageId)).userId).toBe('12345');
      expect(await findProfile(h, h.a.secretKey, '12345')).toBeDefined();
    });

    it('makes a messageId when the sender gives none, so such events are never de-duplicated', async () => {
      const userId = uniqueId('user');
      expectCollected(await collect(h, '/v1/track', { userId, event: 'e' }));
      expectCollected(await collect(h, '/v1/track', { userId, event: 'e' }));
      const events = (await storedEvents(h, h.a.secretKey)).filter((e) => e.userId === userId);
      expect(events).toHaveLength(2);
      for (const e of events) expect(e.messageId).toMatch(/^attune-/);
      expect(events[0]?.messageId).not.toBe(events[1]?.messageId);
    });

    it('keeps extra members Segment libraries add, and drops prototype-poisoning keys', async () => {
      const messageId = uniqueId('m');
      const body = `{"userId":"u-extra","event":"e","messageId":"${messageId}","_metadata":{"bundled":["Segment.io"]},"__proto__":{"polluted":true}}`;
      expectCollected(await postRaw(h, '/v1/track', body, 'application/json'));
      const stored = await storedByMessageId(messageId);
      expect(stored.body['_metadata']).toEqual({ bundled: ['Segment.io'] });
      expect(Object.prototype.hasOwnProperty.call(stored.body, '__proto__')).toBe(false);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });
  });

  describe('JSON sent as text/plain (Segment browser library)', () => {
    it.each(['text/plain', 'text/plain;charset=UTF-8'])('takes a call sent as %s', async (contentType) => {
      const messageId = uniqueId('m');
      expectCollected(await postRaw(h, '/v1/t', JSON.stringify(track('u-text', { messageId })), contentType));
      await storedByMessageId(messageId);
    });

    it('takes a batch sent as text/plain', async () => {
      const messageId = uniqueId('m');
      const body = JSON.stringify({ batch: [{ type: 'page', userId: 'u-text', name: 'Cart', messageId }] });
      expect(expectCollected(await postRaw(h, '/v1/b', body, 'text/plain;charset=UTF-8')).accepted).toBe(1);
      await storedByMessageId(messageId);
    });

    it('takes application/json with a charset', async () => {
      expectCollected(await postRaw(h, '/v1/track', JSON.stringify(track('u-text')), 'application/json; charset=utf-8'));
    });
  });

  describe('the write key in the body (Segment HTTP API)', () => {
    it('authenticates a call by writeKey in the body and does not store the key', async () => {
      const messageId = uniqueId('m');
      const res = await collect(h, '/v1/track', track('u-body-key', { writeKey: h.a.writeKey, messageId }), null);
      expectCollected(res);
      const stored = await storedByMessageId(messageId);
      expect(stored.body).not.toHaveProperty('writeKey');
      expect(JSON.stringify(stored.body)).not.toContain(h.a.writeKey);
    });

    it('authenticates a text/plain call by writeKey in the body (no Authorization header, no preflight)', async () => {
      const messageId = uniqueId('m');
      expectCollected(await postRaw(h, '/v1/t', JSON.stringify(track('u-body-key', { writeKey: h.a.writeKey, messageId })), 'text/plain', null));
      await storedByMessageId(messageId);
    });

    it('authenticates a batch by writeKey at the batch level', async () => {
      const messageId = uniqueId('m');
      expectCollected(await collect(h, '/v1/batch', { writeKey: h.a.writeKey, batch: [{ type: 'track', ...track('u-body-key'), messageId }] }, null));
      expect(JSON.stringify((await storedByMessageId(messageId)).body)).not.toContain(h.a.writeKey);
    });

    it('accepts the write key with a password part in Basic auth', async () => {
      const authorization = `Basic ${Buffer.from(`${h.a.writeKey}:ignored`).toString('base64')}`;
      expectCollected(await collect(h, '/v1/track', track('u-basic'), null, { authorization }));
    });
  });

  describe('de-duplication on messageId', () => {
    it('stores a retried batch once and counts the retry as duplicates', async () => {
      const userId = uniqueId('user');
      const batch = ['track', 'page', 'identify'].map((type) => ({ type, ...callOf(type, userId), messageId: uniqueId('retry') }));
      expect(expectCollected(await collect(h, '/v1/batch', { batch }))).toEqual({ success: true, accepted: 3, duplicates: 0 });
      const before = await findProfile(h, h.a.secretKey, userId);
      expect(expectCollected(await collect(h, '/v1/batch', { batch }))).toEqual({ success: true, accepted: 0, duplicates: 3 });
      const stored = (await storedEvents(h, h.a.secretKey)).filter((e) => e.userId === userId);
      expect(stored.map((e) => e.messageId).sort()).toEqual(batch.map((e) => e.messageId).sort());
      const after = await findProfile(h, h.a.secretKey, userId);
      expect(after?.eventCounts).toEqual(before?.eventCounts);
      expect(after?.eventCounts).toEqual({ track: 1, page: 1, identify: 1 });
    });

    it('stores the new events of a partly retried batch', async () => {
      const old = { type: 'track', ...track('u-dedup'), messageId: uniqueId('old') };
      expectCollected(await collect(h, '/v1/batch', { batch: [old] }));
      const fresh = { type: 'track', ...track('u-dedup'), messageId: uniqueId('new') };
      expect(expectCollected(await collect(h, '/v1/batch', { batch: [old, fresh] }))).toEqual({ success: true, accepted: 1, duplicates: 1 });
    });

    it('stores a messageId repeated within one batch once', async () => {
      const messageId = uniqueId('twice');
      const batch = [{ type: 'track', ...track('u-dedup'), messageId }, { type: 'track', ...track('u-dedup'), messageId }];
      expect(expectCollected(await collect(h, '/v1/batch', { batch }))).toEqual({ success: true, accepted: 1, duplicates: 1 });
      expect((await storedEvents(h, h.a.secretKey)).filter((e) => e.messageId === messageId)).toHaveLength(1);
    });

    it('de-duplicates across routes: a single call retried inside a batch', async () => {
      const messageId = uniqueId('cross');
      expectCollected(await collect(h, '/v1/t', track('u-dedup', { messageId })));
      expect(expectCollected(await collect(h, '/v1/b', { batch: [{ type: 'track', ...track('u-dedup'), messageId }] }))).toMatchObject({ accepted: 0, duplicates: 1 });
    });

    it('de-duplicates concurrent retries that land in the same group commit', async () => {
      const messageId = uniqueId('race');
      const results = await Promise.all([1, 2, 3].map(() => collect(h, '/v1/track', track('u-race', { messageId }))));
      const bodies = results.map(expectCollected);
      expect(bodies.reduce((n, b) => n + b.accepted, 0)).toBe(1);
      expect(bodies.reduce((n, b) => n + b.duplicates, 0)).toBe(2);
    });
  });

  describe('CORS for browser collection', () => {
    const origin = 'https://shop.example';

    it('answers a preflight for the collect routes', async () => {
      for (const url of ['/v1/t', '/v1/batch', '/v1/track']) {
        const res = await h.app.inject({
          method: 'OPTIONS',
          url,
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
        });
        expect(res.statusCode).toBe(204);
        expect(res.headers['access-control-allow-origin']).toBe(origin);
        expect(String(res.headers['access-control-allow-methods'])).toMatch(/POST/);
        expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toMatch(/authorization/);
        expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toMatch(/content-type/);
        expect(Number(res.headers['access-control-max-age'])).toBeGreaterThan(0);
      }
    });

    it('sends CORS headers on a POST, on its error answers and on the settings endpoint', async () => {
      const ok = await collect(h, '/v1/t', track('u-cors'), h.a.writeKey, { origin });
      expectCollected(ok);
      expect(ok.headers['access-control-allow-origin']).toBe(origin);
      expect(String(ok.headers['vary'])).toMatch(/Origin/);
      // Retry-After is not CORS-safelisted: the browser reads it on a 429 only if it is exposed.
      expect(String(ok.headers['access-control-expose-headers']).toLowerCase()).toContain('retry-after');
      const bad = await collect(h, '/v1/t', { event: 'no identity' }, h.a.writeKey, { origin });
      expectProblem(bad, 400, 'ATTUNE_EVENT_MISSING_IDENTITY');
      expect(bad.headers['access-control-allow-origin']).toBe(origin);
      const unauthorized = await collect(h, '/v1/t', track('u-cors'), null, { origin });
      expectProblem(unauthorized, 401, 'ATTUNE_AUTH_MISSING');
      expect(unauthorized.headers['access-control-allow-origin']).toBe(origin);
      const settings = await h.app.inject({ method: 'GET', url: `/v1/projects/${h.a.writeKey}/settings`, headers: { origin } });
      expect(settings.headers['access-control-allow-origin']).toBe(origin);
    });

    it('allows only the configured origins when a list is given', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'attune-cors-'));
      const server = await buildServer({
        store: openStore({ path: join(dataDir, 'attune.db'), synchronous: 'normal', maxPendingEvents: 1000 }),
        clock: systemClock,
        ids: uuidIds,
        corsOrigins: [origin],
        logger: false,
      });
      try {
        const preflight = (from: string) => server.app.inject({ method: 'OPTIONS', url: '/v1/t', headers: { origin: from, 'access-control-request-method': 'POST' } });
        expect((await preflight(origin)).headers['access-control-allow-origin']).toBe(origin);
        expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
      } finally {
        await server.app.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  describe('settings for @segment/analytics-next', () => {
    it('points analytics-next at this server, from the Host header', async () => {
      const res = await h.app.inject({ method: 'GET', url: `/v1/projects/${h.a.writeKey}/settings`, headers: { host: 'collect.example.com:8443' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const settings = res.json<{ integrations: Record<string, { apiKey: string; apiHost: string; protocol: string }>; plan: Record<string, unknown> }>();
      expect(settings.integrations['Segment.io']).toMatchObject({ apiKey: h.a.writeKey, apiHost: 'collect.example.com:8443/v1', protocol: 'http' });
      expect(settings.plan).toHaveProperty('track');
    });

    it('takes the protocol from X-Forwarded-Proto (behind a TLS-terminating proxy)', async () => {
      const res = await h.app.inject({ method: 'GET', url: `/v1/projects/${h.a.writeKey}/settings`, headers: { host: 'collect.example.com', 'x-forwarded-proto': 'https, http' } });
      expect(res.json<{ integrations: Record<string, { protocol: string }> }>().integrations['Segment.io']?.protocol).toBe('https');
    });

    it('answers 401 ATTUNE_AUTH_INVALID for an unknown write key', async () => {
      expectProblem(await h.app.inject({ method: 'GET', url: '/v1/projects/atw_unknown/settings' }), 401, 'ATTUNE_AUTH_INVALID');
    });
  });

  describe('operations endpoints', () => {
    it('GET /healthz answers ok', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
    });

    it('GET /readyz answers ready', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ready' });
    });
  });
});

describe('clock-skew correction', () => {
  const receivedAt = Date.parse('2025-06-01T12:00:00.000Z');
  const clock = fixedClock(receivedAt);
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ clock }); });
  afterAll(async () => { await h.close(); });

  const iso = (ms: number) => new Date(ms).toISOString();
  const minutes = (n: number) => n * 60_000;

  async function storedBody(messageId: string) {
    const event = (await storedEvents(h, h.a.secretKey)).find((e) => e.messageId === messageId);
    expect(event).toBeDefined();
    return event!;
  }

  it('corrects a sender clock that runs two hours late and keeps all four times', async () => {
    // The sender's clock is 2 h behind; the event happened 10 s before it was sent.
    const sentAt = receivedAt - minutes(120);
    const originalTimestamp = sentAt - 10_000;
    const messageId = uniqueId('skew');
    expectCollected(await collect(h, '/v1/track', track('u-skew', { messageId, timestamp: iso(originalTimestamp), sentAt: iso(sentAt) })));
    const stored = await storedBody(messageId);
    expect(stored.body).toMatchObject({
      timestamp: iso(receivedAt - 10_000),
      originalTimestamp: iso(originalTimestamp),
      sentAt: iso(sentAt),
      receivedAt: iso(receivedAt),
    });
    expect(stored.timestamp).toBe(iso(receivedAt - 10_000));
    expect(stored.receivedAt).toBe(iso(receivedAt));
  });

  it('corrects a sender clock that runs ahead', async () => {
    const sentAt = receivedAt + minutes(30);
    const originalTimestamp = sentAt - 2_000;
    const messageId = uniqueId('skew');
    expectCollected(await collect(h, '/v1/page', { userId: 'u-skew', name: 'Home', messageId, originalTimestamp: iso(originalTimestamp), sentAt: iso(sentAt) }));
    expect((await storedBody(messageId)).body).toMatchObject({ timestamp: iso(receivedAt - 2_000), originalTimestamp: iso(originalTimestamp), sentAt: iso(sentAt) });
  });

  it('reads timestamps with a zone offset', async () => {
    const messageId = uniqueId('skew');
    expectCollected(await collect(h, '/v1/track', track('u-skew', { messageId, timestamp: '2025-06-01T13:59:00+02:00', sentAt: '2025-06-01T14:00:00+02:00' })));
    expect((await storedBody(messageId)).body['timestamp']).toBe(iso(receivedAt - 60_000));
  });

  it('trusts the timestamp when there is no sentAt (imports of history)', async () => {
    const messageId = uniqueId('history');
    const happened = Date.parse('2024-01-15T08:30:00.000Z');
    expectCollected(await collect(h, '/v1/track', track('u-skew', { messageId, timestamp: iso(happened) })));
    expect((await storedBody(messageId)).body).toMatchObject({ timestamp: iso(happened), originalTimestamp: iso(happened), sentAt: null, receivedAt: iso(receivedAt) });
  });

  it('uses the time of receipt when the sender gives no times', async () => {
    const messageId = uniqueId('now');
    expectCollected(await collect(h, '/v1/track', track('u-skew', { messageId })));
    expect((await storedBody(messageId)).body).toMatchObject({ timestamp: iso(receivedAt), originalTimestamp: null, sentAt: null, receivedAt: iso(receivedAt) });
  });

  it('never stores an event as happening after it was received', async () => {
    const messageId = uniqueId('future');
    expectCollected(await collect(h, '/v1/track', track('u-skew', { messageId, timestamp: iso(receivedAt + minutes(60)) })));
    expect((await storedBody(messageId)).body['timestamp']).toBe(iso(receivedAt));
  });

  it('applies the batch-level sentAt to events without their own, and an event-level sentAt wins', async () => {
    const batchSentAt = receivedAt - minutes(60);
    const ownSentAt = receivedAt - minutes(180);
    const [inherits, own] = [uniqueId('batch'), uniqueId('own')];
    const res = await collect(h, '/v1/batch', {
      sentAt: iso(batchSentAt),
      batch: [
        { type: 'track', ...track('u-skew'), messageId: inherits, timestamp: iso(batchSentAt - 5_000) },
        { type: 'track', ...track('u-skew'), messageId: own, timestamp: iso(ownSentAt - 7_000), sentAt: iso(ownSentAt) },
      ],
    });
    expect(expectCollected(res).accepted).toBe(2);
    expect((await storedBody(inherits)).body).toMatchObject({ timestamp: iso(receivedAt - 5_000), sentAt: iso(batchSentAt), originalTimestamp: iso(batchSentAt - 5_000) });
    expect((await storedBody(own)).body).toMatchObject({ timestamp: iso(receivedAt - 7_000), sentAt: iso(ownSentAt) });
  });

  it('merges the batch-level context and integrations under each event\'s own', async () => {
    const [plain, localized] = [uniqueId('ctx'), uniqueId('ctx')];
    const res = await collect(h, '/v1/batch', {
      context: { library: { name: 'analytics-node', version: '3.1.0' }, locale: 'de-DE' },
      integrations: { All: true },
      batch: [
        { type: 'track', ...track('u-ctx'), messageId: plain },
        { type: 'identify', userId: 'u-ctx', traits: { plan: 'pro' }, messageId: localized, context: { locale: 'fr-FR' }, integrations: { Mixpanel: false } },
      ],
    });
    expectCollected(res);
    expect((await storedBody(plain)).body).toMatchObject({ context: { library: { name: 'analytics-node', version: '3.1.0' }, locale: 'de-DE' }, integrations: { All: true } });
    expect((await storedBody(localized)).body).toMatchObject({ context: { library: { name: 'analytics-node', version: '3.1.0' }, locale: 'fr-FR' }, integrations: { All: true, Mixpanel: false } });
  });
});

describe('backpressure', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ maxPendingEvents: 2 }); });
  afterAll(async () => { await h.close(); });

  it('answers 429 ATTUNE_QUEUE_FULL with Retry-After when the write queue is full, and stores what it accepted', async () => {
    // Started in one tick, the requests queue for the same group commit; the queue takes two events.
    const origin = 'https://shop.example';
    const pending = Array.from({ length: 6 }, (_, i) => collect(h, '/v1/track', track('u-queue', { messageId: `queued-${i}` }), h.a.writeKey, { origin }));
    const results = await Promise.all(pending);
    const accepted = results.filter((r) => r.statusCode === 200);
    const refused = results.filter((r) => r.statusCode === 429);
    expect(accepted.length + refused.length).toBe(results.length);
    expect(accepted.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const res of refused) {
      expectProblem(res, 429, 'ATTUNE_QUEUE_FULL');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // A browser can read the answer and its Retry-After.
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(String(res.headers['access-control-expose-headers']).toLowerCase()).toContain('retry-after');
    }
    const stored = (await storedEvents(h, h.a.secretKey)).filter((e) => e.messageId.startsWith('queued-'));
    expect(stored).toHaveLength(accepted.length);
  });

  it('refuses whole batches, never part of one, and takes them once the queue has drained', async () => {
    const batches = Array.from({ length: 3 }, (_, i) => ({ batch: [0, 1].map((j) => ({ type: 'track', ...track('u-queue'), messageId: `qb-${i}-${j}` })) }));
    const results = await Promise.all(batches.map((b) => collect(h, '/v1/batch', b)));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 429, 429]);
    const refusedIndex = results.findIndex((r) => r.statusCode === 429);
    const stored = () => storedEvents(h, h.a.secretKey).then((events) => events.filter((e) => e.messageId.startsWith('qb-')).map((e) => e.messageId));
    expect(await stored()).toHaveLength(2);
    // The client retries after Retry-After: the queue has drained.
    expect(expectCollected(await collect(h, '/v1/batch', batches[refusedIndex]!)).accepted).toBe(2);
    expect(await stored()).toHaveLength(4);
  });

  it('takes a batch larger than the queue limit when nothing else is waiting', async () => {
    const batch = Array.from({ length: 5 }, (_, i) => ({ type: 'track', ...track('u-queue'), messageId: `big-${i}` }));
    expect(expectCollected(await collect(h, '/v1/batch', { batch })).accepted).toBe(5);
  });
});

describe('metrics', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h.close(); });

  it('counts events accepted, duplicate and rejected by reason, and request latencies by route', async () => {
    const batch = [
      { type: 'track', ...track('u-m'), messageId: 'metrics-1' },
      { type: 'track', ...track('u-m'), messageId: 'metrics-2' },
      { type: 'track', event: 'no identity' },
      { type: 'bogus', userId: 'u-m' },
    ];
    expectProblem(await collect(h, '/v1/batch', { batch }), 400, 'ATTUNE_INVALID_EVENTS');
    expectCollected(await collect(h, '/v1/track', track('u-m', { messageId: 'metrics-1' })));
    expectProblem(await collect(h, '/v1/track', track('u-m', { timestamp: 'whenever' })), 400, 'ATTUNE_EVENT_INVALID_TIMESTAMP');

    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(metricValue(text, 'attune_events_accepted_total')).toBe(2);
    expect(metricValue(text, 'attune_events_duplicate_total')).toBe(1);
    expect(metricValue(text, 'attune_events_rejected_total', { reason: 'ATTUNE_EVENT_MISSING_IDENTITY' })).toBe(1);
    expect(metricValue(text, 'attune_events_rejected_total', { reason: 'ATTUNE_EVENT_UNKNOWN_TYPE' })).toBe(1);
    expect(metricValue(text, 'attune_events_rejected_total', { reason: 'ATTUNE_EVENT_INVALID_TIMESTAMP' })).toBe(1);
    expect(text).toMatch(/^# TYPE attune_http_request_duration_seconds histogram$/m);
    expect(metricValue(text, 'attune_http_request_duration_seconds_count', { method: 'POST', route: '/v1/batch', status: '400' })).toBe(1);
    expect(metricValue(text, 'attune_http_request_duration_seconds_count', { method: 'POST', route: '/v1/track', status: '200' })).toBe(1);
    expect(metricValue(text, 'attune_http_request_duration_seconds_bucket', { method: 'POST', route: '/v1/track', status: '200', le: '+Inf' })).toBe(1);
    expect(metricValue(text, 'attune_commit_pending_events')).toBe(0);
    expect(text).toMatch(/^attune_process_/m);
  });

  it('labels requests to unknown paths by route pattern, not by raw URL', async () => {
    await h.app.inject({ method: 'GET', url: '/no/such/path-12345' });
    await h.app.inject({ method: 'GET', url: '/admin/v1/profiles/some-user-id', headers: { authorization: `Bearer ${h.a.secretKey}` } });
    const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).not.toContain('path-12345');
    expect(text).not.toContain('some-user-id');
    expect(metricValue(text, 'attune_http_request_duration_seconds_count', { route: '/admin/v1/profiles/:id', status: '404' })).toBe(1);
  });
});

describe('/openapi.json', () => {
  interface BodySchema { properties?: Record<string, unknown>; required?: string[]; $ref?: string }
  interface Operation {
    readonly requestBody?: { content: Record<string, { schema: BodySchema }> };
    readonly responses: Record<string, unknown>;
    readonly security?: Record<string, unknown>[];
  }
  interface OpenApiDoc {
    readonly openapi: string;
    readonly paths: Record<string, Record<string, Operation>>;
    readonly components: { securitySchemes: Record<string, unknown>; schemas: Record<string, BodySchema> };
  }
  let h: Harness;
  let doc: OpenApiDoc;
  beforeAll(async () => {
    h = await startHarness();
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json<OpenApiDoc>();
  });
  afterAll(async () => { await h.close(); });

  // Shared shapes are $refs to components.schemas.
  const bodySchema = (path: string) => {
    const schema = doc.paths[path]?.['post']?.requestBody?.content['application/json']?.schema;
    return schema?.$ref === undefined ? schema : doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
  };

  it('is an OpenAPI 3.1 document with the five ways to authenticate (the subscription key of Personalizer clients, the session cookie of people)', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['adminBearer', 'secretKeyBearer', 'sessionCookie', 'subscriptionKey', 'writeKeyBasic']);
  });

  it('documents every collect and admin path', () => {
    const expected: [string, string][] = [
      ...['track', 'identify', 'page', 'screen', 'group', 'alias', 'batch'].map((t): [string, string] => [`/v1/${t}`, 'post']),
      ['/v1/projects/{writeKey}/settings', 'get'],
      ['/admin/v1/workspaces', 'post'], ['/admin/v1/workspaces', 'get'],
      ['/admin/v1/workspace', 'get'],
      ['/admin/v1/keys', 'get'], ['/admin/v1/keys', 'post'],
      ['/admin/v1/keys/{keyId}/rotate', 'post'],
      ['/admin/v1/keys/{keyId}', 'delete'],
      ['/admin/v1/profiles/{id}', 'get'],
      ['/admin/v1/events', 'get'],
      ['/healthz', 'get'], ['/readyz', 'get'], ['/metrics', 'get'],
    ];
    for (const [path, method] of expected) expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
  });

  it('documents the Segment call schemas', () => {
    const common = ['userId', 'anonymousId', 'messageId', 'timestamp', 'sentAt', 'context', 'integrations'];
    expect(Object.keys(bodySchema('/v1/track')?.properties ?? {})).toEqual(expect.arrayContaining([...common, 'event', 'properties']));
    expect(bodySchema('/v1/track')?.required).toEqual(['event']);
    expect(Object.keys(bodySchema('/v1/identify')?.properties ?? {})).toEqual(expect.arrayContaining([...common, 'traits']));
    expect(Object.keys(bodySchema('/v1/page')?.properties ?? {})).toEqual(expect.arrayContaining(['name', 'category', 'properties']));
    expect(Object.keys(bodySchema('/v1/screen')?.properties ?? {})).toEqual(expect.arrayContaining(['name', 'category', 'properties']));
    expect(bodySchema('/v1/group')?.required).toEqual(['groupId']);
    expect(bodySchema('/v1/alias')?.required?.sort()).toEqual(['previousId', 'userId']);
    expect(Object.keys(bodySchema('/v1/batch')?.properties ?? {})).toEqual(expect.arrayContaining(['batch', 'sentAt', 'context', 'writeKey']));
  });

  it('documents the collect answers, including the problem answers and the write-key security', () => {
    for (const t of ['track', 'identify', 'page', 'screen', 'group', 'alias', 'batch']) {
      const op = doc.paths[`/v1/${t}`]?.['post'];
      expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '401', '403', '413', '415', '429']));
      expect(op?.security).toEqual([{ writeKeyBasic: [] }]);
    }
    expect(doc.paths['/admin/v1/keys']?.['get']?.security).toEqual([{ secretKeyBearer: [] }]);
    expect(doc.paths['/admin/v1/workspaces']?.['post']?.security).toEqual([{ adminBearer: [] }]);
  });
});
