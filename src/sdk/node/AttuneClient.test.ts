import { describe, expect, it } from 'vitest';
import type { DecideRequest, DecideResponse } from '../../api/decideSchemas.js';
import type { RecommendRequest, RecommendResponse } from '../../api/recommendSchemas.js';
import type { DropReason } from '../shared/EventQueue.js';
import { FakeScheduler } from '../testing/FakeScheduler.js';
import { AttuneApiError } from './AttuneApiError.js';
import { AttuneClient, type AttuneClientOptions } from './AttuneClient.js';
import type { AttuneTransport } from './AttuneTransport.js';

/** A transport that records what it is given and fails as told. */
class FakeTransport implements AttuneTransport {
  readonly batches: Record<string, unknown>[][] = [];
  readonly decisions: DecideRequest[] = [];
  readonly recommendations: RecommendRequest[] = [];
  /** Thrown by the next sends, in order; then success. */
  readonly failures: unknown[] = [];
  closed = false;
  answer: DecideResponse = { profileId: 'p-1', placements: [] };

  async send(batch: readonly Record<string, unknown>[]): Promise<void> {
    this.batches.push([...batch]);
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
  }

  async decide(request: DecideRequest): Promise<DecideResponse> {
    this.decisions.push(request);
    return this.answer;
  }

