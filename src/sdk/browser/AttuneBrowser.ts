import type { InteractionEventName } from '../../core/decide/interactions.js';
import type { DecideRequest, DecideResponse } from '../../api/decideSchemas.js';
import { EventQueue } from '../shared/EventQueue.js';
import type { SegmentEvent } from '../shared/SegmentEvent.js';
import type { BrowserEnvironment } from './BrowserEnvironment.js';
import { batchSender, beaconSender, KEEPALIVE_MAX_BYTES, type CollectTarget } from './batchSender.js';
import { ConsentStore, type ConsentPreferences } from './ConsentStore.js';
import { decideWithin } from './decideWithin.js';
import { eventContext, pageInfo, type PageInfo } from './eventContext.js';
import { fallbackResponse, placementIds } from './fallbackResponse.js';
import { PlacementRenderer, type DecisionRef, type RenderedDecision, type TemplateFunction } from './PlacementRenderer.js';
import { preferenceStore, type PreferenceStore } from './preferenceStore.js';
import { localQueuePersistence } from './localQueuePersistence.js';
import { storageKeys } from './storageKeys.js';

export interface AttuneOptions {
  readonly writeKey: string;
  /** The Attune server, e.g. https://attune.example.com (a trailing slash is ignored). */
  readonly host: string;
  /** Pending events at which a batch goes at once (default 20). */
  readonly flushAt?: number;
  /** How long an event waits for others to share a request (default 1000 ms). */
  readonly flushIntervalMs?: number;
  /** Events per request (default 100). */
  readonly maxBatchEvents?: number;
  /** Events kept while the server cannot be reached; older ones are dropped beyond it (default 500). */
  readonly maxQueueEvents?: number;
  /** Failed attempts after which a batch is dropped (default 20; the count restarts with each page). */
  readonly maxRetries?: number;
  /** A request that has not answered by then is aborted and its events retried (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** What undecided consent categories are: an opt-in site passes `{ analytics: false, personalization: false }`. Default: granted. */
  readonly defaultConsent?: ConsentPreferences;
  /** Told of dropped events, failing templates and failed decide calls. Default: console.warn. */
  readonly onError?: (error: unknown) => void;
  /** The visitor's user id when the page knows it (a signed-in page); kept like identify's, without sending an identify call. */
  readonly userId?: string;
  /** The userHash of `userId` (or of the user id kept from an earlier identify), from your backend: see identify. */
  readonly userHash?: string;
}

export interface IdentifyOptions {
  /**
   * HMAC-SHA256 of the userId with the workspace's identity secret (hex), computed by your
   * backend and put in the page. Where identity verification is on, decisions use the user's
   * profile only with it; without it they treat the visitor as anonymous.
   */
  readonly userHash?: string;
}

/** A placement to fill: its id, or its id and how many decisions (at most the placement's own count). */
export type PlacementAsk = DecideRequest['placements'][number];

/** The request context: Segment's context members and any others the rules read. */
export type DecideContext = NonNullable<DecideRequest['context']> & Readonly<Record<string, unknown>>;

export interface DecideOptions {
  /** Milliseconds to wait for the answer before the page's defaults stay (default 800). */
  readonly timeout?: number;
  /** Merged over the SDK's context (locale, timezone, page, ...); rules read it as `context`. */
  readonly context?: DecideContext;
}

export interface RenderResult {
  readonly response: DecideResponse;
  /** The decisions now shown, in placement order: pass one to dismiss or convert. */
  readonly shown: readonly RenderedDecision[];
}

/** The consent record's event name, as Segment's consent tools send it. */
const consentEvent = 'Segment Consent Preference Updated';
/** POST /v1/decide takes at most 100 events; the byte budget keeps the body well under the server's limit. */
const DECIDE_MAX_EVENTS = 100;
const DECIDE_MAX_EVENT_BYTES = 200 * 1024;
const BATCH_MAX_BYTES = 450 * 1024;

function warn(error: unknown): void {
  if (typeof console !== 'undefined') console.warn('[attune]', error);
}

/**
 * Attune in a web page: Segment-compatible track, page and identify, queued and batched;
 * decisions for the page's placements in one round trip, rendered without flicker; the
 * responses to them (viewed, clicked, dismissed, converted) sent at once; consent and
 * Global Privacy Control honoured and passed on. Create it with `load`.
 */
export class AttuneBrowser {
  private readonly store: PreferenceStore;
  private readonly consentStore: ConsentStore;
  private readonly queue: EventQueue;
  private readonly target: CollectTarget;
  private readonly renderer: PlacementRenderer | null;
  private readonly onError: (error: unknown) => void;
  private anonymous: string;
  private user: string | null;
  private hash: string | null;

