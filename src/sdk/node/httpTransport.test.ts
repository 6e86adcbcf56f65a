import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AttuneApiError } from './AttuneApiError.js';
import { AttuneClient } from './AttuneClient.js';
import { httpTransport } from './httpTransport.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number };

/** A real HTTP server on 127.0.0.1 that records requests and answers from a script. */
describe('httpTransport against a real HTTP server', () => {
  let server: Server;
  let host: string;
  const received: Received[] = [];
  let answers: Answer[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let text = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => { text += chunk; });
      request.on('end', () => {
        received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: JSON.parse(text) as Record<string, unknown> });
        const answer = answers.shift() ?? { status: 200, body: { success: true, accepted: 1, duplicates: 0 } };
        setTimeout(() => {
          const problem = answer.status >= 400;
          response.writeHead(answer.status, { 'content-type': problem ? 'application/problem+json' : 'application/json', ...answer.headers });
          response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
    answers = [];
  });

  it('POSTs batches to /v1/batch as JSON with the write key as the Basic user name', async () => {
    const transport = httpTransport({ host: `${host}/`, writeKey: 'atw_node' });
    await transport.send([{ type: 'track', event: 'A', userId: 'u-1', messageId: 'm-1' }]);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request).toMatchObject({ method: 'POST', url: '/v1/batch' });
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from('atw_node:').toString('base64')}`);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toMatch(/^attune-node\//);
    expect(request!.body).toEqual({ batch: [{ type: 'track', event: 'A', userId: 'u-1', messageId: 'm-1' }], sentAt: expect.any(String) });
    expect(Number.isNaN(Date.parse(request!.body['sentAt'] as string))).toBe(false);
  });

  it('POSTs decide requests to /v1/decide and returns the answer', async () => {
    const answer = { profileId: 'p-1', placements: [{ placement: 'home-hero', channel: 'web', fallback: null, decisions: [] }] };
    answers.push({ status: 200, body: answer });
    const transport = httpTransport({ host, writeKey: 'atw_node' });
    expect(await transport.decide({ anonymousId: 'a-1', placements: ['home-hero'] })).toEqual(answer);
    expect(received[0]).toMatchObject({ url: '/v1/decide', body: { anonymousId: 'a-1', placements: ['home-hero'] } });
  });

  it('turns a problem+json answer into an AttuneApiError with its status, code and detail', async () => {
    const problem = { type: 'urn:attune:error:ATTUNE_INVALID_EVENTS', title: 'Some events were rejected', status: 400, code: 'ATTUNE_INVALID_EVENTS', detail: '1 of 2 events were rejected', errors: [{ index: 1, code: 'ATTUNE_EVENT_INVALID', message: 'no event' }], accepted: 1 };
    answers.push({ status: 400, body: problem });
    const transport = httpTransport({ host, writeKey: 'atw_node' });
    const error = await transport.send([{ type: 'track' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttuneApiError);
    expect(error).toMatchObject({ status: 400, code: 'ATTUNE_INVALID_EVENTS', detail: '1 of 2 events were rejected', retryable: false, problem: { accepted: 1, errors: problem.errors } });
  });

  it('reads Retry-After, and marks 429 and 5xx retryable', async () => {
    answers.push({ status: 429, body: { code: 'ATTUNE_QUEUE_FULL', title: 'The write queue is full; retry later', status: 429 }, headers: { 'retry-after': '1' } });
    const error = await httpTransport({ host, writeKey: 'k' }).send([]).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, code: 'ATTUNE_QUEUE_FULL', detail: 'The write queue is full; retry later', retryAfterMs: 1000, retryable: true });
  });

  it('fails with ATTUNE_SDK_TIMEOUT when no answer comes in time, and ATTUNE_SDK_NETWORK when nothing listens', async () => {
    answers.push({ status: 200, body: {}, delayMs: 500 });
    await expect(httpTransport({ host, writeKey: 'k', timeoutMs: 50 }).send([])).rejects.toMatchObject({ status: 0, code: 'ATTUNE_SDK_TIMEOUT', retryable: true });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(httpTransport({ host: `http://127.0.0.1:${port}`, writeKey: 'k' }).send([])).rejects.toMatchObject({ status: 0, code: 'ATTUNE_SDK_NETWORK', retryable: true });
  });

  it('AttuneClient retries a batch answered 503 and the retry carries the same events', async () => {
    answers.push({ status: 503, body: { code: 'ATTUNE_STORE_UNAVAILABLE', title: 'The store could not commit; retry later', status: 503 } });
    const errors: unknown[] = [];
    const client = new AttuneClient({ transport: httpTransport({ host, writeKey: 'atw_node' }), retryBaseMs: 20, onError: (e) => errors.push(e) });
    client.track({ userId: 'u-1', event: 'Order Completed', properties: { revenue: 9 } });
    client.identify({ userId: 'u-1', traits: { plan: 'pro' } });
    await client.close();
    expect(received.map((r) => r.url)).toEqual(['/v1/batch', '/v1/batch']);
    expect(received[1]!.body['batch']).toEqual(received[0]!.body['batch']);
    expect((received[1]!.body['batch'] as { type: string }[]).map((e) => e.type)).toEqual(['track', 'identify']);
    expect(errors).toEqual([]);
  });
});
