import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../common/random.js';
import cases from './ActivityHours.cases.json' with { type: 'json' };
import {
  ACTIVITY_HALF_LIFE_MS, ACTIVITY_MAX_TOTAL, ACTIVITY_MIN_COUNT, ACTIVITY_REBASE_MS, ENGAGEMENT_CHANNELS, HOURS,
  activityHistogram, emptyActivityHours, engagementChannels, mergeActivityHours, recordActivity, utcHour,
  type ActivityEvent, type ActivityHours,
} from './ActivityHours.js';

const hour = 3_600_000;
const day = 24 * hour;
const at = (iso: string): number => Date.parse(iso);
const T0 = at('2026-03-20T09:15:00Z');

const open = (timestamp: number): ActivityEvent => ({ type: 'track', name: 'Email Opened', context: null, timestamp });
const view = (timestamp: number): ActivityEvent => ({ type: 'page', name: 'Home', context: { page: { path: '/' } }, timestamp });

function hours(sparse: Readonly<Record<number, number>>): number[] {
  const counts = new Array<number>(HOURS).fill(0);
  for (const [h, count] of Object.entries(sparse)) counts[Number(h)] = count;
  return counts;
}

/** Decayed counts computed from every event, for reference. */
function exact(times: readonly number[], now: number): number[] {
  const counts = new Array<number>(HOURS).fill(0);
  for (const t of times) counts[utcHour(t)]! += Math.pow(2, -(now - t) / ACTIVITY_HALF_LIFE_MS);
  return counts;
}

/** `[name, event without timestamp, expected channels]` */
type ChannelCase = readonly [string, Omit<ActivityEvent, 'timestamp'>, readonly string[]];

describe('engagementChannels (ActivityHours.cases.json)', () => {
  it.each(cases.engagementChannels as unknown as readonly ChannelCase[])('%s', (_name, event, expected) => {
    expect(engagementChannels({ ...event, timestamp: T0 })).toEqual(expected);
  });

  it('knows only the channels of the table', () => {
    expect(Object.keys(ENGAGEMENT_CHANNELS)).toEqual(['email', 'web', 'any']);
  });
});

describe('utcHour', () => {
  it.each([
    ['2026-03-20T00:00:00.000Z', 0],
    ['2026-03-20T09:59:59.999Z', 9],
    ['2026-03-20T23:59:59.999Z', 23],
    ['1969-12-31T23:30:00Z', 23],
  ] as const)('%s is hour %i', (iso, expected) => {
    expect(utcHour(at(iso))).toBe(expected);
  });
});

