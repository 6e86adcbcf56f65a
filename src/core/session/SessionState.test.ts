import { describe, expect, it } from 'vitest';
import type { CallType } from '../events/callTypes.js';
import { mergeSessions, readSession, sectionOf, sessionTimeoutMs, updateSession, type SessionEvent, type SessionState } from './SessionState.js';

/** Sessions with an injected clock: every event carries its time, every read takes `now`. */
const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;
const t0 = Date.parse('2024-03-01T09:15:00Z');

const desktop = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

interface PageOptions {
  readonly referrer?: string;
  readonly userAgent?: string;
  readonly campaign?: Record<string, unknown>;
  readonly device?: Record<string, unknown>;
}

/** A page call as analytics.js sends it: the URL in context.page and in properties. */
function page(at: number, url: string, options: PageOptions = {}): SessionEvent {
  const parsed = new URL(url);
  const pageContext: Record<string, unknown> = { url, path: parsed.pathname, search: parsed.search };
  if (options.referrer !== undefined) pageContext['referrer'] = options.referrer;
  const context: Record<string, unknown> = { page: pageContext, userAgent: options.userAgent ?? desktop };
  if (options.campaign !== undefined) context['campaign'] = options.campaign;
  if (options.device !== undefined) context['device'] = options.device;
  return { type: 'page', name: null, timestamp: at, body: { type: 'page', properties: { ...pageContext }, context } };
}

function call(type: CallType, name: string | null, at: number, properties: Record<string, unknown> = {}, context: Record<string, unknown> = {}): SessionEvent {
  return { type, name, timestamp: at, body: { type, event: name, properties, context } };
}

function run(events: readonly SessionEvent[], state: SessionState | null = null): SessionState | null {
  let current = state;
  for (const e of events) current = updateSession(current, e);
  return current;
}

const site = 'https://shop.example.com';

describe('sessions split after 30 minutes of inactivity', () => {
  it('continues at 29:59 and at exactly 30:00, and splits at 30:01', () => {
    const first = run([page(t0, `${site}/`)])!;
    expect(run([page(t0 + 29 * minute + 59 * second, `${site}/a`)], structuredClone(first))!.count).toBe(1);
    expect(run([page(t0 + sessionTimeoutMs, `${site}/a`)], structuredClone(first))!.count).toBe(1);
    const split = run([page(t0 + 30 * minute + second, `${site}/a`)], structuredClone(first))!;
    expect(split.count).toBe(2);
    expect(split.start).toBe(t0 + 30 * minute + second);
    expect(split.pages).toBe(1);
  });

  it('measures inactivity from the last event, so a busy session lasts as long as it keeps going', () => {
    const events = Array.from({ length: 12 }, (_, i) => page(t0 + i * 25 * minute, `${site}/p${i}`));
    const state = run(events)!;
    expect(state.count).toBe(1);
    expect(readSession(state, t0 + 11 * 25 * minute)).toMatchObject({ active: true, count: 1, pages: 12, duration_seconds: 11 * 25 * 60 });
  });

  it('counts sessions over days', () => {
    const times = [0, 10 * minute, 2 * hour, 2 * hour + 29 * minute, day, 3 * day, 3 * day + 31 * minute];
    const state = run(times.map((t) => page(t0 + t, `${site}/`)))!;
    expect(state.count).toBe(5);
  });
});

describe('readSession', () => {
  it('reads a profile without a session as a new visitor about to start the first one', () => {
    expect(readSession(null, t0)).toEqual({
      active: false, count: 1, is_new: true, returning: false, pages: 0, events: 0, duration_seconds: 0, section: null,
      seconds_by_section: {}, search_terms: [], entry_channel: null, utm_campaign: null, referrer: null, device_type: null,
    });
  });

  it('reads the live session, new in the first session and returning after it', () => {
    const state = run([page(t0, `${site}/shoes/red?utm_source=google&utm_medium=cpc&utm_campaign=spring`, { referrer: 'https://www.google.com/' })])!;
    expect(readSession(state, t0 + minute)).toEqual({
      active: true, count: 1, is_new: true, returning: false, pages: 1, events: 1, duration_seconds: 0, section: 'shoes',
      seconds_by_section: {}, search_terms: [], entry_channel: 'paid', utm_campaign: 'spring', referrer: 'www.google.com', device_type: 'desktop',
    });
    const second = run([page(t0 + 2 * hour, `${site}/`)], state)!;
    expect(readSession(second, t0 + 2 * hour)).toMatchObject({ active: true, count: 2, is_new: false, returning: true, entry_channel: 'direct', utm_campaign: null, referrer: null });
  });

  it('reads an expired session as the next, empty one (30 minutes after its last event, not before)', () => {
    const state = run([page(t0, `${site}/shoes`), call('track', 'Product Viewed', t0 + 5 * minute)])!;
    expect(readSession(state, t0 + 35 * minute)).toMatchObject({ active: true, count: 1, pages: 1, events: 2 });
    expect(readSession(state, t0 + 35 * minute + 1)).toEqual({
      active: false, count: 2, is_new: false, returning: true, pages: 0, events: 0, duration_seconds: 0, section: null,
      seconds_by_section: {}, search_terms: [], entry_channel: null, utm_campaign: null, referrer: null, device_type: null,
    });
  });

  it('returns copies: changing what was read does not change the state', () => {
    const state = run([page(t0, `${site}/search?q=boots`)])!;
    const read = readSession(state, t0);
    (read['search_terms'] as string[]).push('x');
    expect(state.searchTerms).toEqual(['boots']);
  });
});

