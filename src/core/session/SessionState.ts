import type { CallType } from '../events/callTypes.js';
import { deviceType, entryChannel } from './channel.js';

/** Sessions end after 30 minutes without an event (the common analytics convention). */
export const sessionTimeoutMs = 30 * 60_000;
const maxSearchTerms = 10;
const maxSections = 20;

/** The live session of a profile, plus the session count. JSON-serialisable, kept small. */
export interface SessionState {
  /** Sessions so far, this one included. */
  count: number;
  start: number;
  last: number;
  pages: number;
  events: number;
  /** Section of the last page (the first path segment, `/shoes/x` -> `shoes`). */
  section: string | null;
  /** Seconds spent per section this session, counted between consecutive events. */
  seconds: [string, number][];
  searchTerms: string[];
  channel: string;
  campaign: string | null;
  referrer: string | null;
  device: string;
}

export interface SessionEvent {
  readonly type: CallType;
  readonly name: string | null;
  readonly timestamp: number;
  readonly body: Readonly<Record<string, unknown>>;
}

function objectAt(value: unknown, key: string): Record<string, unknown> | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) return null;
  const child = (value as Record<string, unknown>)[key];
  return typeof child === 'object' && child !== null && !Array.isArray(child) ? (child as Record<string, unknown>) : null;
}

function stringAt(value: Record<string, unknown> | null, key: string): string | null {
  if (value === null || !Object.hasOwn(value, key)) return null;
  const s = value[key];
  return typeof s === 'string' && s.length > 0 ? s.slice(0, 500) : null;
}

function parseUrl(text: string | null): URL | null {
  if (text === null) return null;
  try {
    return new URL(text, 'http://unknown.invalid');
  } catch {
    return null;
  }
}

/** Where a page event is: its URL (context.page or properties), path and section. */
function pageOf(event: SessionEvent): { url: URL | null; path: string | null; referrer: string | null } {
  const page = objectAt(objectAt(event.body, 'context'), 'page');
  const props = objectAt(event.body, 'properties');
  const url = parseUrl(stringAt(page, 'url') ?? stringAt(props, 'url'));
  const path = stringAt(page, 'path') ?? stringAt(props, 'path') ?? (url !== null && url.hostname !== 'unknown.invalid' ? url.pathname : null);
  return { url, path, referrer: stringAt(page, 'referrer') ?? stringAt(props, 'referrer') };
}

export function sectionOf(path: string | null): string | null {
  if (path === null) return null;
  const first = path.split('/').find((part) => part.length > 0);
  return first === undefined ? 'home' : first.toLowerCase().slice(0, 100);
}

function searchTerm(event: SessionEvent, url: URL | null): string | null {
  if (event.type === 'track' && (event.name === 'Products Searched' || event.name === 'Search')) {
    const query = stringAt(objectAt(event.body, 'properties'), 'query')?.trim() ?? '';
    return query === '' ? null : query.slice(0, 200);
  }
  if (url === null) return null;
  for (const key of ['q', 'query', 'search', 's']) {
    const term = url.searchParams.get(key);
    if (term !== null && term.trim() !== '') return term.trim().slice(0, 200);
  }
  return null;
}

function startSession(previous: SessionState | null, event: SessionEvent): SessionState {
  const context = objectAt(event.body, 'context');
  const campaign = objectAt(context, 'campaign');
  const { url, referrer } = pageOf(event);
  const referrerUrl = parseUrl(referrer);
  const referrerHost = referrerUrl !== null && referrerUrl.hostname !== 'unknown.invalid' ? referrerUrl.hostname.toLowerCase() : null;
  const ownHost = url !== null && url.hostname !== 'unknown.invalid' ? url.hostname.toLowerCase() : null;
  const medium = stringAt(campaign, 'medium') ?? url?.searchParams.get('utm_medium') ?? null;
  return {
    count: (previous?.count ?? 0) + 1,
    start: event.timestamp,
    last: event.timestamp,
    pages: 0,
    events: 0,
    section: null,
    seconds: [],
    searchTerms: [],
    channel: entryChannel(medium, referrerHost, ownHost),
    campaign: stringAt(campaign, 'name') ?? url?.searchParams.get('utm_campaign') ?? null,
    referrer: referrerHost,
    device: deviceType(stringAt(objectAt(context, 'device'), 'type'), stringAt(context, 'userAgent')),
  };
}

/**
 * Applies an event to the session, in place when it continues the session. A gap of more
 * than 30 minutes starts a new session. Events older than the session's start (late
 * arrivals) count toward the profile's history but do not reopen an old session.
 */
