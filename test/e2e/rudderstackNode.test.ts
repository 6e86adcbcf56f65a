import Analytics from '@rudderstack/rudder-sdk-node';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, bearer, startHarness, type Harness } from '../support/harness.js';

/**
 * RudderStack's Node library gzips every batch by default (Content-Encoding: gzip, labelled
 * application/x-www-form-urlencoded by axios). Pointed at a listening Attune server with its
 * default options, every call it makes is stored exactly once.
 */
describe('@rudderstack/rudder-sdk-node (gzip by default) against a running server', () => {
  let h: Harness;
  let host: string;
  const seen: { encoding: string | undefined; contentType: string | undefined; status: number }[] = [];

  beforeAll(async () => {
    h = await startHarness();
    h.app.addHook('onResponse', async (request, reply) => {
      if (request.url === '/v1/batch') seen.push({ encoding: request.headers['content-encoding'], contentType: request.headers['content-type'], status: reply.statusCode });
    });
    host = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('sends gzipped batches that are all stored, each event once', { timeout: 45_000 }, async () => {
    const messageIds: string[] = [];
    const errors: unknown[] = [];
    const analytics = new Analytics(h.a.writeKey, {
      dataPlaneUrl: host,
      flushAt: 5,
      flushInterval: 50,
      logLevel: 'error',
      errorHandler: (error: unknown) => errors.push(error),
      // The library makes the messageIds; this only reads them.
      beforeEnqueue: (event) => {
        messageIds.push(event.messageId);
        return event;
      },
    });
    const anonymousId = 'anon-rudder';
    analytics.page({ anonymousId, name: 'Home', properties: { path: '/' } });
    for (let i = 0; i < 12; i++) analytics.track({ anonymousId, event: 'Product Viewed', properties: { sku: `sku-${i}`, price: 10 + i } });
    analytics.identify({ userId: 'rudder-1', anonymousId, traits: { email: 'ada@example.com', plan: 'pro' } });
    analytics.screen({ userId: 'rudder-1', name: 'Cart' });
    analytics.group({ userId: 'rudder-1', groupId: 'acme', traits: { name: 'Acme' } });
    analytics.track({ userId: 'rudder-1', event: 'Order Completed', properties: { revenue: 42.5 } });
    analytics.alias({ previousId: 'legacy-rudder', userId: 'rudder-1' });
    await analytics.flush();

    expect(errors).toEqual([]);
    expect(messageIds).toHaveLength(18);
    // Several batches went out, every one gzipped, and every one was answered 200.
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.every((s) => s.encoding === 'gzip' && s.status === 200)).toBe(true);
    expect(seen[0]!.contentType).toBe('application/x-www-form-urlencoded');

    const log = await fetch(`${host}/admin/v1/events?limit=100`, { headers: { authorization: bearer(h.a.secretKey) } });
    const stored = ((await log.json()) as { events: { messageId: string; type: string }[] }).events;
    expect(stored.map((e) => e.messageId).sort()).toEqual([...messageIds].sort());
    expect(new Set(stored.map((e) => e.messageId)).size).toBe(stored.length);
    expect(stored.filter((e) => e.type === 'track')).toHaveLength(13);

    const profile = await fetch(`${host}/admin/v1/profiles/rudder-1`, { headers: { authorization: bearer(h.a.secretKey) } });
    const body = (await profile.json()) as { traits: Record<string, unknown>; eventCounts: Record<string, number> };
    expect(body.traits).toMatchObject({ email: 'ada@example.com', plan: 'pro' });
    expect(body.eventCounts).toEqual({ page: 1, track: 13, identify: 1, screen: 1, group: 1, alias: 1 });
  });

  it('answers 413 to an endless gzip stream, without reading it to its end', { timeout: 20_000 }, async () => {
    // Gzip members of 1 MiB of zeros, sent chunked for as long as the server reads: a body
    // with no end. Only a server that stops at its limit can answer.
    const member = gzipSync(Buffer.alloc(1024 * 1024));
    const url = new URL('/v1/batch', host);
    let sent = 0;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(url, {
        method: 'POST',
        headers: { authorization: basicAuth(h.a.writeKey), 'content-type': 'application/json', 'content-encoding': 'gzip', 'transfer-encoding': 'chunked' },
      }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => { body += chunk; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      // The server closes the connection after its answer; writing on is then refused.
      req.on('error', (error) => { if (sent === 0) reject(error); });
      const pump = () => {
        while (!req.destroyed && sent < 10_000) {
          sent++;
          if (!req.write(member)) {
            req.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
    expect(answer.status).toBe(413);
    // Refused by what it inflates to (the compressed bytes alone would also pass the limit, later).
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'ATTUNE_PAYLOAD_TOO_LARGE', detail: expect.stringMatching(/decompressed body is larger than the limit/) });
    // 10,000 members would inflate to about 10 GiB; the answer came long before.
    expect(sent).toBeLessThan(10_000);
  });
});
