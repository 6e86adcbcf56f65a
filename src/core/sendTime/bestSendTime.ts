import { HOURS, utcHour } from './ActivityHours.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The workspace's histogram weighs as much as this many of the profile's own events. */
export const DEFAULT_PRIOR_STRENGTH = 20;
/** The local hour to send at when neither the profile nor the workspace has any data. */
export const DEFAULT_HOUR_LOCAL = 10;
/**
 * Each hour's share is spread over its neighbours (circularly: 23:00 and 00:00 are
 * neighbours) before the best hour is taken: opening at 9:55 and at 10:05 is one habit, and
 * without it a profile split 5/5 between 9:00 and 10:00 would lose to 6 events at 15:00.
 */
export const NEIGHBOUR_KERNEL: readonly [number, number, number] = [0.25, 0.5, 0.25];

/**
 * Why this hour: the profile's own events carry at least half the weight (`profile`, at least
 * `priorStrength` events), some of it (`blended`), none (`workspace`), or there is no data
 * at all (`default`: the default local hour).
 */
export type SendTimeBasis = 'profile' | 'blended' | 'workspace' | 'default';

export interface BestSendTimeInput {
  /** The profile's decayed counts per UTC hour (`activityHistogram`); undefined when it has none. */
  readonly profile?: readonly number[] | undefined;
  /** The workspace's counts per UTC hour (`sumHistograms` of its profiles); undefined when none. */
  readonly workspace?: readonly number[] | undefined;
  /** How many profile events the workspace's histogram weighs as (default 20; 0 turns the blend off). */
  readonly priorStrength?: number | undefined;
  /** The profile's IANA time zone; UTC when missing or unknown. */
  readonly timeZone: string | null | undefined;
  readonly now: number;
  /** The local hour (integer 0-23) for the `default` basis (default 10). */
  readonly defaultHourLocal?: number | undefined;
}

export interface BestSendTime {
  /** The best hour, in UTC (0-23). */
  readonly hourUtc: number;
  /** The local hour, in the time zone, at which that UTC hour starts next (`nextSendAt`). */
  readonly hourLocal: number;
  /** The local time `HH:MM` of `nextSendAt`: `09:30` in a zone half an hour off UTC. */
  readonly localTime: string;
  /** The time zone used: the one given, or `UTC` when it was missing or unknown. */
  readonly timeZone: string;
  /** The next start of `hourUtc` strictly after `now`, in ms. */
  readonly nextSendAt: number;
  readonly basis: SendTimeBasis;
  /** The profile's (decayed) events, to 2 decimals. */
  readonly profileEvents: number;
  /** The smoothed shares per UTC hour, summing to 1; `hourUtc` has the largest (uniform shares on the `default` basis). */
  readonly histogram: number[];
}

/** Non-negative finite counts, exactly 24 (missing ones are 0, extra ones ignored). */
function counts(histogram: readonly number[] | undefined): number[] {
  return Array.from({ length: HOURS }, (_, hour) => {
    const value = histogram?.[hour];
    return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
  });
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);
const round2 = (value: number): number => Math.round(value * 100) / 100;

/**
 * The element-wise sum of 24-hour histograms (to 2 decimals), e.g. of every profile's
 * `activityHistogram` for a channel, to make the workspace's histogram. Missing histograms
 * and invalid counts are skipped.
 */
export function sumHistograms(histograms: Iterable<readonly number[] | undefined>): number[] {
  const total = new Array<number>(HOURS).fill(0);
  for (const histogram of histograms) {
    const clean = counts(histogram);
    for (let hour = 0; hour < HOURS; hour++) total[hour]! += clean[hour]!;
  }
  return total.map(round2);
}

/** Circular convolution with `NEIGHBOUR_KERNEL`; preserves the sum. */
function smooth(shares: readonly number[]): number[] {
  const [before, self, after] = NEIGHBOUR_KERNEL;
  return shares.map((share, hour) => before * shares[(hour + HOURS - 1) % HOURS]! + self * share + after * shares[(hour + 1) % HOURS]!);
}

/** The largest value's index; ties (within 1e-12, for rounding) go to the lowest, the earliest UTC hour. */
function argmax(values: readonly number[]): number {
  const max = Math.max(...values);
  return Math.max(0, values.findIndex((value) => value >= max - 1e-12));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A formatter of local `HH:MM` in the zone, and the zone's name; UTC for a missing or unknown zone. */
function zone(timeZone: string | null | undefined): { name: string; formatter: Intl.DateTimeFormat } {
  const name = typeof timeZone === 'string' && timeZone.trim() !== '' ? timeZone.trim() : 'UTC';
  let formatter = formatters.get(name);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', { timeZone: name, calendar: 'gregory', numberingSystem: 'latn', hourCycle: 'h23', hour: '2-digit', minute: '2-digit' });
    } catch {
      return zone('UTC');
    }
    // Zones come from profiles: keep the memo small.
    if (formatters.size >= 256) formatters.clear();
    formatters.set(name, formatter);
  }
  return { name, formatter };
}

