import { describe, expect, it } from 'vitest';
import { FakeScheduler } from '../testing/FakeScheduler.js';
import { EventQueue, type DropReason, type EventQueueOptions, type QueuePersistence, type SendBatch } from './EventQueue.js';
import type { SegmentEvent } from './SegmentEvent.js';
import type { SendOutcome } from './sendOutcome.js';

function event(n: number, extra: Record<string, unknown> = {}): SegmentEvent {
  return { type: 'track', event: `E${n}`, messageId: `m-${n}`, ...extra };
}

function ids(events: readonly SegmentEvent[]): string[] {
  return events.map((e) => e.messageId);
}

class MemoryPersistence implements QueuePersistence {
  saved: SegmentEvent[] = [];
  load(): readonly SegmentEvent[] {
    return this.saved;
  }
  save(events: readonly SegmentEvent[]): void {
    this.saved = [...events];
  }
}

interface Setup {
  readonly queue: EventQueue;
  readonly scheduler: FakeScheduler;
  readonly sent: string[][];
  readonly dropped: { ids: string[]; reason: DropReason }[];
  /** The outcomes of the next sends, in order; then 'sent'. */
  readonly outcomes: (SendOutcome | Error)[];
}

function setup(options: Partial<EventQueueOptions> = {}, scheduler = new FakeScheduler()): Setup {
  const sent: string[][] = [];
  const dropped: { ids: string[]; reason: DropReason }[] = [];
  const outcomes: (SendOutcome | Error)[] = [];
  const send: SendBatch = async (events) => {
    sent.push(ids(events));
    const next = outcomes.shift() ?? { kind: 'sent' };
    if (next instanceof Error) throw next;
    return next;
  };
  const queue = new EventQueue({
    send,
    scheduler,
    random: () => 0.5,
    flushAt: 5,
    flushIntervalMs: 1000,
    maxBatchEvents: 100,
    maxBatchBytes: 100_000,
    maxQueueEvents: 1000,
    maxRetries: 3,
    backoff: { baseMs: 1000, maxMs: 8000 },
    onDrop: (events, reason) => dropped.push({ ids: ids(events), reason }),
    ...options,
  });
  return { queue, scheduler, sent, dropped, outcomes };
}

describe('EventQueue batching', () => {
  it('sends events together once the flush interval has passed, not before', async () => {
    const { queue, scheduler, sent } = setup();
    queue.enqueue(event(1));
    await scheduler.advance(500);
    queue.enqueue(event(2));
    await scheduler.advance(499);
    expect(sent).toEqual([]);
    await scheduler.advance(1);
    expect(sent).toEqual([['m-1', 'm-2']]);
    expect(queue.size).toBe(0);
  });

  it('sends at once when flushAt events are pending', async () => {
    const { queue, scheduler, sent } = setup();
    for (let n = 1; n <= 5; n++) queue.enqueue(event(n));
    await scheduler.advance(0);
    expect(sent).toEqual([['m-1', 'm-2', 'm-3', 'm-4', 'm-5']]);
  });

  it('sends urgent events at once, with whatever else is pending in the same turn', async () => {
    const { queue, scheduler, sent } = setup();
    queue.enqueue(event(1));
    queue.enqueue(event(2), true);
    queue.enqueue(event(3), true);
    await scheduler.advance(0);
    expect(sent).toEqual([['m-1', 'm-2', 'm-3']]);
  });

  it('splits by maxBatchEvents and maxBatchBytes, in order, one request at a time', async () => {
    const { queue, sent } = setup({ maxBatchEvents: 2, maxBatchBytes: 150 });
    queue.enqueue(event(1));
    queue.enqueue(event(2));
    queue.enqueue(event(3, { big: 'x'.repeat(100) }));
    queue.enqueue(event(4));
    await queue.flush();
    expect(sent).toEqual([['m-1', 'm-2'], ['m-3'], ['m-4']]);
  });

  it('sends an event larger than maxBatchBytes alone rather than holding up the queue', async () => {
    const { queue, sent } = setup({ maxBatchBytes: 50 });
    queue.enqueue(event(1, { big: 'x'.repeat(200) }));
    queue.enqueue(event(2));
    await queue.flush();
    expect(sent).toEqual([['m-1'], ['m-2']]);
  });

  it('drops the oldest events beyond maxQueueEvents', async () => {
    const { queue, dropped, sent } = setup({ maxQueueEvents: 3, flushAt: 100 });
    for (let n = 1; n <= 5; n++) queue.enqueue(event(n));
    expect(queue.size).toBe(3);
    expect(dropped).toEqual([{ ids: ['m-1'], reason: 'queue_full' }, { ids: ['m-2'], reason: 'queue_full' }]);
    await queue.flush();
    expect(sent).toEqual([['m-3', 'm-4', 'm-5']]);
  });
});

