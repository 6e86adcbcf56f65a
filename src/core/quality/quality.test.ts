import { describe, expect, it } from 'vitest';
import typeCases from './propertyType.cases.json' with { type: 'json' };
import { changesType, propertyType, typeAllowed, type ObservedType } from './propertyType.js';
import { aheadOfArrival } from './eventTiming.js';
import { checkTrackingPlan, type TrackingPlan } from './TrackingPlan.js';
import { bucketStart, qualityReport, type QualityInputs } from './qualityReport.js';
import { DAY_MS, eventKey, readEventKey, type QualityCounter } from './qualityCounters.js';

describe('propertyType', () => {
  it.each(typeCases as [string, unknown, ObservedType][])('%s', (_name, value, expected) => {
    expect(propertyType(value)).toBe(expected);
  });

  it('a property sent as a number and as a string changes type; integers and fractions do not; null is no type', () => {
    expect(changesType(['integer', 'numeric_string'])).toBe(true);
    expect(changesType(['integer', 'number', 'null'])).toBe(false);
    expect(changesType(['string', 'null'])).toBe(false);
  });

  it('a numeric string does not pass for a planned number; an integer does', () => {
    expect(typeAllowed('numeric_string', 'number')).toBe(false);
    expect(typeAllowed('numeric_string', 'string')).toBe(true);
    expect(typeAllowed('integer', 'number')).toBe(true);
    expect(typeAllowed('number', 'integer')).toBe(false);
  });
});

describe('aheadOfArrival: what the clock-skew correction clamps', () => {
  it.each([
    ['no timestamp', { originalTimestamp: null, sentAt: null, receivedAt: 1000 }, 0],
    ['a timestamp in the past', { originalTimestamp: 500, sentAt: null, receivedAt: 1000 }, 0],
    ['a timestamp ahead, no sentAt', { originalTimestamp: 91_000, sentAt: null, receivedAt: 1000 }, 90_000],
    ['a fast clock corrected by sentAt is not ahead', { originalTimestamp: 90_000, sentAt: 91_000, receivedAt: 2000 }, 0],
    ['sentAt before the event on the same clock', { originalTimestamp: 10_000, sentAt: 4000, receivedAt: 2000 }, 6000],
  ] as const)('%s', (_name, times, expected) => {
    expect(aheadOfArrival(times)).toBe(expected);
  });
});

describe('checkTrackingPlan', () => {
  it('names the field of a twice-planned event, property and type', () => {
    const plan: TrackingPlan = { events: [
      { event: 'Order Completed', properties: [{ name: 'revenue', type: ['number', 'number'] }, { name: 'revenue' }] },
      { event: 'Order Completed', properties: [] },
    ] };
    expect(checkTrackingPlan(plan).map((p) => p.field)).toEqual(['/events/0/properties/0/type', '/events/0/properties/1/name', '/events/1/event']);
    expect(checkTrackingPlan({ events: [{ event: 'A', properties: [{ name: 'x', required: true }] }] })).toEqual([]);
  });
});

describe('eventKey', () => {
  it('reads back what it wrote, track names with colons included', () => {
    for (const [type, name] of [['track', 'Order: Completed'], ['identify', null], ['page', 'Home']] as const) {
      const back = readEventKey(eventKey(type, name));
      expect(back).toEqual({ type, event: type === 'track' ? name : null });
    }
  });
});