describe('pages, events and sections', () => {
  it('counts page and screen calls as pages, every call as an event', () => {
    const state = run([
      page(t0, `${site}/`),
      call('track', 'Product Viewed', t0 + minute),
      call('screen', 'Cart', t0 + 2 * minute),
      call('identify', null, t0 + 3 * minute),
      page(t0 + 4 * minute, `${site}/shoes`),
    ])!;
    expect([state.pages, state.events]).toEqual([3, 5]);
  });

  it('takes the section from the first path segment, or the screen name', () => {
    expect(sectionOf('/shoes/red-boots')).toBe('shoes');
    expect(sectionOf('/Shoes/')).toBe('shoes');
    expect(sectionOf('/')).toBe('home');
    expect(sectionOf('')).toBe('home');
    expect(sectionOf(null)).toBeNull();
    expect(run([call('screen', 'Checkout', t0)])!.section).toBe('checkout');
    expect(run([page(t0, `${site}/bags/x`), call('screen', null, t0 + 1)])!.section).toBe('bags');
  });

  it('adds the time between consecutive events to the section of the page before', () => {
    const state = run([
      page(t0, `${site}/shoes/red`),
      call('track', 'Product Viewed', t0 + 10 * second),
      page(t0 + 40 * second, `${site}/bags/x`),
      page(t0 + 100 * second, `${site}/shoes/blue`),
      page(t0 + 130 * second, `${site}/`),
    ])!;
    expect(readSession(state, t0 + 130 * second)['seconds_by_section']).toEqual({ shoes: 70, bags: 60 });
    expect(state.section).toBe('home');
  });

  it('reads sections named __proto__ or constructor back as own fields', () => {
    const state = run([page(t0, `${site}/__proto__/x`), page(t0 + minute, `${site}/constructor`), page(t0 + 2 * minute, `${site}/`)])!;
    const seconds = readSession(state, t0 + 2 * minute)['seconds_by_section'] as Record<string, number>;
    expect(Object.getPrototypeOf(seconds)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(seconds, '__proto__')?.value).toBe(60);
    expect(Object.getOwnPropertyDescriptor(seconds, 'constructor')?.value).toBe(60);
  });

  it('keeps at most 20 sections', () => {
    const state = run(Array.from({ length: 30 }, (_, i) => page(t0 + i * minute, `${site}/s${i}`)))!;
    expect(state.seconds).toHaveLength(20);
  });

  it('does not carry time or the section across sessions', () => {
    const state = run([page(t0, `${site}/shoes`), page(t0 + 2 * hour, `${site}/bags`), page(t0 + 2 * hour + minute, `${site}/`)])!;
    expect(readSession(state, t0 + 2 * hour + minute)['seconds_by_section']).toEqual({ bags: 60 });
  });
});

describe('search terms', () => {
  it('reads them from the URL (q, query, search, s) and from Products Searched and Search events', () => {
    const state = run([
      page(t0, `${site}/search?q=red+shoes`),
      page(t0 + 1, `${site}/search?query=boots`),
      page(t0 + 2, `${site}/?search=%20belt%20`),
      page(t0 + 3, `${site}/?s=hat`),
      page(t0 + 4, `${site}/?q=`),
      call('track', 'Products Searched', t0 + 5, { query: ' sandals ' }),
      call('track', 'Search', t0 + 6, { query: 'socks' }),
      call('track', 'Products Searched', t0 + 7, { query: '' }),
      call('track', 'Products Searched', t0 + 8, { query: 42 }),
      call('track', 'Products Searched', t0 + 9, { query: 'red shoes' }),
    ])!;
    expect(readSession(state, t0 + 10)['search_terms']).toEqual(['red shoes', 'boots', 'belt', 'hat', 'sandals', 'socks']);
  });

  it('keeps the last 10 distinct terms of the session', () => {
    const state = run(Array.from({ length: 14 }, (_, i) => page(t0 + i, `${site}/search?q=term${i}`)))!;
    expect(state.searchTerms).toEqual(Array.from({ length: 10 }, (_, i) => `term${i + 4}`));
    const next = run([page(t0 + hour, `${site}/search?q=new`)], state)!;
    expect(next.searchTerms).toEqual(['new']);
  });
});