describe('EventQueue retries', () => {
  it('retries a failed batch after an exponential backoff with jitter, then sends it whole', async () => {
    const { queue, scheduler, sent, outcomes } = setup();
    outcomes.push({ kind: 'retry' }, { kind: 'retry' }, new Error('network down'));
    queue.enqueue(event(1), true);
    await scheduler.advance(0);
    expect(sent).toHaveLength(1);
    // random() = 0.5: three quarters of each step (1 s, 2 s, 4 s).
    await scheduler.advance(749);
    expect(sent).toHaveLength(1);
    await scheduler.advance(1);
    expect(sent).toHaveLength(2);
    await scheduler.advance(1500);
    expect(sent).toHaveLength(3);
    await scheduler.advance(3000);
    expect(sent).toEqual([['m-1'], ['m-1'], ['m-1'], ['m-1']]);
    expect(queue.size).toBe(0);
  });

  it('waits at least what Retry-After asks', async () => {
    const { queue, scheduler, sent, outcomes } = setup();
    outcomes.push({ kind: 'retry', retryAfterMs: 5000 });
    queue.enqueue(event(1), true);
    await scheduler.advance(4999);
    expect(sent).toHaveLength(1);
    await scheduler.advance(1);
    expect(sent).toHaveLength(2);
  });

  it('drops a batch after maxRetries failed retries and goes on with the next', async () => {
    const { queue, scheduler, sent, outcomes, dropped } = setup({ maxRetries: 2, maxBatchEvents: 1 });
    outcomes.push({ kind: 'retry' }, { kind: 'retry' }, { kind: 'retry' });
    queue.enqueue(event(1), true);
    queue.enqueue(event(2), true);
    await scheduler.advance(60_000);
    expect(sent).toEqual([['m-1'], ['m-1'], ['m-1'], ['m-2']]);
    expect(dropped).toEqual([{ ids: ['m-1'], reason: 'retries_exhausted' }]);
    expect(queue.size).toBe(0);
  });

  it('drops a batch the server rejects without retrying it', async () => {
    const { queue, sent, outcomes, dropped } = setup({ maxBatchEvents: 1 });
    outcomes.push({ kind: 'drop' });
    queue.enqueue(event(1));
    queue.enqueue(event(2));
    await queue.flush();
    expect(sent).toEqual([['m-1'], ['m-2']]);
    expect(dropped).toEqual([{ ids: ['m-1'], reason: 'rejected' }]);
  });

  it('holds new events during a backoff, even urgent ones, and sends them with the retry', async () => {
    const { queue, scheduler, sent, outcomes } = setup();
    outcomes.push({ kind: 'retry' });
    queue.enqueue(event(1), true);
    await scheduler.advance(0);
    queue.enqueue(event(2), true);
    await scheduler.advance(100);
    expect(sent).toEqual([['m-1']]);
    await scheduler.advance(1000);
    expect(sent).toEqual([['m-1'], ['m-1', 'm-2']]);
  });

  it('flush() cuts a backoff short', async () => {
    const { queue, scheduler, sent, outcomes } = setup();
    outcomes.push({ kind: 'retry' });
    queue.enqueue(event(1), true);
    await scheduler.advance(0);
    await queue.flush();
    expect(sent).toEqual([['m-1'], ['m-1']]);
  });

  it('grows the backoff with each failure and starts over after a success', async () => {
    const { queue, scheduler, outcomes, sent } = setup();
    outcomes.push({ kind: 'retry' }, { kind: 'retry' }, { kind: 'sent' }, { kind: 'retry' });
    queue.enqueue(event(1), true);
    await scheduler.advance(0);
    await scheduler.advance(750);
    await scheduler.advance(1500);
    expect(sent).toEqual([['m-1'], ['m-1'], ['m-1']]);
    queue.enqueue(event(2), true);
    await scheduler.advance(0);
    await scheduler.advance(750);
    expect(sent).toEqual([['m-1'], ['m-1'], ['m-1'], ['m-2'], ['m-2']]);
    expect(scheduler.delays.filter((d) => d > 0)).toEqual([750, 1500, 750]);
  });
});

