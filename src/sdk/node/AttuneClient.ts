import { randomUUID } from 'node:crypto';
import type { DecideRequest, DecideResponse } from '../../api/decideSchemas.js';
import type { RecommendRequest, RecommendResponse } from '../../api/recommendSchemas.js';
import { EventQueue, type DropReason } from '../shared/EventQueue.js';
import type { Scheduler } from '../shared/Scheduler.js';
import type { SegmentEvent } from '../shared/SegmentEvent.js';
import type { SendOutcome } from '../shared/sendOutcome.js';
import { sdkVersion } from '../shared/version.js';
import { AttuneApiError } from './AttuneApiError.js';
import type { AttuneTransport } from './AttuneTransport.js';

type Json = Readonly<Record<string, unknown>>;

/** Who a call is about: a user id, an anonymous id, or both. */
export type Identity =
  | { readonly userId: string; readonly anonymousId?: string }
  | { readonly userId?: string; readonly anonymousId: string };

/** What every call may carry besides its own members (Segment's common fields). */
export type CommonFields = {
  readonly context?: Json;
  readonly integrations?: Json;
  /** When it happened; default now. */
  readonly timestamp?: Date | string;
  /** Default: a new UUID. Give your own to make a call idempotent across retries of your own. */
  readonly messageId?: string;
  /**
   * The userId's signature, `userHash(userId, identitySecret)`: where identity verification is
   * on, an event sent with the write key links its userId to other ids only with it.
   */
  readonly userHash?: string;
};

export type TrackMessage = Identity & CommonFields & { readonly event: string; readonly properties?: Json };
export type PageMessage = Identity & CommonFields & { readonly name?: string; readonly category?: string; readonly properties?: Json };
export type IdentifyMessage = Identity & CommonFields & { readonly traits?: Json };
export type GroupMessage = Identity & CommonFields & { readonly groupId: string; readonly traits?: Json };
export type AliasMessage = CommonFields & { readonly userId: string; readonly previousId: string };

/** A Segment call of any type, for decide's `events`. */
export type EventMessage =
  | ({ readonly type: 'track' } & TrackMessage)
  | ({ readonly type: 'page' } & PageMessage)
  | ({ readonly type: 'identify' } & IdentifyMessage)
  | ({ readonly type: 'group' } & GroupMessage)
  | ({ readonly type: 'alias' } & AliasMessage)
  | ({ readonly type: 'screen' } & PageMessage);

/**
 * A decide call. Its events are applied before deciding, in the same request; those
 * without userId or anonymousId take the request's.
 */
export type DecideInput = Identity & {
  readonly placements: DecideRequest['placements'];
  /** Segment's context members (locale, timezone, page, ...) and any others the rules read as `context`. */
  readonly context?: NonNullable<DecideRequest['context']> & Readonly<Record<string, unknown>>;
  readonly events?: readonly (EventMessage | (CommonFields & { readonly type: EventMessage['type']; readonly [member: string]: unknown }))[];
  /** Every skipped action and why: needs a transport with the secret key (the server refuses it with a write key). */
  readonly explain?: boolean;
  /**
   * The userId's signature, `userHash(userId, identitySecret)`: where identity verification
   * is on, a decide sent with the write key uses the user's profile only with it.
   */
  readonly userHash?: string;
};

export interface AttuneClientOptions {
  readonly transport: AttuneTransport;
  /** Queued events at which a batch goes at once (default 20). */
  readonly flushAt?: number;
  /** How long an event waits for others to share a batch (default 10 s). */
  readonly flushIntervalMs?: number;
  /** Retries of a batch that failed with a retryable error, before it is dropped (default 3). */
  readonly maxRetries?: number;
  /** Events per batch (default 100). */
  readonly maxBatchEvents?: number;
  /** Events held while the server cannot be reached; the oldest are dropped beyond it (default 10,000). */
  readonly maxQueueEvents?: number;
  /** The first retry's delay ceiling; each next one doubles, up to 30 s (default 500 ms). */
  readonly retryBaseMs?: number;
  /** Told of events dropped: rejected by the server, retried in vain, or over maxQueueEvents. Default: a warning on stderr. */
  readonly onError?: (error: unknown, events: readonly SegmentEvent[], reason: DropReason) => void;
  /** For tests. */
  readonly scheduler?: Scheduler;
  readonly random?: () => number;
  readonly now?: () => number;
  readonly uuid?: () => string;
}

const library = { name: 'attune-node', version: sdkVersion };
const MAX_BATCH_BYTES = 450 * 1024;

/** Node timers that do not keep the process alive: a pending flush must not stop a CLI from exiting. */
const unrefScheduler: Scheduler = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function defaultOnError(error: unknown, events: readonly SegmentEvent[], reason: DropReason): void {
  console.warn(`attune: dropped ${events.length} events (${reason})`, error);
}

function hasIdentity(message: { readonly userId?: unknown; readonly anonymousId?: unknown }): boolean {
  const present = (value: unknown) => (typeof value === 'string' && value.length > 0) || typeof value === 'number';
  return present(message.userId) || present(message.anonymousId);
}