function localTime(ms: number, formatter: Intl.DateTimeFormat): { hour: number; text: string } {
  let hour = '00';
  let minute = '00';
  for (const part of formatter.formatToParts(ms)) {
    if (part.type === 'hour') hour = part.value;
    else if (part.type === 'minute') minute = part.value;
  }
  return { hour: Number(hour) % 24, text: `${hour.padStart(2, '0')}:${minute.padStart(2, '0')}` };
}

/** The next start of a UTC hour strictly after `now`. */
function nextStart(hourUtc: number, now: number): number {
  const start = Math.floor(now / DAY_MS) * DAY_MS + hourUtc * HOUR_MS;
  return start > now ? start : start + DAY_MS;
}

/**
 * The first start of a UTC hour strictly after `now` that falls in a local hour: 10:00 in
 * Zurich, 10:30 in Kolkata (UTC+05:30). Searching the next hours, rather than converting with
 * today's offset, gets it right across a change of summer time; a local hour skipped by the
 * change (02:00 on a spring-forward night) is found the next day.
 */
function nextLocal(hourLocal: number, now: number, formatter: Intl.DateTimeFormat): number {
  const first = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
  for (let i = 0; i < 72; i++) {
    const start = first + i * HOUR_MS;
    if (localTime(start, formatter).hour === hourLocal) return start;
  }
  return nextStart(hourLocal, now);
}

/**
 * The best hour to send to a profile: the hour at which it engaged most, smoothed toward the
 * workspace's habits when it has few events.
 *
 * Dirichlet smoothing: the posterior count of each hour is the profile's count plus
 * `priorStrength` times the workspace's share of that hour (a uniform share when the
 * workspace has no data). Its shares are then spread over neighbouring hours
 * (`NEIGHBOUR_KERNEL`, circular) and the largest is the best hour; ties go to the earliest
 * UTC hour. Without profile data the workspace's shares decide; with no data at all the
 * answer is `defaultHourLocal` in the profile's time zone (the `default` basis, with uniform
 * shares).
 *
 * Never throws: invalid counts count as 0, an invalid `priorStrength` as the default, an
 * invalid `defaultHourLocal` (not an integer 0-23) as 10, an unknown time zone as UTC.
 */
export function bestSendTime(input: BestSendTimeInput): BestSendTime {
  const strength = typeof input.priorStrength === 'number' && Number.isFinite(input.priorStrength) && input.priorStrength >= 0 ? input.priorStrength : DEFAULT_PRIOR_STRENGTH;
  const defaultHour = typeof input.defaultHourLocal === 'number' && Number.isInteger(input.defaultHourLocal) && input.defaultHourLocal >= 0 && input.defaultHourLocal < HOURS ? input.defaultHourLocal : DEFAULT_HOUR_LOCAL;
  const { name, formatter } = zone(input.timeZone);
  const profile = counts(input.profile);
  const workspace = counts(input.workspace);
  const profileTotal = sum(profile);
  const workspaceTotal = sum(workspace);

  const answer = (hourUtc: number, nextSendAt: number, basis: SendTimeBasis, histogram: number[]): BestSendTime => {
    const local = localTime(nextSendAt, formatter);
    return { hourUtc, hourLocal: local.hour, localTime: local.text, timeZone: name, nextSendAt, basis, profileEvents: round2(profileTotal), histogram };
  };

  if (profileTotal === 0 && workspaceTotal === 0) {
    const nextSendAt = nextLocal(defaultHour, input.now, formatter);
    return answer(utcHour(nextSendAt), nextSendAt, 'default', new Array<number>(HOURS).fill(1 / HOURS));
  }
  const prior = workspaceTotal > 0 ? workspace.map((count) => count / workspaceTotal) : new Array<number>(HOURS).fill(1 / HOURS);
  const posterior = profileTotal === 0 ? prior : profile.map((count, hour) => count + strength * prior[hour]!);
  const total = sum(posterior);
  const histogram = smooth(posterior.map((count) => count / total));
  const hourUtc = argmax(histogram);
  const basis: SendTimeBasis = profileTotal === 0 ? 'workspace' : profileTotal >= strength ? 'profile' : 'blended';
  return answer(hourUtc, nextStart(hourUtc, input.now), basis, histogram);
}