  constructor(options: AttuneOptions, private readonly env: BrowserEnvironment) {
    if (typeof options.writeKey !== 'string' || options.writeKey.length === 0) throw new Error('Attune: load needs a writeKey');
    if (typeof options.host !== 'string' || options.host.length === 0) throw new Error('Attune: load needs the host of the Attune server');
    this.onError = options.onError ?? warn;
    this.target = { host: options.host.replace(/\/+$/, ''), writeKey: options.writeKey, requestTimeoutMs: options.requestTimeoutMs ?? 10_000 };
    this.store = preferenceStore(env);
    this.consentStore = new ConsentStore(this.store, storageKeys.consent, options.defaultConsent ?? {});
    this.anonymous = this.store.get(storageKeys.anonymousId) ?? this.newAnonymousId();
    this.user = this.store.get(storageKeys.userId);
    this.hash = this.user === null ? null : this.store.get(storageKeys.userHash);
    if (typeof options.userId === 'string' && options.userId.length > 0) this.setUser(options.userId, options.userHash);
    else if (this.user !== null && typeof options.userHash === 'string') this.setUser(this.user, options.userHash);
    this.queue = new EventQueue({
      send: batchSender(env, this.target),
      scheduler: env.scheduler,
      random: () => env.random(),
      flushAt: options.flushAt ?? 20,
      flushIntervalMs: options.flushIntervalMs ?? 1000,
      maxBatchEvents: options.maxBatchEvents ?? 100,
      maxBatchBytes: BATCH_MAX_BYTES,
      maxQueueEvents: options.maxQueueEvents ?? 500,
      maxRetries: options.maxRetries ?? 20,
      backoff: { baseMs: 1000, maxMs: 60_000 },
      persistence: localQueuePersistence(env.localStorage, `${storageKeys.queuePrefix}${options.writeKey}`),
      onDrop: (events, reason, error) => this.onError(new Error(`Attune dropped ${events.length} events (${reason})${error instanceof Error ? `: ${error.message}` : ''}`)),
    });
    this.renderer = env.document === null ? null : new PlacementRenderer(env.document, (d) => this.interact('Decision Clicked', d), this.onError);
    const beacon = beaconSender(env, this.target);
    if (beacon !== null) env.onPageHide(() => this.queue.drainTo(beacon, 100, KEEPALIVE_MAX_BYTES));
  }

  get anonymousId(): string {
    return this.anonymous;
  }

  get userId(): string | null {
    return this.user;
  }

  /** Records an action the visitor took (needs analytics consent). */
  track(event: string, properties: Readonly<Record<string, unknown>> = {}): void {
    if (!this.consentStore.allows('analytics')) return;
    this.queue.enqueue(this.event('track', { event, properties: { ...properties } }));
  }

  /**
   * Records a page view; the page's url, path, search, referrer and title fill in the
   * properties not given, and those given describe the page in the context too (a virtual
   * page view of a single-page app).
   */
  page(name?: string, properties: Readonly<Record<string, unknown>> = {}): void {
    if (!this.consentStore.allows('analytics')) return;
    const page = pageInfo(this.env, properties);
    this.queue.enqueue(this.event('page', { ...(name === undefined ? {} : { name }), properties: { ...properties, ...page } }, false, page));
  }

  /**
   * Says who the visitor is. The user id (and its userHash, see IdentifyOptions) is kept on
   * the device for later calls and decisions even without analytics consent; the identify
   * call itself needs it.
   */
  identify(userId: string | null, traits: Readonly<Record<string, unknown>> = {}, options: IdentifyOptions = {}): void {
    if (typeof userId === 'string' && userId.length > 0) this.setUser(userId, options.userHash);
    if (!this.consentStore.allows('analytics')) return;
    this.queue.enqueue(this.event('identify', { traits: { ...traits } }));
  }

  /** Forgets the visitor (log out): no user id, a new anonymous id. */
  reset(): void {
    this.user = null;
    this.hash = null;
    this.store.remove(storageKeys.userId);
    this.store.remove(storageKeys.userHash);
    this.anonymous = this.newAnonymousId();
  }

  /**
   * Records consent choices on the device and tells the server at once, with a consent
   * event that is sent whatever was chosen: the server needs the refusals above all, to
   * honour them on every channel. Without analytics consent that event carries no page or
   * device details. Returns the choices now in force.
   */
  consent(choices: ConsentPreferences): ConsentPreferences {
    const current = this.consentStore.update(choices);
    const analytics = this.consentStore.allows('analytics');
    this.queue.enqueue(this.event('track', { event: consentEvent, properties: {} }, !analytics), true);
    return current;
  }

  /** The consent choices made on this device (undecided categories are left out). */
  consentChoices(): ConsentPreferences {
    return this.consentStore.choices;
  }