/**
 * Attune from a Node service: Segment-compatible calls (track, page, identify, group,
 * alias) queued and sent in batches, retried with exponential backoff and jitter on
 * network errors, 429 and 5xx; and decide, which may carry events to apply first. Call
 * close() before the process exits: queued events are not kept across processes.
 */
export class AttuneClient {
  private readonly transport: AttuneTransport;
  private readonly queue: EventQueue;
  private readonly now: () => number;
  private readonly uuid: () => string;
  private closing: Promise<void> | null = null;

  constructor(options: AttuneClientOptions) {
    this.transport = options.transport;
    this.now = options.now ?? (() => Date.now());
    this.uuid = options.uuid ?? (() => randomUUID());
    const onError = options.onError ?? defaultOnError;
    this.queue = new EventQueue({
      send: (events) => this.send(events),
      scheduler: options.scheduler ?? unrefScheduler,
      random: options.random ?? (() => Math.random()),
      flushAt: options.flushAt ?? 20,
      flushIntervalMs: options.flushIntervalMs ?? 10_000,
      maxBatchEvents: options.maxBatchEvents ?? 100,
      maxBatchBytes: MAX_BATCH_BYTES,
      maxQueueEvents: options.maxQueueEvents ?? 10_000,
      maxRetries: options.maxRetries ?? 3,
      backoff: { baseMs: options.retryBaseMs ?? 500, maxMs: 30_000 },
      onDrop: (events, reason, error) => onError(error, events, reason),
    });
  }

  /** Events waiting to be sent. */
  get queued(): number {
    return this.queue.size;
  }

  track(message: TrackMessage): void {
    this.enqueue('track', message);
  }

  page(message: PageMessage): void {
    this.enqueue('page', message);
  }

  identify(message: IdentifyMessage): void {
    this.enqueue('identify', message);
  }

  group(message: GroupMessage): void {
    this.enqueue('group', message);
  }

  alias(message: AliasMessage): void {
    this.enqueue('alias', message);
  }

  /**
   * Decides for a person, applying `events` first, in one request. Not queued and not
   * retried: a decision is wanted now or not at all. Rejects with AttuneApiError.
   */
  async decide(input: DecideInput): Promise<DecideResponse> {
    this.assertOpen();
    if (!hasIdentity(input)) throw new TypeError('attune: decide needs a userId or an anonymousId');
    const { events, ...rest } = input;
    const request: DecideRequest = {
      ...rest,
      placements: [...input.placements],
      ...(events === undefined || events.length === 0 ? {} : { events: events.map((e) => this.complete(e.type, e, false)) }),
    };
    return this.transport.decide(request);
  }

  /**
   * Items for a person (or for anyone, without ids): the strategy, filters and seed items as
   * POST /v1/recommend takes them. Not queued and not retried. Rejects with AttuneApiError.
   */
  async recommend(request: Omit<RecommendRequest, 'writeKey'> = {}): Promise<RecommendResponse> {
    this.assertOpen();
    return this.transport.recommend(request);
  }

  /** Sends what is queued; resolves when the queue is empty (sent, or dropped after the retries). */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  /** Flushes, stops the timers and closes the transport. Calls after close throw. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.queue.flush();
      this.queue.stop();
      await this.transport.close?.();
    })();
    return this.closing;
  }

  private enqueue(type: EventMessage['type'], message: Json): void {
    this.assertOpen();
    this.queue.enqueue(this.complete(type, message, true));
  }

  /** The stored form of a call: its type, a messageId, an ISO timestamp and the library in its context. */
  private complete(type: string, message: Json, needsIdentity: boolean): SegmentEvent {
    if (needsIdentity && !hasIdentity(message)) throw new TypeError(`attune: a ${type} call needs a userId or an anonymousId`);
    const { timestamp, messageId, context, ...rest } = message;
    const time = timestamp instanceof Date ? timestamp.toISOString() : typeof timestamp === 'string' ? timestamp : new Date(this.now()).toISOString();
    const ownContext = typeof context === 'object' && context !== null ? (context as Json) : {};
    return {
      ...rest,
      type,
      messageId: typeof messageId === 'string' && messageId.length > 0 ? messageId : this.uuid(),
      timestamp: time,
      context: { library, ...ownContext },
    };
  }

  private async send(events: readonly SegmentEvent[]): Promise<SendOutcome> {
    try {
      await this.transport.send(events);
      return { kind: 'sent' };
    } catch (error) {
      // Errors of a custom transport that are not AttuneApiError count as network failures.
      const retryable = error instanceof AttuneApiError ? error.retryable : true;
      if (!retryable) return { kind: 'drop', error };
      const wait = error instanceof AttuneApiError ? error.retryAfterMs : undefined;
      return { kind: 'retry', error, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
    }
  }

  private assertOpen(): void {
    if (this.closing !== null) throw new Error('attune: the client is closed');
  }
}