describe('bucketStart', () => {
  it('weeks start on Monday, UTC', () => {
    const thursday = Date.UTC(2026, 11, 3) / DAY_MS;
    expect(new Date(bucketStart(thursday, 'week')).toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(new Date(bucketStart(thursday, 'day')).toISOString()).toBe('2026-12-03T00:00:00.000Z');
    const monday = Date.UTC(2026, 10, 30) / DAY_MS;
    expect(bucketStart(monday, 'week')).toBe(monday * DAY_MS);
  });
});

describe('qualityReport', () => {
  const day = Date.UTC(2026, 11, 1) / DAY_MS;
  const c = (kind: QualityCounter['kind'], subject: string, count: number, detail = '', variant = '', d = day): QualityCounter => ({ day: d, kind, subject, detail, variant, count });
  const inputs: QualityInputs = {
    since: day * DAY_MS, until: (day + 2) * DAY_MS, bucket: 'day',
    volume: [
      { day, type: 'track', name: 'Order Completed', source: 'attune-node', count: 8, over1h: 1, over1d: 0, over7d: 0 },
      { day: day + 1, type: 'track', name: 'Order Completed', source: null, count: 2, over1h: 2, over1d: 2, over7d: 1 },
      { day: day + 1, type: 'identify', name: null, source: null, count: 3, over1h: 0, over1d: 0, over7d: 0 },
    ],
    counters: [
      c('received', 'accepted', 13), c('received', 'duplicate', 1), c('received', 'rejected', 6),
      c('rejected', 'ATTUNE_EVENT_MISSING_IDENTITY', 4, 'requireIdentity'), c('rejected', 'ATTUNE_EVENT_INVALID_TIMESTAMP', 2, 'readTimes'),
      c('event', 'track:Order Completed', 10), c('event', 'track:Signed Up', 3),
      c('property', 'track:Order Completed', 7, 'revenue', 'number'), c('property', 'track:Order Completed', 2, 'revenue', 'numeric_string'),
      c('property', 'track:Order Completed', 1, 'revenue', 'string'), c('property', 'track:Order Completed', 10, 'currency', 'string'),
      c('property', 'track:Order Completed', 4, 'coupon', 'string'),
      c('unreadable', 'properties.revenue', 1, 'malformed_string'),
      c('mergeSkipped', 'merge-limit', 2), c('future', 'track:Order Completed', 1, '', '', day + 1),
    ],
    merges: [{ day: day + 1, count: 5 }],
    identity: { profiles: 40, atMergeCap: 1, maxMergedProfiles: 100 },
    unreadableAllTime: { unreadableNumbers: 3, byProperty: { 'properties.revenue': 3 } },
    plan: { events: [
      { event: 'Order Completed', properties: [{ name: 'revenue', type: 'number', required: true }, { name: 'order_id', type: 'string', required: true }, { name: 'currency', type: 'string' }] },
      { event: 'Product Viewed', properties: [] },
    ] },
  };
  const report = qualityReport(inputs);

  it('counts volume and lateness per bucket from the log rows', () => {
    expect(report.volume.events).toBe(13);
    expect(report.buckets.map((b) => [b.start.slice(0, 10), b.events, b.late.over1h, b.futureDated, b.merges])).toEqual([['2026-12-01', 8, 1, 0, 0], ['2026-12-02', 5, 2, 1, 5]]);
    expect(report.volume.byEvent[0]).toEqual({ type: 'track', event: 'Order Completed', source: 'attune-node', count: 8 });
    expect(report.timing.late).toEqual({ over1h: 3, over1d: 2, over7d: 1 });
  });

  it('gives rejection rates by reason over everything received', () => {
    expect(report.rejections.rate).toBeCloseTo(6 / 20, 12);
    expect(report.rejections.byReason).toEqual([
      { code: 'ATTUNE_EVENT_MISSING_IDENTITY', step: 'requireIdentity', count: 4, rate: 4 / 20 },
      { code: 'ATTUNE_EVENT_INVALID_TIMESTAMP', step: 'readTimes', count: 2, rate: 2 / 20 },
    ]);
  });

  it('shows revenue sent as a number and as strings as a change of type, first', () => {
    expect(report.properties.changingType).toEqual([{ type: 'track', event: 'Order Completed', property: 'revenue', types: { number: 7, numeric_string: 2, string: 1 }, changesType: true }]);
    expect(report.properties.all[0]!.property).toBe('revenue');
    expect(report.properties.unreadableNumbers).toEqual([{ path: 'properties.revenue', reason: 'malformed_string', count: 1 }]);
  });

  it('finds missing required properties, wrong types and what the plan does not name', () => {
    const oc = report.trackingPlan!.events[0]!;
    expect(oc.seen).toBe(10);
    expect(oc.missing).toEqual([{ property: 'order_id', count: 10, rate: 1 }]);
    expect(oc.wrongType).toEqual([{ property: 'revenue', count: 3, types: { numeric_string: 2, string: 1 } }]);
    expect(oc.unplannedProperties).toEqual([{ property: 'coupon', count: 4 }]);
    expect(report.trackingPlan!.events[1]).toEqual({ event: 'Product Viewed', seen: 0, missing: [], wrongType: [], unplannedProperties: [] });
    expect(report.trackingPlan!.unplannedEvents).toEqual([{ event: 'Signed Up', count: 3 }]);
  });

  it('reports identity health and no plan findings without a plan', () => {
    expect(report.identity).toEqual({ merges: 5, skippedMerges: [{ reason: 'merge-limit', count: 2 }], profiles: 40, profilesAtMergeCap: 1, maxMergedProfiles: 100 });
    expect(qualityReport({ ...inputs, plan: null }).trackingPlan).toBeNull();
  });

  it('weekly buckets add the days up', () => {
    const weekly = qualityReport({ ...inputs, bucket: 'week' });
    expect(weekly.buckets.length).toBe(1);
    expect(weekly.buckets[0]!.events).toBe(13);
    expect(weekly.buckets[0]!.rejectionRate).toBeCloseTo(0.3, 12);
  });
});
