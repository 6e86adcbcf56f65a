import type { BrowserEnvironment, ClosestLike, DocumentLike, ElementLike, FetchLike, NavigatorLike, RequestInitLike, ResponseLike, StorageLike } from '../browser/BrowserEnvironment.js';
import { FakeScheduler } from './FakeScheduler.js';

export class MemoryStorage implements StorageLike {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/** An element with attributes and a parent: enough for closest() and contains() with the SDK's selectors. */
export class FakeElement implements ElementLike, ClosestLike {
  innerHTML = '';
  readonly listeners: ((event: { readonly target: unknown }) => void)[] = [];

  constructor(
    readonly tag: string,
    readonly attributes: Record<string, string> = {},
    readonly parent: FakeElement | null = null,
  ) {}

  getAttribute(name: string): string | null {
    return this.attributes[name] ?? null;
  }

  contains(other: unknown): boolean {
    for (let node = other instanceof FakeElement ? other : null; node !== null; node = node.parent) if (node === this) return true;
    return false;
  }

  addEventListener(_type: 'click', listener: (event: { readonly target: unknown }) => void): void {
    this.listeners.push(listener);
  }

  matches(selector: string): boolean {
    return selector.split(',').some((part) => {
      const s = part.trim();
      return s.startsWith('[') ? Object.hasOwn(this.attributes, s.slice(1, -1)) : s === this.tag;
    });
  }

  closest(selector: string): FakeElement | null {
    return this.matches(selector) ? this : (this.parent?.closest(selector) ?? null);
  }

  /** A click on this element, bubbling to the listeners of it and its ancestors. */
  click(): void {
    this.bubble(this);
  }

  private bubble(target: FakeElement): void {
    for (const listener of this.listeners) listener({ target });
    this.parent?.bubble(target);
  }
}

export class FakeDocument implements DocumentLike {
  readyState = 'complete';
  title = 'Shop';
  referrer = 'https://search.example/';
  visibilityState = 'visible';
  cookie = '';
  readonly elements: FakeElement[] = [];
  readonly listeners = new Map<string, (() => void)[]>();

  querySelectorAll(selector: string): ArrayLike<ElementLike> {
    return this.elements.filter((e) => e.matches(selector));
  }

  addEventListener(type: string, listener: () => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  dispatch(type: string): void {
    for (const listener of this.listeners.get(type) ?? []) listener();
  }
}

export interface RecordedRequest {
  readonly url: string;
  readonly init: RequestInitLike;
  readonly body: Record<string, unknown>;
}

export type Responder = (request: RecordedRequest) => Promise<ResponseLike> | ResponseLike;

export function response(status: number, body: unknown = {}, headers: Readonly<Record<string, string>> = {}): ResponseLike {
  return {
    status,
    headers: { get: (name) => headers[name.toLowerCase()] ?? null },
    json: async () => body,
  };
}

export interface FakeBrowser {
  readonly env: BrowserEnvironment;
  readonly scheduler: FakeScheduler;
  readonly storage: MemoryStorage;
  readonly document: FakeDocument;
  readonly requests: RecordedRequest[];
  readonly beacons: { url: string; body: Record<string, unknown> }[];
  /** Answers the next requests; default 200 {}. */
  respond: Responder;
  /** Fires the page-hide listeners. */
  hidePage(): void;
}

export interface FakeBrowserOptions {
  readonly storage?: MemoryStorage | null;
  readonly document?: FakeDocument;
  readonly navigator?: NavigatorLike;
  readonly beacon?: boolean;
}

/** A browser made of fakes: requests are recorded and answered by `respond`, time is a FakeScheduler. */
export function fakeBrowser(options: FakeBrowserOptions = {}): FakeBrowser {
  const scheduler = new FakeScheduler();
  const storage = options.storage === undefined ? new MemoryStorage() : options.storage;
  const document = options.document ?? new FakeDocument();
  const requests: RecordedRequest[] = [];
  const beacons: { url: string; body: Record<string, unknown> }[] = [];
  const hideListeners: (() => void)[] = [];
  let uuids = 0;
  const browser: FakeBrowser = {
    scheduler,
    storage: storage ?? new MemoryStorage(),
    document,
    requests,
    beacons,
    respond: () => response(200, { success: true }),
    hidePage: () => hideListeners.forEach((l) => l()),
    env: {
      fetch: (async (url, init) => {
        const request = { url, init, body: JSON.parse(init.body) as Record<string, unknown> };
        requests.push(request);
        return browser.respond(request);
      }) satisfies FetchLike,
      sendBeacon: options.beacon === false ? null : (url, body) => {
        beacons.push({ url, body: JSON.parse(body) as Record<string, unknown> });
        return true;
      },
      localStorage: storage,
      document,
      location: { href: 'https://shop.example/spring?ref=mail', pathname: '/spring', search: '?ref=mail', protocol: 'https:' },
      navigator: options.navigator ?? { language: 'de-CH', userAgent: 'FakeBrowser/1.0' },
      scheduler,
      timeZone: 'Europe/Zurich',
      now: () => Date.UTC(2025, 2, 1) + scheduler.now,
      random: () => 0.5,
      uuid: () => `uuid-${++uuids}`,
      abortable: () => null,
      onPageHide: (listener) => hideListeners.push(listener),
    },
  };
  return browser;
}
