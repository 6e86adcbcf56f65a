const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Hours in a histogram: index 0 is 00:00-00:59 UTC, 23 is 23:00-23:59 UTC. */
export const HOURS = 24;
/** Counts halve every 90 days: last season's habits weigh half as much as this week's. */
export const ACTIVITY_HALF_LIFE_MS = 90 * DAY_MS;
/**
 * The counts are stored as of a time `t` and decayed to a later one (re-based) at most once
 * per 7 days, when an event arrives at least this long after `t`. Re-basing on every event
 * would lose the decay to rounding: over minutes, a count of 10 decays by less than 0.005.
 */
export const ACTIVITY_REBASE_MS = 7 * DAY_MS;
/**
 * Counts that decay below this become 0 when re-based (a single event after about 10 months).
 * Every count of at least 0.1 loses more than 0.005 per re-base, so rounding never stalls the
 * decay and every count reaches 0 eventually.
 */
export const ACTIVITY_MIN_COUNT = 0.1;
/** The most a channel's 24 counts may sum to; beyond it they are scaled down, shares unchanged. */
export const ACTIVITY_MAX_TOTAL = 10_000;

/**
 * The hours at which a profile engages, per channel. Plain JSON, kept in the profile's
 * knowledge document: at most one array of 24 numbers per channel of `ENGAGEMENT_CHANNELS`,
 * each with at most 2 decimals and at most `ACTIVITY_MAX_TOTAL` in sum.
 *
 * The counts are exponentially decayed (`ACTIVITY_HALF_LIFE_MS`) and stored as of `t`: an
 * event at time `e` adds `2^((e - t) / halfLife)`, so reading the counts at `now` is one
 * multiplication by `2^(-(now - t) / halfLife)` (`activityHistogram`).
 *
 * @example { "t": 1774008000000, "h": { "any": [0, 0, 0, 0, 0, 0, 0, 0, 1.02, 3.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] } }
 */
export interface ActivityHours {
  /** The time (ms) the counts are as of. */
  t: number;
  /** Channel -> 24 decayed counts by UTC hour. Channels without counts are absent. */
  h: Record<string, number[]>;
  /** The latest IANA time zone an engagement event named (`context.timezone`, what Segment libraries send). */
  z?: string;
}

/** What `recordActivity` reads of an event; a `CollectedEvent` is one. */
export interface ActivityEvent {
  readonly type: string;
  /** track: the event name; page and screen: the page name. */
  readonly name: string | null;
  readonly context: Readonly<Record<string, unknown>> | null;
  /** When it happened, in ms. */
  readonly timestamp: number;
}

/**
 * One way an event can count for a channel. Every condition present must hold; an absent
 * condition holds for every event.
 */
export interface EngagementRule {
  /** Call types (`track`, `page`, `screen`, ...). */
  readonly types?: readonly string[];
  /** Event names (track) or page names (page, screen), exactly. */
  readonly names?: readonly string[];
  /** Names that never match. */
  readonly exceptNames?: readonly string[];
  /** Values of `context.channel` (compared in lower case); `null` stands for no `context.channel`. */
  readonly contextChannels?: readonly (string | null)[];
  /** Only events sent from a browser (see `fromBrowser`). */
  readonly browser?: boolean;
}

/** Segment's email spec events that mean the person engaged (plus the common `Email Clicked`). */
export const EMAIL_ENGAGEMENT_EVENTS: readonly string[] = ['Email Opened', 'Email Link Clicked', 'Email Clicked'];

/** Segment's email spec events that the email service causes, not the person. */
export const EMAIL_SERVICE_EVENTS: readonly string[] = ['Email Delivered', 'Email Bounced', 'Email Sent'];

/**
 * Which events are engagement on which channel: an event counts for every channel one of
 * whose rules it matches. To add a channel (push, sms, in-app), add an entry here; its
 * histogram appears in the state on its first event.
 */
export const ENGAGEMENT_CHANNELS: Readonly<Record<string, readonly EngagementRule[]>> = {
  email: [
    { types: ['track'], names: EMAIL_ENGAGEMENT_EVENTS },
    { types: ['track', 'page', 'screen'], contextChannels: ['email'], exceptNames: EMAIL_SERVICE_EVENTS },
  ],
  web: [
    { types: ['page'], contextChannels: [null, 'web'] },
    { types: ['track'], contextChannels: ['web'] },
    { types: ['track'], contextChannels: [null], browser: true },
  ],
  // Things the person did. Not identify, group or alias: those are often sent by servers and
  // imports (a CRM import stamps every row with one time), so their hour says nothing of the
  // person; nor what an email service did without them.
  any: [{ types: ['track', 'page', 'screen'], exceptNames: EMAIL_SERVICE_EVENTS }],
};

function own(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
  return (value as Record<string, unknown>)[key];
}

function declaredChannel(event: ActivityEvent): string | null {
  const channel = own(event.context, 'channel');
  return typeof channel === 'string' && channel.trim() !== '' ? channel.trim().toLowerCase() : null;
}

/**
 * Whether an event was sent from a browser: it has `context.page` (analytics.js always sends
 * it), or its library is `analytics.js` (also analytics-next's name), or it has a
 * `context.userAgent` and no `context.app` (mobile libraries send `context.app`).
 */
export function fromBrowser(event: ActivityEvent): boolean {
  const context = event.context;
  const page = own(context, 'page');
  if (typeof page === 'object' && page !== null && !Array.isArray(page)) return true;
  if (own(own(context, 'library'), 'name') === 'analytics.js') return true;
  const userAgent = own(context, 'userAgent');
  return typeof userAgent === 'string' && userAgent !== '' && own(context, 'app') === undefined;
}

