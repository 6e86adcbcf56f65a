import { describe, expect, it } from 'vitest';
import { eventsPerMinuteBySource, qualityWarnings, recentEventsPerMinute, type QualityView } from './overviewFigures.js';

const day = 86_400_000;
const since = Date.parse('2026-12-01T00:00:00Z');

/** A quality report over three days with the given buckets; everything else empty. */
function report(buckets: { start: string; byEvent: { source: string | null; count: number }[] }[], extra: Partial<QualityView> = {}): QualityView {
  const late = { over1h: 0, over1d: 0, over7d: 0 };
  return {
    since: new Date(since).toISOString(), until: new Date(since + 3 * day).toISOString(), bucket: 'day',
    buckets: buckets.map((b) => ({
      start: b.start, events: 0, byEvent: b.byEvent.map((r) => ({ type: 'track', event: 'e', ...r })),
      accepted: 0, duplicates: 0, rejected: 0, rejectionRate: null, late, futureDated: 0, merges: 0,
    })),
    volume: { events: 0, byEvent: [] },
    rejections: { received: 0, accepted: 0, duplicates: 0, rejected: 0, rate: null, byReason: [] },
    properties: { changingType: [], all: [], unreadableNumbers: [], unreadableAllTime: {} as QualityView['properties']['unreadableAllTime'] },
    trackingPlan: null,
    identity: { merges: 0, skippedMerges: [], profiles: 0, profilesAtMergeCap: 0, maxMergedProfiles: 0 },
    timing: { late, futureDated: 0, futureByEvent: [] },
    countersOverflowed: 0,
    ...extra,
  };
}

describe('eventsPerMinuteBySource', () => {
  it('divides each day\'s count by its minutes, today\'s by the minutes gone, and fills days without events with 0', () => {
    const r = report([
      { start: '2026-12-01T00:00:00.000Z', byEvent: [{ source: 'analytics.js', count: 1440 }, { source: null, count: 2880 }] },
      { start: '2026-12-03T00:00:00.000Z', byEvent: [{ source: 'analytics.js', count: 60 }] },
    ]);
    // Noon of the third day: 720 minutes gone.
    const rates = eventsPerMinuteBySource(r, since + 2 * day + day / 2);
    expect(rates.times).toEqual([since / 1000, (since + day) / 1000, (since + 2 * day) / 1000]);
    expect(rates.series).toEqual([
      { label: 'analytics.js', values: [1, 0, 0.08] },
      { label: 'unnamed', values: [2, 0, 0] },
    ]);
    expect(rates.latest).toEqual([{ source: 'analytics.js', perMinute: 0.08 }, { source: 'unnamed', perMinute: 0 }]);
  });

  it('has no series without events', () => {
    expect(eventsPerMinuteBySource(report([]), since).series).toEqual([]);
  });
});

describe('recentEventsPerMinute', () => {
  it('gives a point per minute and source, sources by name, the overflow as other sources, and the last five minutes\' average as the latest rate', () => {
    const rates = recentEventsPerMinute({
      since: '2026-12-01T10:00:00.000Z', minutes: 6,
      bySource: [
        { source: null, overflow: false, perMinute: [1, 0, 0, 0, 0, 0] },
        { source: 'web', overflow: false, perMinute: [30, 42, 5, 0, 3, 1] },
        { source: null, overflow: true, perMinute: [0, 2, 1, 0, 0, 0] },
      ],
    });
    const t = Date.parse('2026-12-01T10:00:00Z') / 1000;
    expect(rates.times).toEqual([t, t + 60, t + 120, t + 180, t + 240, t + 300]);
    expect(rates.series).toEqual([
      { label: 'other sources', values: [0, 2, 1, 0, 0, 0] },
      { label: 'unnamed', values: [1, 0, 0, 0, 0, 0] },
      { label: 'web', values: [30, 42, 5, 0, 3, 1] },
    ]);
    expect(rates.latest).toEqual([{ source: 'other sources', perMinute: 0.6 }, { source: 'unnamed', perMinute: 0 }, { source: 'web', perMinute: 10.2 }]);
  });

  it('averages the minutes there are when fewer than five, and has no series without events', () => {
    expect(recentEventsPerMinute({ since: '2026-12-01T10:00:00.000Z', minutes: 2, bySource: [{ source: 'web', overflow: false, perMinute: [4, 1] }] }).latest).toEqual([{ source: 'web', perMinute: 2.5 }]);
    expect(recentEventsPerMinute({ since: '2026-12-01T10:00:00.000Z', minutes: 60, bySource: [] }).series).toEqual([]);
  });
});

describe('qualityWarnings', () => {
  it('is empty when all is well, and says in words what is not', () => {
    expect(qualityWarnings(report([]))).toEqual([]);
    const r = report([], {
      properties: {
        changingType: [{ type: 'track', event: 'Order Completed', property: 'revenue', types: { number: 3, numeric_string: 1 }, changesType: true }],
        all: [], unreadableNumbers: [{ path: 'properties.revenue', reason: 'not a number', count: 2 }], unreadableAllTime: {} as QualityView['properties']['unreadableAllTime'],
      },
      timing: { late: { over1h: 5, over1d: 2, over7d: 0 }, futureDated: 1, futureByEvent: [] },
    });
    expect(qualityWarnings(r)).toEqual([
      '"revenue" of Order Completed arrived with more than one type (number: 3, numeric_string: 1)',
      '2 values of properties.revenue could not be read as numbers (not a number)',
      '2 events arrived more than a day late',
      '1 events were dated in the future',
    ]);
  });
});