describe('EventQueue persistence', () => {
  it('saves every change and starts from what was saved, so a reload loses nothing', async () => {
    const persistence = new MemoryPersistence();
    const first = setup({ persistence });
    first.queue.enqueue(event(1));
    first.queue.enqueue(event(2));
    expect(ids(persistence.saved)).toEqual(['m-1', 'm-2']);

    // The page goes away before the flush; the next page's queue sends the events.
    first.queue.stop();
    const second = setup({ persistence });
    expect(second.queue.size).toBe(2);
    await second.scheduler.advance(1000);
    expect(second.sent).toEqual([['m-1', 'm-2']]);
    expect(persistence.saved).toEqual([]);
  });

  it('keeps events that are in flight in storage until they are sent', async () => {
    const persistence = new MemoryPersistence();
    let release: (o: SendOutcome) => void = () => {};
    const { queue } = setup({ persistence, send: () => new Promise((resolve) => { release = resolve; }) });
    queue.enqueue(event(1));
    const flushed = queue.flush();
    expect(ids(persistence.saved)).toEqual(['m-1']);
    release({ kind: 'sent' });
    await flushed;
    expect(persistence.saved).toEqual([]);
  });
});

describe('EventQueue leases and beacons', () => {
  it('lends pending events to another request; delivered ones are forgotten', async () => {
    const { queue, scheduler, sent } = setup();
    queue.enqueue(event(1));
    queue.enqueue(event(2));
    const lease = queue.lease(10, 100_000);
    expect(ids(lease.events)).toEqual(['m-1', 'm-2']);
    await scheduler.advance(2000);
    expect(sent).toEqual([]);
    lease.settle(true);
    expect(queue.size).toBe(0);
  });

  it('takes events back, in their order, when the other request failed', async () => {
    const { queue, scheduler, sent } = setup();
    queue.enqueue(event(1));
    const lease = queue.lease(10, 100_000);
    queue.enqueue(event(2));
    await scheduler.advance(1000);
    expect(sent).toEqual([['m-2']]);
    lease.settle(false);
    lease.settle(true);
    await scheduler.advance(1000);
    expect(sent).toEqual([['m-2'], ['m-1']]);
  });

  it('hands pending events to a beacon in batches and forgets those it accepts', () => {
    const { queue } = setup({ flushAt: 100 });
    for (let n = 1; n <= 5; n++) queue.enqueue(event(n));
    const beacons: string[][] = [];
    let accept = 2;
    const taken = queue.drainTo((events) => {
      if (accept-- <= 0) return false;
      beacons.push(ids(events));
      return true;
    }, 2, 100_000);
    expect(beacons).toEqual([['m-1', 'm-2'], ['m-3', 'm-4']]);
    expect(taken).toBe(4);
    expect(queue.size).toBe(1);
  });
});