  async recommend(request: RecommendRequest): Promise<RecommendResponse> {
    this.recommendations.push(request);
    return { profileId: null, identity: 'anonymous', personalized: false, strategy: request.strategy ?? 'auto', situation: 'cold', fallback: null, model: null, items: [] };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function apiError(status: number, code = 'ATTUNE_X'): AttuneApiError {
  return new AttuneApiError({ status, code, detail: code });
}

interface Setup {
  readonly client: AttuneClient;
  readonly transport: FakeTransport;
  readonly scheduler: FakeScheduler;
  readonly dropped: { error: unknown; count: number; reason: DropReason }[];
}

function setup(options: Partial<AttuneClientOptions> = {}): Setup {
  const transport = new FakeTransport();
  const scheduler = new FakeScheduler();
  const dropped: Setup['dropped'] = [];
  let n = 0;
  const client = new AttuneClient({
    transport,
    scheduler,
    random: () => 0.5,
    now: () => Date.UTC(2025, 0, 1) + scheduler.now,
    uuid: () => `m-${++n}`,
    onError: (error, events, reason) => dropped.push({ error, count: events.length, reason }),
    ...options,
  });
  return { client, transport, scheduler, dropped };
}

describe('AttuneClient', () => {
  it('queues Segment calls and sends them in one batch at the flush interval', async () => {
    const { client, transport, scheduler } = setup({ flushIntervalMs: 5000 });
    client.identify({ userId: 'u-1', traits: { plan: 'pro' } });
    client.track({ userId: 'u-1', event: 'Order Completed', properties: { revenue: 42 }, context: { ip: '203.0.113.1' } });
    client.page({ anonymousId: 'a-1', name: 'Home' });
    client.group({ userId: 'u-1', groupId: 'acme' });
    client.alias({ userId: 'u-1', previousId: 'a-1', timestamp: new Date(Date.UTC(2024, 11, 31)) });
    expect(client.queued).toBe(5);
    await scheduler.advance(4999);
    expect(transport.batches).toEqual([]);
    await scheduler.advance(1);
    expect(transport.batches).toHaveLength(1);
    const library = { name: 'attune-node', version: expect.any(String) };
    expect(transport.batches[0]).toEqual([
      { type: 'identify', userId: 'u-1', traits: { plan: 'pro' }, messageId: 'm-1', timestamp: '2025-01-01T00:00:00.000Z', context: { library } },
      { type: 'track', userId: 'u-1', event: 'Order Completed', properties: { revenue: 42 }, messageId: 'm-2', timestamp: '2025-01-01T00:00:00.000Z', context: { library, ip: '203.0.113.1' } },
      { type: 'page', anonymousId: 'a-1', name: 'Home', messageId: 'm-3', timestamp: '2025-01-01T00:00:00.000Z', context: { library } },
      { type: 'group', userId: 'u-1', groupId: 'acme', messageId: 'm-4', timestamp: '2025-01-01T00:00:00.000Z', context: { library } },
      { type: 'alias', userId: 'u-1', previousId: 'a-1', messageId: 'm-5', timestamp: '2024-12-31T00:00:00.000Z', context: { library } },
    ]);
    expect(client.queued).toBe(0);
  });

  it('sends at once when flushAt events are queued, in batches of maxBatchEvents', async () => {
    const { client, transport, scheduler } = setup({ flushAt: 3, maxBatchEvents: 2 });
    for (let i = 0; i < 3; i++) client.track({ userId: 'u-1', event: `E${i}` });
    await scheduler.advance(0);
    expect(transport.batches.map((b) => b.map((e) => e['event']))).toEqual([['E0', 'E1'], ['E2']]);
  });

  it('keeps a messageId given by the caller', async () => {
    const { client, transport } = setup();
    client.track({ userId: 'u-1', event: 'Paid', messageId: 'order-77-paid' });
    await client.flush();
    expect(transport.batches[0]![0]!['messageId']).toBe('order-77-paid');
  });

  it('retries network errors, 429 and 5xx with backoff, resending the same messageIds', async () => {
    const { client, transport, scheduler, dropped } = setup({ retryBaseMs: 1000 });
    transport.failures.push(new AttuneApiError({ status: 0, code: 'ATTUNE_SDK_NETWORK', detail: 'down' }), apiError(503), apiError(429));
    client.track({ userId: 'u-1', event: 'A' });
    const flushed = client.flush();
    await scheduler.advance(750 + 1500 + 3000);
    await flushed;
    expect(transport.batches).toHaveLength(4);
    expect(new Set(transport.batches.map((b) => b[0]!['messageId']))).toEqual(new Set(['m-1']));
    expect(scheduler.delays).toEqual([10_000, 750, 1500, 3000]);
    expect(dropped).toEqual([]);
  });

  it('honours Retry-After', async () => {
    const { client, transport, scheduler } = setup();
    transport.failures.push(new AttuneApiError({ status: 429, code: 'ATTUNE_QUEUE_FULL', detail: 'full', retryAfterMs: 7000 }));
    client.track({ userId: 'u-1', event: 'A' });
    void client.flush();
    await scheduler.advance(6999);
    expect(transport.batches).toHaveLength(1);
    await scheduler.advance(1);
    expect(transport.batches).toHaveLength(2);
  });

  it('gives up after maxRetries and reports the drop', async () => {
    const { client, transport, scheduler, dropped } = setup({ maxRetries: 2 });
    transport.failures.push(apiError(500), apiError(502), apiError(503));
    client.track({ userId: 'u-1', event: 'A' });
    const flushed = client.flush();
    await scheduler.advance(60_000);
    await flushed;
    expect(transport.batches).toHaveLength(3);
    expect(dropped).toEqual([{ error: apiError(503), count: 1, reason: 'retries_exhausted' }]);
    expect(client.queued).toBe(0);
  });

  it('does not retry what the server rejected (4xx), and reports it', async () => {
    const { client, transport, dropped } = setup();
    const invalid = apiError(400, 'ATTUNE_INVALID_EVENTS');
    transport.failures.push(invalid);
    client.track({ userId: 'u-1', event: 'A' });
    await client.flush();
    expect(transport.batches).toHaveLength(1);
    expect(dropped).toEqual([{ error: invalid, count: 1, reason: 'rejected' }]);
  });

  it('treats errors of a custom transport that are not AttuneApiError as retryable', async () => {
    const { client, transport, scheduler } = setup();
    transport.failures.push(new Error('socket hang up'));
    client.track({ userId: 'u-1', event: 'A' });
    const flushed = client.flush();
    await scheduler.advance(1000);
    await flushed;
    expect(transport.batches).toHaveLength(2);
  });

  it('throws at once on a call without userId or anonymousId', () => {
    const { client } = setup();
    expect(() => client.track({ event: 'A' } as never)).toThrow(/userId or an anonymousId/);
    expect(client.queued).toBe(0);
  });

  it('decide sends the identity, placements, context and completed events in one request', async () => {
    const { client, transport } = setup();
    const answer = await client.decide({
      userId: 'u-1',
      placements: ['home-hero', { id: 'home-recs', count: 2 }],
      context: { locale: 'de-CH', timezone: 'Europe/Zurich', page: { path: '/' } },
      events: [{ type: 'page', name: 'Home' }, { type: 'track', userId: 'u-1', event: 'Viewed' }],
    });
    expect(answer).toEqual(transport.answer);
    expect(transport.decisions).toEqual([{
      userId: 'u-1',
      placements: ['home-hero', { id: 'home-recs', count: 2 }],
      context: { locale: 'de-CH', timezone: 'Europe/Zurich', page: { path: '/' } },
      events: [
        { type: 'page', name: 'Home', messageId: 'm-1', timestamp: '2025-01-01T00:00:00.000Z', context: { library: expect.any(Object) } },
        { type: 'track', userId: 'u-1', event: 'Viewed', messageId: 'm-2', timestamp: '2025-01-01T00:00:00.000Z', context: { library: expect.any(Object) } },
      ],
    }]);
    expect(transport.batches).toEqual([]);
  });

  it('decide passes the transport\'s errors on', async () => {
    const { client, transport } = setup();
    transport.decide = async () => {
      throw apiError(401, 'ATTUNE_AUTH_INVALID');
    };
    await expect(client.decide({ anonymousId: 'a-1', placements: ['home-hero'] })).rejects.toMatchObject({ status: 401, code: 'ATTUNE_AUTH_INVALID' });
    await expect(client.decide({ placements: ['home-hero'] } as never)).rejects.toThrow(/userId or an anonymousId/);
  });

  it('close flushes, closes the transport, and refuses later calls', async () => {
    const { client, transport } = setup();
    client.track({ userId: 'u-1', event: 'Last' });
    await client.close();
    expect(transport.batches).toHaveLength(1);
    expect(transport.closed).toBe(true);
    expect(() => client.track({ userId: 'u-1', event: 'Late' })).toThrow(/closed/);
    await client.close();
  });
});
