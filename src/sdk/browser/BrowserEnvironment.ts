import type { Scheduler } from '../shared/Scheduler.js';
import { uuidFromBytes } from '../shared/uuid.js';

/*
 * The browser APIs the SDK uses, described by the members it calls. The SDK reaches the
 * browser only through a BrowserEnvironment, for two reasons: the unit tests run it in Node
 * with fakes, and the project compiles without the DOM library (adding it would change the
 * global types of the Node code too).
 */

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface ResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  json(): Promise<unknown>;
}

export interface RequestInitLike {
  readonly method: 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly keepalive?: boolean;
  readonly credentials?: 'omit';
  readonly signal?: unknown;
}

export type FetchLike = (url: string, init: RequestInitLike) => Promise<ResponseLike>;

/** A DOM element, as far as rendering placements needs one. */
export interface ElementLike {
  innerHTML: string;
  getAttribute(name: string): string | null;
  contains(other: unknown): boolean;
  addEventListener(type: 'click', listener: (event: { readonly target: unknown }) => void): void;
}

/** What a click's target offers to find the clickable element and decision it is in. */
export interface ClosestLike {
  closest(selector: string): ElementLike | null;
}

export interface DocumentLike {
  readonly readyState: string;
  readonly title: string;
  readonly referrer: string;
  readonly visibilityState?: string;
  cookie: string;
  querySelectorAll(selector: string): ArrayLike<ElementLike>;
  addEventListener(type: string, listener: () => void): void;
}

export interface LocationLike {
  readonly href: string;
  readonly pathname: string;
  readonly search: string;
  readonly protocol: string;
}

export interface NavigatorLike {
  readonly language?: string;
  readonly userAgent?: string;
  readonly globalPrivacyControl?: boolean;
}

export interface BrowserEnvironment {
  readonly fetch: FetchLike;
  /** navigator.sendBeacon, when the browser has it. */
  readonly sendBeacon: ((url: string, body: string) => boolean) | null;
  /** localStorage, or null when the browser refuses it (privacy modes, sandboxed frames). */
  readonly localStorage: StorageLike | null;
  readonly document: DocumentLike | null;
  readonly location: LocationLike | null;
  readonly navigator: NavigatorLike;
  readonly scheduler: Scheduler;
  /** The IANA time zone (Intl), for calendar-day caps. */
  readonly timeZone: string | undefined;
  now(): number;
  random(): number;
  uuid(): string;
  /** An AbortController's signal and abort, where the browser has them. */
  abortable(): { readonly signal: unknown; abort(): void } | null;
  /** Calls `listener` when the page may be going away for good (pagehide, or hidden). */
  onPageHide(listener: () => void): void;
}

/** What this file reads from the global scope; every member may be missing. */
interface BrowserGlobals {
  fetch?: FetchLike;
  localStorage?: StorageLike;
  document?: DocumentLike;
  location?: LocationLike;
  navigator?: NavigatorLike & { sendBeacon?: (url: string, body: string) => boolean };
  crypto?: { randomUUID?: () => string; getRandomValues?: (array: Uint8Array) => Uint8Array };
  AbortController?: new () => { readonly signal: unknown; abort(): void };
  addEventListener?: (type: string, listener: () => void) => void;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

function storageOf(g: BrowserGlobals): StorageLike | null {
  try {
    // Reading the property itself throws where storage is blocked.
    const storage = g.localStorage;
    if (storage === undefined || storage === null) return null;
    const probe = '__attune_probe__';
    storage.setItem(probe, probe);
    storage.removeItem(probe);
    return storage;
  } catch {
    return null;
  }
}

function uuidOf(g: BrowserGlobals, random: () => number): () => string {
  const crypto = g.crypto;
  // randomUUID exists only in secure contexts (https, localhost); getRandomValues everywhere.
  if (typeof crypto?.randomUUID === 'function') return () => crypto.randomUUID!();
  if (typeof crypto?.getRandomValues === 'function') return () => uuidFromBytes(crypto.getRandomValues!(new Uint8Array(16)));
  return () => uuidFromBytes(Array.from({ length: 16 }, () => Math.floor(random() * 256)));
}

function timeZoneOf(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The real browser's environment. */
export function browserEnvironment(): BrowserEnvironment {
  const g = globalThis as unknown as BrowserGlobals;
  const random = () => Math.random();
  const navigator = g.navigator ?? {};
  const document = g.document ?? null;
  const sendBeacon = navigator.sendBeacon;
  return {
    fetch: (url, init) => {
      if (g.fetch === undefined) return Promise.reject(new Error('this browser has no fetch'));
      return g.fetch(url, init);
    },
    sendBeacon: typeof sendBeacon === 'function' ? (url, body) => sendBeacon.call(navigator, url, body) : null,
    localStorage: storageOf(g),
    document,
    location: g.location ?? null,
    navigator,
    scheduler: { setTimeout: (callback, ms) => g.setTimeout(callback, ms), clearTimeout: (handle) => g.clearTimeout(handle) },
    timeZone: timeZoneOf(),
    now: () => Date.now(),
    random,
    uuid: uuidOf(g, random),
    abortable: () => (g.AbortController === undefined ? null : new g.AbortController()),
    onPageHide: (listener) => {
      g.addEventListener?.('pagehide', listener);
      // Mobile browsers often skip pagehide when an app is switched away and then killed.
      document?.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'hidden') listener();
      });
    },
  };
}