export function updateSession(state: SessionState | null, event: SessionEvent): SessionState {
  if (event.type === 'alias' || event.type === 'group') return state ?? startSession(null, event);
  if (state !== null && event.timestamp < state.start) return state;
  const session = state === null || event.timestamp - state.last > sessionTimeoutMs ? startSession(state, event) : state;
  // A late event inside the session counts, but does not move the session back to its page.
  const inOrder = event.timestamp >= session.last;
  if (session.section !== null && event.timestamp > session.last) {
    // Time since the previous event is time spent in the previous page's section.
    const seconds = (event.timestamp - session.last) / 1000;
    const entry = session.seconds.find((s) => s[0] === session.section);
    if (entry !== undefined) entry[1] += seconds;
    else if (session.seconds.length < maxSections) session.seconds.push([session.section, seconds]);
  }
  session.last = Math.max(session.last, event.timestamp);
  session.events++;
  const { url, path } = pageOf(event);
  if (event.type === 'page' || event.type === 'screen') {
    session.pages++;
    if (inOrder) session.section = event.type === 'screen' ? (event.name?.toLowerCase().slice(0, 100) ?? session.section) : sectionOf(path);
  }
  const term = searchTerm(event, url);
  if (term !== null && !session.searchTerms.includes(term)) {
    session.searchTerms.push(term);
    if (session.searchTerms.length > maxSearchTerms) session.searchTerms.shift();
  }
  return session;
}

/** The session as rules read it (`session.pages`, ...); an expired session reads as a new, empty one. */
export function readSession(state: SessionState | null, now: number): Record<string, unknown> {
  const active = state !== null && now - state.last <= sessionTimeoutMs;
  if (state === null || !active) {
    return {
      active: false, count: (state?.count ?? 0) + 1, is_new: state === null, returning: state !== null,
      pages: 0, events: 0, duration_seconds: 0, section: null, seconds_by_section: {}, search_terms: [],
      entry_channel: null, utm_campaign: null, referrer: null, device_type: null,
    };
  }
  return {
    active: true,
    count: state.count,
    is_new: state.count === 1,
    returning: state.count > 1,
    pages: state.pages,
    events: state.events,
    duration_seconds: (state.last - state.start) / 1000,
    section: state.section,
    seconds_by_section: Object.fromEntries(state.seconds),
    search_terms: [...state.searchTerms],
    entry_channel: state.channel,
    utm_campaign: state.campaign,
    referrer: state.referrer,
    device_type: state.device,
  };
}

/**
 * The session of a profile that absorbs another: the one active more recently continues; if
 * the two overlap (one device browsing, then logging in on another), their counts add up and
 * the entry (channel, campaign, referrer, device) is that of the one that began first.
 */
export function mergeSessions(a: SessionState | null, b: SessionState | null): SessionState | null {
  if (a === null || b === null) return a ?? b;
  const [latest, other] = a.last >= b.last ? [a, b] : [b, a];
  const overlap = latest.start - other.last <= sessionTimeoutMs;
  const merged: SessionState = { ...latest, seconds: latest.seconds.map((s) => [...s] as [string, number]), searchTerms: [...latest.searchTerms] };
  // Two histories of separate sessions, except the one visit they may share.
  merged.count = a.count + b.count - (overlap ? 1 : 0);
  if (overlap) {
    // One visit: it entered where the earlier of the two began.
    const entry = other.start < latest.start ? other : latest;
    merged.start = entry.start;
    merged.channel = entry.channel;
    merged.campaign = entry.campaign;
    merged.referrer = entry.referrer;
    merged.device = entry.device;
    merged.pages += other.pages;
    merged.events += other.events;
    for (const [section, seconds] of other.seconds) {
      const entry = merged.seconds.find((s) => s[0] === section);
      if (entry !== undefined) entry[1] += seconds;
      else if (merged.seconds.length < maxSections) merged.seconds.push([section, seconds]);
    }
    // The latest session's terms last, so that the cap drops the other's first.
    merged.searchTerms = [...other.searchTerms.filter((term) => !latest.searchTerms.includes(term)), ...latest.searchTerms].slice(-maxSearchTerms);
  }
  return merged;
}

/**
 * Built-in session features as read in rules. Listed so that the rules checker knows them
 * (`session` is a closed root) and the docs can show them.
 */
export const sessionFields = {
  'session.active': 'boolean', 'session.count': 'number', 'session.is_new': 'boolean', 'session.returning': 'boolean',
  'session.pages': 'number', 'session.events': 'number', 'session.duration_seconds': 'number', 'session.section': 'string',
  'session.seconds_by_section': 'object', 'session.search_terms': 'list', 'session.entry_channel': 'string',
  'session.utm_campaign': 'string', 'session.referrer': 'string', 'session.device_type': 'string',
} as const;