  /**
   * Decides what to show in the placements: one request that also carries the queued
   * events. Resolves with the server's answer, or, when it has not come within the timeout,
   * failed, or personalization consent is refused, with every placement falling back
   * (`timeout`, `error`, `no_consent`) and no decisions. Never rejects.
   */
  decide(placements: readonly PlacementAsk[], options: DecideOptions = {}): Promise<DecideResponse> {
    if (!this.consentStore.allows('personalization')) return Promise.resolve(fallbackResponse(placementIds(placements), 'no_consent'));
    const lease = this.queue.lease(DECIDE_MAX_EVENTS, DECIDE_MAX_EVENT_BYTES);
    const request = {
      anonymousId: this.anonymous,
      ...(this.user === null ? {} : { userId: this.user }),
      ...(this.user === null || this.hash === null ? {} : { userHash: this.hash }),
      placements: [...placements],
      context: { ...eventContext(this.env, this.consentStore.choices), ...options.context },
    };
    return decideWithin(this.env, this.target, request, lease, options.timeout ?? 800, this.onError);
  }

  /** Registers how a placement's decisions become HTML; without one, the placement keeps its default. */
  template<C = unknown>(placement: string, render: (content: C, decision: RenderedDecision) => string): void {
    const template: TemplateFunction = (content, decision) => render(content as C, decision);
    this.renderer?.template(placement, template);
  }

  /**
   * Fills the page's `[data-attune-placement]` elements (all of them, or those named):
   * decides, renders decisions that came in time through the registered templates, and
   * sends a 'Decision Viewed' for each decision shown. The request starts at once; the
   * rendering waits for the document to be parsed.
   */
  async render(placements?: readonly string[], options: DecideOptions = {}): Promise<RenderResult> {
    const renderer = this.renderer;
    if (placements === undefined) await this.documentParsed();
    const ids = placements ?? renderer?.placementsInPage() ?? [];
    if (ids.length === 0) return { response: { profileId: null, placements: [] }, shown: [] };
    const decided = this.decide(ids, options);
    await this.documentParsed();
    const response = await decided;
    const shown = renderer === null ? [] : renderer.render(response);
    for (const decision of shown) this.interact('Decision Viewed', decision);
    return { response, shown };
  }

  /** The visitor closed or refused a decision: its dismiss cool-down starts. */
  dismiss(decision: DecisionRef): void {
    this.interact('Decision Dismissed', decision);
  }

  /** The decision led to the goal (a purchase, a sign-up); `value` is what it was worth. */
  convert(decision: DecisionRef, value?: number): void {
    this.interact('Decision Converted', decision, value === undefined || !Number.isFinite(value) ? {} : { value });
  }

  /** Sends the queued events now; resolves when the queue is empty or a retry is pending. */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  /**
   * Responses to decisions feed frequency caps and cool-downs, which are part of
   * personalization, so they follow personalization consent rather than analytics consent,
   * and go at once so that the next decision sees them.
   */
  private interact(name: InteractionEventName, decision: DecisionRef, extra: Readonly<Record<string, unknown>> = {}): void {
    if (decision.actionId === null || !this.consentStore.allows('personalization')) return;
    const properties = { decisionId: decision.decisionId, actionId: decision.actionId, placement: decision.placement, channel: decision.channel ?? 'web', ...extra };
    this.queue.enqueue(this.event('track', { event: name, properties }, !this.consentStore.allows('analytics')), true);
  }

  private event(type: string, members: Readonly<Record<string, unknown>>, minimalContext = false, page?: PageInfo): SegmentEvent {
    return {
      ...members,
      type,
      messageId: this.env.uuid(),
      timestamp: new Date(this.env.now()).toISOString(),
      anonymousId: this.anonymous,
      ...(this.user === null ? {} : { userId: this.user }),
      // Each event is checked on its own (identity verification): without its userHash, the
      // server would not let it link this device's anonymous id to the user.
      ...(this.user === null || this.hash === null ? {} : { userHash: this.hash }),
      context: eventContext(this.env, this.consentStore.choices, minimalContext, page),
    };
  }

  /** A hash belongs to one user id: another id without its own hash has none. */
  private setUser(userId: string, userHash: string | undefined): void {
    const hash = typeof userHash === 'string' && userHash.length > 0 ? userHash : userId === this.user ? this.hash : null;
    this.user = userId;
    this.hash = hash;
    this.store.set(storageKeys.userId, userId);
    if (hash === null) this.store.remove(storageKeys.userHash);
    else this.store.set(storageKeys.userHash, hash);
  }

  private newAnonymousId(): string {
    const id = this.env.uuid();
    this.store.set(storageKeys.anonymousId, id);
    return id;
  }

  private documentParsed(): Promise<void> {
    const document = this.env.document;
    if (document === null || document.readyState !== 'loading') return Promise.resolve();
    return new Promise((resolve) => document.addEventListener('DOMContentLoaded', () => resolve()));
  }
}
