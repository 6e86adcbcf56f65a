import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { Scheduler } from './Scheduler.js';
import type { SegmentEvent } from './SegmentEvent.js';
import type { SendOutcome } from './sendOutcome.js';
import { utf8Length } from './utf8Length.js';

/** Sends one batch; should not throw (a throw counts as a retryable failure). */
export type SendBatch = (events: readonly SegmentEvent[]) => Promise<SendOutcome>;

/** Where the queue keeps a copy of itself (the browser's localStorage), so that a reload loses nothing. */
export interface QueuePersistence {
  load(): readonly SegmentEvent[];
  save(events: readonly SegmentEvent[]): void;
}

export type DropReason = 'rejected' | 'retries_exhausted' | 'queue_full';

export interface EventQueueOptions {
  readonly send: SendBatch;
  readonly scheduler: Scheduler;
  readonly random: () => number;
  /** Pending events at which a flush starts at once, without waiting for the interval. */
  readonly flushAt: number;
  /** How long an event may wait for others to share its request. */
  readonly flushIntervalMs: number;
  readonly maxBatchEvents: number;
  /** UTF-8 bytes of events per request (the server takes 500 KB; a beacon 64 KB). */
  readonly maxBatchBytes: number;
  /** Beyond this the oldest events are dropped: a queue that cannot be sent must not grow without bound. */
  readonly maxQueueEvents: number;
  /** Failed attempts of a batch after which it is dropped; Infinity to keep trying. */
  readonly maxRetries: number;
  readonly backoff: BackoffOptions;
  readonly persistence?: QueuePersistence | null;
  readonly onDrop?: (events: readonly SegmentEvent[], reason: DropReason, error: unknown) => void;
}

/** Events handed to another request (a decide call carries the page's queued events). */
export interface EventLease {
  readonly events: readonly SegmentEvent[];
  /** `true`: the server has them, forget them. `false`: put them back to go by batch. Only the first call counts. */
  settle(delivered: boolean): void;
}

/**
 * The batching queue of both SDKs: events wait up to `flushIntervalMs` (or until
 * `flushAt` of them are pending, or an urgent one arrives) and go in batches, one request
 * at a time and in order. A batch that fails with a retryable error goes back to the head
 * of the queue and is retried after an exponential backoff with jitter (or the server's
 * Retry-After); every event keeps its messageId, so a retry of a batch the server did store
 * is de-duplicated there. Events are removed only once sent (or dropped), and every change
 * is persisted when a persistence is given.
 */