describe('recordActivity', () => {
  it('counts an engagement event into the UTC hour of its timestamp, for each of its channels', () => {
    const state = emptyActivityHours();
    expect(recordActivity(state, open(T0))).toBe(true);
    expect(state).toEqual({ t: T0, h: { email: hours({ 9: 1 }), any: hours({ 9: 1 }) } });
    expect(recordActivity(state, view(T0 + 30 * 60_000))).toBe(true); // 09:45
    expect(recordActivity(state, view(T0 + 2 * hour))).toBe(true); // 11:15
    expect(state).toEqual({ t: T0, h: { email: hours({ 9: 1 }), any: hours({ 9: 2, 11: 1 }), web: hours({ 9: 1, 11: 1 }) } });
  });

  it('ignores events that are no engagement, or have no valid time, and says so', () => {
    const state = emptyActivityHours();
    recordActivity(state, open(T0));
    const before = structuredClone(state);
    expect(recordActivity(state, { type: 'identify', name: null, context: null, timestamp: T0 + hour })).toBe(false);
    expect(recordActivity(state, { type: 'track', name: 'Email Delivered', context: null, timestamp: T0 + hour })).toBe(false);
    expect(recordActivity(state, open(Number.NaN))).toBe(false);
    expect(recordActivity(state, open(Number.POSITIVE_INFINITY))).toBe(false);
    expect(state).toEqual(before);
  });

  it('stores counts as of the state time: a later event within the re-base period weighs 2^(age / half-life)', () => {
    const state = emptyActivityHours();
    recordActivity(state, open(T0));
    recordActivity(state, open(T0 + day));
    // 1 + 2^(1/90) = 2.0077, as of T0.
    expect(state).toEqual({ t: T0, h: { email: hours({ 9: 2.01 }), any: hours({ 9: 2.01 }) } });
    // Read a day later: 2^(-1/90) + 1 = 1.9923.
    expect(activityHistogram(state, 'email', T0 + day)).toEqual(hours({ 9: 1.99 }));
  });

  it('halves the counts every 90 days', () => {
    const state = emptyActivityHours();
    recordActivity(state, open(T0)); // 09:15
    recordActivity(state, open(T0 + 90 * day + 6 * hour)); // 15:15, 90 days and 6 hours later
    expect(state.t).toBe(T0 + 90 * day + 6 * hour);
    expect(state.h['email']).toEqual(hours({ 9: 0.5, 15: 1 }));
    expect(activityHistogram(state, 'email', T0 + 180 * day + 6 * hour)).toEqual(hours({ 9: 0.25, 15: 0.5 }));
    expect(activityHistogram(state, 'web', T0 + 180 * day)).toBeUndefined();
  });

  it('re-bases at most once per ACTIVITY_REBASE_MS', () => {
    const state = emptyActivityHours();
    recordActivity(state, open(T0));
    recordActivity(state, open(T0 + ACTIVITY_REBASE_MS - 1));
    expect(state.t).toBe(T0);
    recordActivity(state, open(T0 + ACTIVITY_REBASE_MS));
    expect(state.t).toBe(T0 + ACTIVITY_REBASE_MS);
  });

  it('reads counts at a time before the state time as of the state time', () => {
    const state = emptyActivityHours();
    recordActivity(state, open(T0));
    expect(activityHistogram(state, 'email', T0 - 30 * day)).toEqual(hours({ 9: 1 }));
  });

  it('counts late events at their decayed weight, and ignores those too old to weigh 0.01', () => {
    const state = emptyActivityHours();
    recordActivity(state, open(T0 + 10 * day));
    expect(recordActivity(state, open(T0))).toBe(true);
    // 1 + 2^(-10/90) = 1.9259
    expect(state).toEqual({ t: T0 + 10 * day, h: { email: hours({ 9: 1.93 }), any: hours({ 9: 1.93 }) } });
    const before = structuredClone(state);
    expect(recordActivity(state, open(T0 - 3 * 365 * day))).toBe(false); // weighs 0.0003
    expect(state).toEqual(before);
  });

  it('forgets a single event after about 10 months, and a channel with no counts left', () => {
    const state = emptyActivityHours();
    recordActivity(state, open(T0));
    recordActivity(state, view(T0 + 290 * day + 4 * hour));
    expect(state.h['email']).toEqual(hours({ 9: 0.11 })); // 2^(-290/90) = 0.107
    recordActivity(state, view(T0 + 310 * day + 4 * hour));
    expect(state.h['email']).toBeUndefined(); // 0.11 * 2^(-20/90) = 0.094 < ACTIVITY_MIN_COUNT
    expect(state.h['any']).toEqual(hours({ 13: 1.86 })); // 1 * 2^(-20/90) + 1
    expect(ACTIVITY_MIN_COUNT).toBe(0.1);
  });

  it('rounding never stalls the decay: an old habit fades to 0 under daily activity', () => {
    const state = emptyActivityHours();
    const times: number[] = [];
    for (let d = 0; d < 100; d++) times.push(T0 + d * day); // 09:15 for 100 days
    for (let d = 100; d < 100 + 3 * 365; d++) times.push(T0 + d * day + 6 * hour); // then 15:15 for 3 years
    times.forEach((t, i) => {
      recordActivity(state, open(t));
      if (i === 99 + 365) {
        // A year after the habit changed, both hours are close to the exact decayed counts.
        const now = t;
        const read = activityHistogram(state, 'email', now)!;
        const reference = exact(times.slice(0, i + 1), now);
        for (const h of [9, 15]) expect(Math.abs(read[h]! - reference[h]!)).toBeLessThan(0.01 * reference[h]! + 0.05);
      }
    });
    const read = activityHistogram(state, 'email', times[times.length - 1]!)!;
    expect(read[9]).toBe(0);
    expect(read[15]).toBeGreaterThan(120); // steady state of one a day: 1 / (1 - 2^(-1/90)) = 130.3
    expect(read[15]).toBeLessThan(131);
  });

  it('caps a channel at ACTIVITY_MAX_TOTAL, keeping its shares', () => {
    const state = emptyActivityHours();
    for (let i = 0; i < 16_000; i++) recordActivity(state, open(T0 + (i % 4 === 3 ? 3 * hour : 0))); // 3:1 between 09:15 and 12:15
    for (const counts of Object.values(state.h)) {
      const total = counts.reduce((a, b) => a + b, 0);
      expect(total).toBeLessThanOrEqual(ACTIVITY_MAX_TOTAL);
      expect(total).toBeGreaterThan(ACTIVITY_MAX_TOTAL - 5);
      expect(counts[9]! / counts[12]!).toBeCloseTo(3, 2);
    }
  });

  const stream = fc.array(
    fc.record({
      gap: fc.oneof(fc.integer({ min: 0, max: hour }), fc.integer({ min: 0, max: 3 * day }), fc.integer({ min: 0, max: 60 * day })),
      jitter: fc.oneof(fc.constant(0), fc.integer({ min: -20 * day, max: 0 })),
      kind: fc.constantFrom('open', 'view', 'identify'),
    }),
    { minLength: 1, maxLength: 400 },
  );

  it('stays small, bounded and close to the exact decayed counts (random streams)', () => {
    fc.assert(fc.property(stream, (events) => {
      const state = emptyActivityHours();
      const times: Record<string, number[]> = { email: [], web: [], any: [] };
      let clock = T0;
      for (const e of events) {
        clock += e.gap;
        const t = clock + e.jitter;
        const event: ActivityEvent = e.kind === 'open' ? open(t) : e.kind === 'view' ? view(t) : { type: 'identify', name: null, context: null, timestamp: t };
        recordActivity(state, event);
        for (const channel of engagementChannels(event)) times[channel]!.push(t);
      }
      expect(Object.keys(state.h).every((channel) => Object.hasOwn(ENGAGEMENT_CHANNELS, channel))).toBe(true);
      for (const counts of Object.values(state.h)) {
        expect(counts).toHaveLength(HOURS);
        expect(counts.every((c) => c >= 0 && Math.abs(Math.round(c * 100) - c * 100) < 1e-6)).toBe(true);
        expect(counts.some((c) => c > 0)).toBe(true);
      }
      expect(JSON.stringify(state).length).toBeLessThanOrEqual(600);
      expect(JSON.parse(JSON.stringify(state))).toEqual(state);
      const now = clock;
      for (const [channel, list] of Object.entries(times)) {
        const read = activityHistogram(state, channel, now) ?? new Array<number>(HOURS).fill(0);
        const reference = exact(list, now);
        const perHour = new Array<number>(HOURS).fill(0);
        for (const t of list) perHour[utcHour(t)]! += 1;
        for (let h = 0; h < HOURS; h++) {
          // Each write rounds to 0.005 and a re-base may drop a count below ACTIVITY_MIN_COUNT.
          expect(Math.abs(read[h]! - reference[h]!)).toBeLessThanOrEqual(ACTIVITY_MIN_COUNT + 0.01 + 0.006 * perHour[h]!);
        }
      }
    }), { numRuns: 150 });
  });

  it('a year of daily activity on three channels is a few hundred bytes of JSON', () => {
    const random = seededRandom(7);
    const state = emptyActivityHours();
    for (let d = 0; d < 365; d++) {
      for (let i = 0; i < 3; i++) {
        const t = T0 + d * day + Math.floor(random.next() * 14 * hour);
        recordActivity(state, random.next() < 0.3 ? open(t) : view(t));
      }
    }
    expect(Object.keys(state.h).sort()).toEqual(['any', 'email', 'web']);
    expect(JSON.stringify(state).length).toBeLessThan(500);
    // About the largest possible: every count of every channel 6 characters, summing to the cap.
    const largest: ActivityHours = { t: T0, h: Object.fromEntries(Object.keys(ENGAGEMENT_CHANNELS).map((c) => [c, new Array<number>(HOURS).fill(416.66)])) };
    expect(JSON.stringify(largest).length).toBeLessThan(600);
  });
});