describe('entry channel, campaign, referrer and device at session start', () => {
  it('are taken from the first event of the session and kept for the rest of it', () => {
    const state = run([
      page(t0, `${site}/?utm_medium=email&utm_campaign=march-news`, { referrer: 'https://mail.example.net/', userAgent: iphone }),
      page(t0 + minute, `${site}/shoes`, { referrer: 'https://www.facebook.com/', userAgent: desktop }),
    ])!;
    expect(readSession(state, t0 + minute)).toMatchObject({ entry_channel: 'email', utm_campaign: 'march-news', referrer: 'mail.example.net', device_type: 'mobile' });
  });

  it('change with the next session', () => {
    const first = run([page(t0, `${site}/?utm_medium=cpc&utm_campaign=spring`, { referrer: 'https://www.google.com/' })])!;
    const second = run([page(t0 + 31 * minute, `${site}/`, { referrer: 'https://m.facebook.com/', userAgent: iphone })], first)!;
    expect(readSession(second, t0 + 31 * minute)).toMatchObject({ count: 2, entry_channel: 'social', utm_campaign: null, referrer: 'm.facebook.com', device_type: 'mobile' });
  });

  it('prefer context.campaign and context.device to the URL and the user agent', () => {
    const state = run([page(t0, `${site}/?utm_medium=cpc&utm_campaign=url-campaign`, {
      campaign: { name: 'context-campaign', medium: 'social', source: 'facebook' },
      device: { type: 'tablet' },
      userAgent: iphone,
    })])!;
    expect(readSession(state, t0)).toMatchObject({ entry_channel: 'social', utm_campaign: 'context-campaign', device_type: 'tablet' });
  });

  it('read search and referral from the referrer, and direct from no referrer or the site itself', () => {
    const channel = (referrer: string | undefined) => run([page(t0, `${site}/`, referrer === undefined ? {} : { referrer })])!.channel;
    expect(channel('https://www.google.de/search?q=x')).toBe('search');
    expect(channel('https://blog.example.org/post')).toBe('referral');
    expect(channel(`${site}/previous`)).toBe('direct');
    expect(channel(undefined)).toBe('direct');
    expect(channel('not a url at all')).toBe('direct');
  });

  it('are unknown and direct for a server-side call without page or user agent', () => {
    expect(readSession(run([call('track', 'Order Completed', t0)]), t0)).toMatchObject({ entry_channel: 'direct', device_type: 'unknown', referrer: null, utm_campaign: null });
  });
});

describe('late events', () => {
  it('an event older than the session start is ignored and does not reopen an old session', () => {
    const state = run([page(t0, `${site}/shoes`), page(t0 + 2 * hour, `${site}/bags`)])!;
    const before = structuredClone(state);
    expect(updateSession(state, page(t0 + 10 * minute, `${site}/hats`))).toEqual(before);
  });

  it('an event inside the session counts but moves neither the time nor the current section', () => {
    let state = run([page(t0, `${site}/shoes`), page(t0 + 10 * minute, `${site}/bags`)])!;
    state = updateSession(state, page(t0 + 5 * minute, `${site}/hats?q=cap`));
    expect(state).toMatchObject({ pages: 3, events: 3, last: t0 + 10 * minute, section: 'bags', searchTerms: ['cap'] });
    state = updateSession(state, page(t0 + 12 * minute, `${site}/`));
    expect(readSession(state, t0 + 12 * minute)['seconds_by_section']).toEqual({ shoes: 600, bags: 120 });
  });

  it('a late event of the same session decides the split from the newest event', () => {
    const state = run([page(t0, `${site}/`), page(t0 + 20 * minute, `${site}/a`), page(t0 + 10 * minute, `${site}/late`)])!;
    expect(updateSession(structuredClone(state), page(t0 + 49 * minute, `${site}/b`)).count).toBe(1);
    expect(updateSession(structuredClone(state), page(t0 + 51 * minute, `${site}/b`)).count).toBe(2);
  });
});

describe('alias and group calls', () => {
  it('do not extend or change a session', () => {
    const state = run([page(t0, `${site}/`)])!;
    const before = structuredClone(state);
    expect(updateSession(state, call('alias', null, t0 + 20 * minute))).toEqual(before);
    expect(updateSession(state, call('group', null, t0 + 20 * minute))).toEqual(before);
    expect(updateSession(structuredClone(state), page(t0 + 45 * minute, `${site}/`)).count).toBe(2);
  });
});

