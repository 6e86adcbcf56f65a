import { Analytics, type Context, type HTTPFetchFn } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startHarness, type Harness } from '../support/harness.js';

/**
 * The real @segment/analytics-node client, pointed at a running Attune server with its
 * `host` option, sends identify, track, page and alias calls; the profile API then shows
 * one merged profile with all the events, each once.
 */

interface ProfileBody {
  id: string;
  identities: { kind: string; value: string }[];
  mergedProfileIds: string[];
  traits: Record<string, unknown>;
  eventCounts: Record<string, number>;
  recentEvents: { seq: number; messageId: string; type: string; name: string | null; userId: string | null; anonymousId: string | null; body: Record<string, unknown> }[];
}

describe('@segment/analytics-node against a running server', () => {
  let h: Harness;
  let host: string;

  beforeAll(async () => {
    h = await startHarness();
    host = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await h.close();
  });

  async function profile(id: string, secretKey = h.a.secretKey): Promise<{ status: number; body: ProfileBody }> {
    const response = await fetch(`${host}/admin/v1/profiles/${encodeURIComponent(id)}?events=100`, { headers: { authorization: bearer(secretKey) } });
    return { status: response.status, body: (await response.json()) as ProfileBody };
  }

  it('sends identify, track, page and alias; the profile API shows one merged profile with every event once', { timeout: 45_000 }, async () => {
    // A fetch that loses the answer to the first request carrying "Checkout Started" after the
    // server has stored it, as a dropped connection would: the client retries the same batch,
    // with the same messageIds, and the server must store nothing twice.
    const answers: { retry: string | null; body: unknown }[] = [];
    let dropped = 0;
    const lossyFetch: HTTPFetchFn = async (url, init) => {
      const response = await fetch(url, init);
      const body: unknown = await response.clone().json();
      answers.push({ retry: init.headers['X-Retry-Count'] ?? null, body });
      if (init.body.includes('"Checkout Started"') && dropped === 0) {
        dropped++;
        throw new Error('connection reset after the request was sent (simulated)');
      }
      return response;
    };
    const analytics = new Analytics({
      writeKey: h.a.writeKey,
      host,
      path: '/v1/batch',
      flushAt: 20,
      flushInterval: 20,
      maxRetries: 3,
      httpRequestTimeout: 5000,
      httpClient: lossyFetch,
    });
    const errors: unknown[] = [];
    const statuses: number[] = [];
    const requests: { body: string; headers: Record<string, string> }[] = [];
    analytics.on('error', (error) => errors.push(error));
    analytics.on('http_response', (response) => statuses.push(response.status));
    analytics.on('http_request', (request) => requests.push({ body: request.body, headers: request.headers }));

    // Each call settles after its batch was answered; a phase is sent before the next starts.
    const messageIds: string[] = [];
    const delivered = (send: (callback: (err?: unknown, ctx?: Context) => void) => void) =>
      new Promise<void>((resolve, reject) => {
        send((err, ctx) => {
          if (err !== undefined) reject(err instanceof Error ? err : new Error(String(err)));
          else {
            messageIds.push(ctx!.event.messageId!);
            resolve();
          }
        });
      });

    // 1. An older account, from another device: its own profile, traits and orders.
    await Promise.all([
      delivered((cb) => analytics.identify({ userId: 'legacy-42', traits: { email: 'ada@old.example', plan: 'free', employer: 'Acme' } }, cb)),
      delivered((cb) => analytics.track({ userId: 'legacy-42', event: 'Order Completed', properties: { revenue: 40 } }, cb)),
      delivered((cb) => analytics.track({ userId: 'legacy-42', event: 'Order Completed', properties: { revenue: 25 } }, cb)),
    ]);
    const legacy = await profile('legacy-42');
    expect(legacy.status).toBe(200);
    expect(legacy.body.eventCounts).toEqual({ identify: 1, track: 2 });

    // 2. An anonymous visitor browses.
    const anonymousId = 'anon-7f3c';
    await Promise.all([
      delivered((cb) => analytics.page({ anonymousId, name: 'Home', properties: { path: '/', url: 'https://shop.example/' } }, cb)),
      delivered((cb) => analytics.track({ anonymousId, event: 'Product Viewed', properties: { sku: 'sku-1', price: 19.9 } }, cb)),
    ]);
    const visitor = await profile(anonymousId);
    expect(visitor.status).toBe(200);
    expect(visitor.body.id).not.toBe(legacy.body.id);
    expect(visitor.body.eventCounts).toEqual({ page: 1, track: 1 });

    // 3. The visitor signs up: identify links the anonymous id to the new user id.
    await delivered((cb) => analytics.identify({ userId: 'user-1', anonymousId, traits: { email: 'ada@example.com', name: 'Ada', plan: 'pro', age: 36 } }, cb));
    expect((await profile('user-1')).body.id).toBe(visitor.body.id);

    // 4. The user acts; one call is sent twice with the same messageId (a client-side retry).
    await Promise.all([
      delivered((cb) => analytics.track({ userId: 'user-1', event: 'Added to Cart', properties: { sku: 'sku-1' }, messageId: 'cart-sku-1' }, cb)),
      delivered((cb) => analytics.track({ userId: 'user-1', event: 'Added to Cart', properties: { sku: 'sku-1' }, messageId: 'cart-sku-1' }, cb)),
    ]);
    // 5. The answer to this one is lost; analytics-node retries it.
    await delivered((cb) => analytics.track({ userId: 'user-1', event: 'Checkout Started', properties: { value: 19.9 } }, cb));

    // 6. The user logs in with the older account: alias merges the two known profiles.
    analytics.alias({ previousId: 'legacy-42', userId: 'user-1' }, (err, ctx) => {
      if (err === undefined) messageIds.push(ctx!.event.messageId!);
    });
    await analytics.closeAndFlush({ timeout: 10_000 });

    expect(errors).toEqual([]);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // The lost answer was retried with the same body, and the retry stored nothing.
    const checkoutRequests = requests.filter((r) => r.body.includes('"Checkout Started"'));
    expect(checkoutRequests).toHaveLength(2);
    expect(JSON.parse(checkoutRequests[1]!.body).batch).toEqual(JSON.parse(checkoutRequests[0]!.body).batch);
    expect(answers.filter((a) => a.retry === '1')).toEqual([{ retry: '1', body: { success: true, accepted: 0, duplicates: 1 } }]);

    // One profile, found by every id it ever had: the user id, the anonymous id, the old user id,
    // and the id of the profile it absorbed.
    const merged = await profile('user-1');
    expect(merged.status).toBe(200);
    for (const id of [anonymousId, 'legacy-42', legacy.body.id, visitor.body.id]) expect(await profile(id)).toEqual(merged);
    const p = merged.body;
    expect(p.id).toBe(visitor.body.id);
    expect(p.mergedProfileIds).toEqual([legacy.body.id]);
    expect(p.identities).toHaveLength(3);
    expect(p.identities).toEqual(expect.arrayContaining([
      { kind: 'user', value: 'user-1' },
      { kind: 'user', value: 'legacy-42' },
      { kind: 'anonymous', value: anonymousId },
    ]));
    // Traits: the later identify wins per trait; what only the old account knew is kept.
    expect(p.traits).toEqual({ email: 'ada@example.com', name: 'Ada', plan: 'pro', age: 36, employer: 'Acme' });
    expect(p.eventCounts).toEqual({ identify: 2, track: 5, page: 1, alias: 1 });

    // Every event once: the ids analytics-node made (and the one given twice) are the log.
    const unique = [...new Set(messageIds)];
    expect(messageIds).toHaveLength(10);
    expect(unique).toHaveLength(9);
    expect(p.recentEvents).toHaveLength(9);
    expect(p.recentEvents.map((e) => e.messageId).sort()).toEqual([...unique].sort());
    const seqs = p.recentEvents.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const byName = (name: string) => p.recentEvents.filter((e) => e.name === name);
    expect(byName('Order Completed')).toHaveLength(2);
    expect(byName('Added to Cart')).toHaveLength(1);
    expect(byName('Checkout Started')).toHaveLength(1);
    expect(byName('Home')).toMatchObject([{ type: 'page', anonymousId, userId: null }]);
    const alias = p.recentEvents.find((e) => e.type === 'alias');
    expect(alias).toMatchObject({ userId: 'user-1', body: { previousId: 'legacy-42' } });
    // What the library sent is kept: its context, its own messageId, Segment's times.
    for (const event of p.recentEvents) {
      expect(event.body).toMatchObject({ context: { library: { name: expect.stringMatching(/analytics-node/) } } });
      expect(event.body['messageId']).toBe(event.messageId);
      expect(typeof event.body['sentAt']).toBe('string');
      expect(event.body['writeKey']).toBeUndefined();
    }

    // The whole log of the workspace holds these nine events and nothing else.
    const log = await fetch(`${host}/admin/v1/events?limit=100`, { headers: { authorization: bearer(h.a.secretKey) } });
    const page = (await log.json()) as { events: { messageId: string }[]; next: number | null };
    expect(page.next).toBeNull();
    expect(page.events.map((e) => e.messageId).sort()).toEqual([...unique].sort());

    // Nothing crossed into the other workspace.
    expect((await profile('user-1', h.b.secretKey)).status).toBe(404);
  });
});