describe('mergeActivityHours', () => {
  it('decays both states to the later time and adds them', () => {
    const a = emptyActivityHours();
    recordActivity(a, open(T0));
    const b = emptyActivityHours();
    recordActivity(b, view(T0 + 90 * day + 6 * hour));
    const merged = mergeActivityHours(a, b);
    expect(merged).toEqual({ t: T0 + 90 * day + 6 * hour, h: { any: hours({ 9: 0.5, 15: 1 }), web: hours({ 15: 1 }), email: hours({ 9: 0.5 }) } });
    expect(mergeActivityHours(b, a)).toEqual(merged);
    // The inputs are not changed.
    expect(a).toEqual({ t: T0, h: { email: hours({ 9: 1 }), any: hours({ 9: 1 }) } });
  });

  it('is what recording all events in one state gives', () => {
    const a = emptyActivityHours();
    const b = emptyActivityHours();
    const both = emptyActivityHours();
    for (let d = 0; d < 60; d += 3) {
      recordActivity(a, open(T0 + d * day));
      recordActivity(b, view(T0 + d * day + 5 * hour));
    }
    for (let d = 0; d < 60; d += 3) recordActivity(both, open(T0 + d * day));
    for (let d = 0; d < 60; d += 3) recordActivity(both, view(T0 + d * day + 5 * hour));
    const merged = mergeActivityHours(a, b);
    for (const channel of ['email', 'web', 'any']) {
      const x = activityHistogram(merged, channel, T0 + 60 * day)!;
      const y = activityHistogram(both, channel, T0 + 60 * day)!;
      x.forEach((value, h) => expect(Math.abs(value - y[h]!)).toBeLessThanOrEqual(0.05));
    }
  });

  it('copies a state merged with an empty one', () => {
    const a = emptyActivityHours();
    recordActivity(a, open(T0));
    const merged = mergeActivityHours(a, emptyActivityHours());
    expect(merged).toEqual(a);
    merged.h['email']![9] = 5;
    expect(a.h['email']![9]).toBe(1);
    expect(mergeActivityHours(emptyActivityHours(), a)).toEqual(a);
  });
});