export class EventQueue {
  private events: SegmentEvent[];
  /** Message ids of events that a request is carrying now: not sent again until it settles. */
  private readonly inFlight = new Set<string>();
  private running: Promise<void> | null = null;
  private timer: unknown = null;
  private timerIsSoon = false;
  /** Ends the current backoff wait early (set while waiting). */
  private wake: (() => void) | null = null;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: EventQueueOptions) {
    this.events = [...(options.persistence?.load() ?? [])];
    this.trim();
    // Left over from a previous page: they go with the next request, a decide or a batch.
    if (this.events.length > 0) this.schedule(false);
  }

  /** Events waiting, including those a request is carrying. */
  get size(): number {
    return this.events.length;
  }

  /** Queues an event. Urgent ones (responses to decisions) go at once, unless the queue is backing off. */
  enqueue(event: SegmentEvent, urgent = false): void {
    if (this.stopped) return;
    this.events.push(event);
    this.trim();
    this.save();
    if (this.wake !== null) return;
    this.schedule(urgent || this.pendingCount() >= this.options.flushAt);
  }

  /**
   * Sends everything now, cutting short a backoff wait. Resolves when the queue is empty,
   * or when what is left is carried by other requests or was given up.
   */
  flush(): Promise<void> {
    this.clearTimer();
    this.wake?.();
    return this.start();
  }

  /** Takes up to the limits of pending events for another request to carry. */
  lease(maxEvents: number, maxBytes: number): EventLease {
    const events = this.nextBatch(maxEvents, maxBytes);
    for (const event of events) this.inFlight.add(event.messageId);
    let settled = false;
    return {
      events,
      settle: (delivered) => {
        if (settled) return;
        settled = true;
        if (delivered) {
          this.remove(events);
          return;
        }
        for (const event of events) this.inFlight.delete(event.messageId);
        if (this.pendingCount() > 0 && this.wake === null) this.schedule(false);
      },
    };
  }

  /**
   * Hands pending events, in batches of at most `maxBytes`, to `send` (navigator.sendBeacon,
   * when the page is going away); those it accepts are forgotten. Returns how many it took.
   */
  drainTo(send: (events: readonly SegmentEvent[]) => boolean, maxEvents: number, maxBytes: number): number {
    let taken = 0;
    for (;;) {
      const batch = this.nextBatch(maxEvents, maxBytes);
      if (batch.length === 0 || !send(batch)) return taken;
      this.remove(batch);
      taken += batch.length;
    }
  }

  /** Stops the timers; queued events stay queued (and persisted). */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
    this.wake?.();
  }

  private pendingCount(): number {
    return this.events.length - this.inFlight.size;
  }

  private schedule(soon: boolean): void {
    if (this.stopped) return;
    if (this.timer !== null) {
      if (!soon || this.timerIsSoon) return;
      this.clearTimer();
    }
    this.timerIsSoon = soon;
    this.timer = this.options.scheduler.setTimeout(() => {
      this.timer = null;
      void this.start();
    }, soon ? 0 : this.options.flushIntervalMs);
  }

  private clearTimer(): void {
    if (this.timer === null) return;
    this.options.scheduler.clearTimeout(this.timer);
    this.timer = null;
  }

  private start(): Promise<void> {
    if (this.running !== null) return this.running;
    const running = this.run().finally(() => {
      this.running = null;
    });
    this.running = running;
    return running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const batch = this.nextBatch(this.options.maxBatchEvents, this.options.maxBatchBytes);
      if (batch.length === 0) return;
      for (const event of batch) this.inFlight.add(event.messageId);
      let outcome: SendOutcome;
      try {
        outcome = await this.options.send(batch);
      } catch (error) {
        outcome = { kind: 'retry', error };
      }
      if (outcome.kind !== 'retry') {
        this.failures = 0;
        this.remove(batch);
        if (outcome.kind === 'drop') this.options.onDrop?.(batch, 'rejected', outcome.error);
        continue;
      }
      for (const event of batch) this.inFlight.delete(event.messageId);
      this.failures += 1;
      if (this.failures > this.options.maxRetries) {
        this.failures = 0;
        this.remove(batch);
        this.options.onDrop?.(batch, 'retries_exhausted', outcome.error);
        continue;
      }
      const delay = Math.max(backoffDelay(this.failures, this.options.random, this.options.backoff), outcome.retryAfterMs ?? 0);
      await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.wake = null;
        resolve();
      };
      const handle = this.options.scheduler.setTimeout(done, ms);
      this.wake = () => {
        this.options.scheduler.clearTimeout(handle);
        done();
      };
    });
  }

  /** The oldest pending events within the limits; at least one, so that an oversized event is sent (and rejected) alone rather than blocking the queue. */
  private nextBatch(maxEvents: number, maxBytes: number): SegmentEvent[] {
    const batch: SegmentEvent[] = [];
    let bytes = 0;
    for (const event of this.events) {
      if (batch.length >= maxEvents) break;
      if (this.inFlight.has(event.messageId)) continue;
      const size = utf8Length(JSON.stringify(event)) + 1;
      if (batch.length > 0 && bytes + size > maxBytes) break;
      batch.push(event);
      bytes += size;
    }
    return batch;
  }

  private remove(events: readonly SegmentEvent[]): void {
    const ids = new Set(events.map((e) => e.messageId));
    this.events = this.events.filter((e) => !ids.has(e.messageId));
    for (const id of ids) this.inFlight.delete(id);
    this.save();
  }

  private trim(): void {
    const excess = this.events.length - this.options.maxQueueEvents;
    if (excess <= 0) return;
    const dropped: SegmentEvent[] = [];
    this.events = this.events.filter((event) => {
      if (dropped.length >= excess || this.inFlight.has(event.messageId)) return true;
      dropped.push(event);
      return false;
    });
    if (dropped.length > 0) this.options.onDrop?.(dropped, 'queue_full', undefined);
  }

  private save(): void {
    this.options.persistence?.save(this.events);
  }
}