function matches(rule: EngagementRule, event: ActivityEvent): boolean {
  if (rule.types !== undefined && !rule.types.includes(event.type)) return false;
  if (rule.names !== undefined && (event.name === null || !rule.names.includes(event.name))) return false;
  if (rule.exceptNames !== undefined && event.name !== null && rule.exceptNames.includes(event.name)) return false;
  if (rule.contextChannels !== undefined && !rule.contextChannels.includes(declaredChannel(event))) return false;
  if (rule.browser === true && !fromBrowser(event)) return false;
  return true;
}

/** The channels an event is engagement on, in the order of `ENGAGEMENT_CHANNELS`. */
export function engagementChannels(event: ActivityEvent): string[] {
  return Object.entries(ENGAGEMENT_CHANNELS)
    .filter(([, rules]) => rules.some((rule) => matches(rule, event)))
    .map(([channel]) => channel);
}

/** The UTC hour (0-23) of an instant. */
export function utcHour(ms: number): number {
  return Math.floor((((ms % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

export function emptyActivityHours(): ActivityHours {
  return { t: 0, h: {} };
}

/** Decays every count to `to`, in place; counts below the minimum and empty channels are dropped. */
function rebase(state: ActivityHours, to: number): void {
  const factor = Math.pow(2, -(to - state.t) / ACTIVITY_HALF_LIFE_MS);
  const kept: Record<string, number[]> = {};
  for (const [channel, counts] of Object.entries(state.h)) {
    const decayed = Array.from({ length: HOURS }, (_, hour) => {
      const value = round2((counts[hour] ?? 0) * factor);
      return value >= ACTIVITY_MIN_COUNT ? value : 0;
    });
    if (decayed.some((value) => value !== 0)) kept[channel] = decayed;
  }
  state.h = kept;
  state.t = to;
}

/** Scales counts down, in place, when their sum passes `ACTIVITY_MAX_TOTAL`. */
function cap(counts: number[]): void {
  const total = counts.reduce((sum, value) => sum + value, 0);
  if (total <= ACTIVITY_MAX_TOTAL) return;
  const scale = ACTIVITY_MAX_TOTAL / total;
  for (let hour = 0; hour < HOURS; hour++) counts[hour] = Math.floor((counts[hour] ?? 0) * scale * 100) / 100;
}

function zeros(): number[] {
  return new Array<number>(HOURS).fill(0);
}

/**
 * Counts an event, in place, into the UTC hour of its timestamp for every channel it is
 * engagement on (`ENGAGEMENT_CHANNELS`). Returns whether the state changed: false for an
 * event that is no engagement, has no finite timestamp, or is so much older than the state
 * that its decayed weight rounds to 0. Events may arrive out of order.
 */
export function recordActivity(state: ActivityHours, event: ActivityEvent): boolean {
  const at = event.timestamp;
  if (!Number.isFinite(at)) return false;
  const channels = engagementChannels(event);
  if (channels.length === 0) return false;
  let changed = false;
  const zone = event.context?.['timezone'];
  if (typeof zone === 'string' && zone.length > 0 && zone.length <= 64 && zone !== state.z) {
    state.z = zone;
    changed = true;
  }
  if (Object.keys(state.h).length === 0) {
    state.t = at;
  } else if (at - state.t >= ACTIVITY_REBASE_MS) {
    rebase(state, at);
    changed = true;
  }
  const weight = Math.pow(2, (at - state.t) / ACTIVITY_HALF_LIFE_MS);
  const hour = utcHour(at);
  for (const channel of channels) {
    const counts = state.h[channel] ?? zeros();
    const before = counts[hour] ?? 0;
    const after = round2(before + weight);
    if (after === before) continue;
    counts[hour] = after;
    cap(counts);
    state.h[channel] = counts;
    changed = true;
  }
  return changed;
}

/**
 * A channel's counts decayed to `now` (to 2 decimals), for `bestSendTime`; undefined when the
 * profile has none on that channel.
 */
export function activityHistogram(state: ActivityHours, channel: string, now: number): number[] | undefined {
  if (!Object.hasOwn(state.h, channel)) return undefined;
  const counts = state.h[channel];
  if (counts === undefined) return undefined;
  const factor = Math.pow(2, -Math.max(0, now - state.t) / ACTIVITY_HALF_LIFE_MS);
  return Array.from({ length: HOURS }, (_, hour) => round2((counts[hour] ?? 0) * factor));
}

/** The state of two profiles that merge: both decayed to the later time, then added. */
export function mergeActivityHours(a: ActivityHours, b: ActivityHours): ActivityHours {
  const copy = (state: ActivityHours): ActivityHours => ({
    t: state.t,
    h: Object.fromEntries(Object.entries(state.h).map(([channel, counts]) => [channel, [...counts]])),
    ...(state.z === undefined ? {} : { z: state.z }),
  });
  const empty = (state: ActivityHours): boolean => Object.keys(state.h).length === 0;
  if (empty(b)) return copy(a);
  if (empty(a)) return copy(b);
  const [later, earlier] = a.t >= b.t ? [copy(a), copy(b)] : [copy(b), copy(a)];
  if (later.z === undefined && earlier.z !== undefined) later.z = earlier.z;
  rebase(earlier, later.t);
  for (const [channel, counts] of Object.entries(earlier.h)) {
    const into = later.h[channel] ?? zeros();
    for (let hour = 0; hour < HOURS; hour++) into[hour] = round2((into[hour] ?? 0) + (counts[hour] ?? 0));
    cap(into);
    later.h[channel] = into;
  }
  return later;
}