describe('mergeSessions (identity merges)', () => {
  // An anonymous visitor on a phone, and the known profile they log into.
  const anonymous = () => run([
    page(t0, `${site}/?utm_medium=cpc&utm_campaign=spring`, { referrer: 'https://www.google.com/', userAgent: iphone }),
    page(t0 + 5 * minute, `${site}/shoes/red?q=boots`, { userAgent: iphone }),
    page(t0 + 8 * minute, `${site}/shoes/blue`, { userAgent: iphone }),
  ])!;
  const known = (start: number) => run([
    page(t0 - 3 * day, `${site}/`),                          // an earlier session
    page(start, `${site}/bags?q=tote`, { referrer: 'https://www.facebook.com/' }),
    page(start + 4 * minute, `${site}/account`),
  ])!;

  it('of overlapping sessions: one session, counts and pages added up, entered where the earlier began', () => {
    const a = anonymous();
    const b = known(t0 + 6 * minute);                      // logs in on the desktop while browsing on the phone
    const merged = mergeSessions(b, a)!;
    expect(merged.count).toBe(2);                           // 2 + 1 - the shared visit
    expect(merged).toMatchObject({ start: t0, last: t0 + 10 * minute, pages: 5, events: 5, section: 'account', channel: 'paid', campaign: 'spring', referrer: 'www.google.com', device: 'mobile' });
    expect(readSession(merged, t0 + 10 * minute)).toMatchObject({ active: true, count: 2, returning: true, duration_seconds: 600 });
    expect(new Set(merged.searchTerms)).toEqual(new Set(['boots', 'tote']));
    expect(merged.searchTerms.at(-1)).toBe('tote');
    expect(Object.fromEntries(merged.seconds)).toEqual({ home: 300, shoes: 180, bags: 240 });
    expect(mergeSessions(a, b)).toEqual(merged);
  });

  it('of sessions less than 30 minutes apart: the same visit', () => {
    const merged = mergeSessions(anonymous(), known(t0 + 30 * minute))!;
    expect(merged).toMatchObject({ count: 2, start: t0, pages: 5, channel: 'paid' });
  });

  it('of sessions more than 30 minutes apart: the later continues, all sessions counted', () => {
    const a = anonymous();
    const b = known(t0 + 8 * minute + 30 * minute + 1);
    const merged = mergeSessions(a, b)!;
    expect(merged).toMatchObject({ count: 3, start: b.start, last: b.last, pages: 2, channel: 'social', referrer: 'www.facebook.com', device: 'desktop' });
    expect(merged.searchTerms).toEqual(['tote']);
  });

  it('the merged profile\'s next event more than 30 minutes later starts a new session, counted after both histories', () => {
    const merged = mergeSessions(known(t0 + 6 * minute), anonymous())!;
    const continued = updateSession(structuredClone(merged), page(merged.last + 29 * minute, `${site}/checkout`));
    expect(continued).toMatchObject({ count: 2, pages: 6, start: t0 });
    const next = updateSession(structuredClone(merged), page(merged.last + 31 * minute, `${site}/checkout`));
    expect(next).toMatchObject({ count: 3, pages: 1, start: merged.last + 31 * minute, searchTerms: [] });
    expect(readSession(merged, merged.last + 31 * minute)).toMatchObject({ active: false, count: 3, returning: true });
  });

  it('with no session on one side is the other; does not change its inputs', () => {
    const a = anonymous();
    const b = known(t0 + 6 * minute);
    expect(mergeSessions(null, null)).toBeNull();
    expect(mergeSessions(a, null)).toBe(a);
    expect(mergeSessions(null, b)).toBe(b);
    const [aBefore, bBefore] = [structuredClone(a), structuredClone(b)];
    const merged = mergeSessions(a, b)!;
    updateSession(merged, page(t0 + 11 * minute, `${site}/x?q=more`));
    expect([a, b]).toEqual([aBefore, bBefore]);
  });

  it('keeps at most 10 search terms, the latest session\'s last', () => {
    const a = run(Array.from({ length: 8 }, (_, i) => page(t0 + i, `${site}/?q=a${i}`)))!;
    const b = run(Array.from({ length: 8 }, (_, i) => page(t0 + minute + i, `${site}/?q=b${i}`)))!;
    const merged = mergeSessions(a, b)!;
    expect(merged.searchTerms).toHaveLength(10);
    expect(merged.searchTerms.slice(-8)).toEqual(b.searchTerms);
  });
});

describe('persistence', () => {
  it('a session survives a JSON round trip and keeps working', () => {
    const events = [
      page(t0, `${site}/shoes?q=boots`, { referrer: 'https://www.bing.com/' }),
      page(t0 + minute, `${site}/bags`),
      page(t0 + 3 * minute, `${site}/`),
      page(t0 + hour, `${site}/shoes`),
    ];
    const direct = run(events)!;
    const stored = JSON.parse(JSON.stringify(run(events.slice(0, 2)))) as SessionState;
    expect(run(events.slice(2), stored)).toEqual(direct);
  });
});
