import type { DataQualityView } from '../knowledge/dataQuality.js';
import { DAY_MS, readEventKey, type QualityCounter, type PropertyTypeCounts } from './qualityCounters.js';
import { changesType, typeAllowed, type ObservedType } from './propertyType.js';
import type { TrackingPlan } from './TrackingPlan.js';
import { trackingPlanFindings, type TrackingPlanFindings } from './trackingPlanFindings.js';

export type Bucket = 'day' | 'week';

/** One row of the log's volume query: events of one bucket, call type, name and source, with their lateness. */
export interface VolumeRow {
  /** Days since the epoch of the arrival (UTC). */
  readonly day: number;
  readonly type: string;
  readonly name: string | null;
  /** `context.library.name` as sent; null without one. */
  readonly source: string | null;
  readonly count: number;
  readonly over1h: number;
  readonly over1d: number;
  readonly over7d: number;
  /** The events of a day past its cap of distinct keys: name and source not kept (see volumeTally.ts). */
  readonly overflow?: boolean;
}

export interface QualityInputs {
  readonly since: number;
  readonly until: number;
  readonly bucket: Bucket;
  readonly volume: readonly VolumeRow[];
  readonly counters: readonly QualityCounter[];
  /** Merges per day since the epoch, from the merge history. */
  readonly merges: readonly { readonly day: number; readonly count: number }[];
  readonly identity: { readonly profiles: number; readonly atMergeCap: number; readonly maxMergedProfiles: number };
  /** The profiles' unreadable numbers over all time (derived from the log: a rebuild recounts them). */
  readonly unreadableAllTime: DataQualityView;
  readonly plan: TrackingPlan | null;
}

export interface PropertyFinding {
  readonly type: string;
  readonly event: string | null;
  readonly property: string;
  readonly types: PropertyTypeCounts;
  readonly changesType: boolean;
}

/** Where a bucket starts: the UTC day, or the Monday (ISO week) of it. */
export function bucketStart(day: number, bucket: Bucket): number {
  if (bucket === 'day') return day * DAY_MS;
  // 1970-01-01 was a Thursday: day 0 is 3 days after a Monday.
  return (day - ((day + 3) % 7)) * DAY_MS;
}

function add(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

const byCount = <T extends { readonly count: number }>(a: T, b: T): number => b.count - a.count;

function rate(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/**
 * The data-quality report of one workspace over a period: pure assembly of what the log, the
 * merge history and the collect-path counters hold (src/quality/QualityService.ts gathers them).
 * Every list is sorted, so the same inputs give the same report.
 */
export function qualityReport(input: QualityInputs) {
  const bucketOf = (day: number): number => bucketStart(day, input.bucket);
  const iso = (ms: number): string => new Date(ms).toISOString();

  // Volume and lateness, from the log.
  const volumeBuckets = new Map<number, { events: number; late: { over1h: number; over1d: number; over7d: number }; rows: Map<string, number> }>();
  const volumeTotals = new Map<string, number>();
  const late = { over1h: 0, over1d: 0, over7d: 0 };
  for (const row of input.volume) {
    const start = bucketOf(row.day);
    const b = volumeBuckets.get(start) ?? { events: 0, late: { over1h: 0, over1d: 0, over7d: 0 }, rows: new Map<string, number>() };
    volumeBuckets.set(start, b);
    const key = JSON.stringify([row.type, row.name, row.source, row.overflow === true]);
    b.events += row.count;
    add(b.rows, key, row.count);
    add(volumeTotals, key, row.count);
    for (const k of ['over1h', 'over1d', 'over7d'] as const) {
      b.late[k] += row[k];
      late[k] += row[k];
    }
  }
  const volumeRows = (m: Map<string, number>) => [...m].map(([key, count]) => {
    const [type, event, source, overflow] = JSON.parse(key) as [string, string | null, string | null, boolean];
    return { type, event, source, count, ...(overflow ? { overflow } : {}) };
  }).sort((a, b) => byCount(a, b) || a.type.localeCompare(b.type) || (a.event ?? '').localeCompare(b.event ?? '') || (a.source ?? '').localeCompare(b.source ?? ''));
  const totalEvents = [...volumeTotals.values()].reduce((s, n) => s + n, 0);

  // Counters, by kind.
  const received = new Map<number, { accepted: number; duplicate: number; rejected: number }>();
  const rejections = new Map<string, number>();
  const eventCounts = new Map<string, number>();
  const propertyCounts = new Map<string, Map<string, PropertyTypeCounts>>();
  const unreadable = new Map<string, number>();
  const skipped = new Map<string, number>();
  const future = new Map<string, number>();
  const futureBuckets = new Map<number, number>();
  let overflow = 0;
  for (const c of input.counters) {
    const start = bucketOf(c.day);
    switch (c.kind) {
      case 'received': {
        const r = received.get(start) ?? { accepted: 0, duplicate: 0, rejected: 0 };
        if (c.subject === 'accepted' || c.subject === 'duplicate' || c.subject === 'rejected') r[c.subject] += c.count;
        received.set(start, r);
        break;
      }
      case 'rejected': add(rejections, JSON.stringify([c.subject, c.detail]), c.count); break;
      case 'event': add(eventCounts, c.subject, c.count); break;
      case 'property': {
        const props = propertyCounts.get(c.subject) ?? new Map<string, PropertyTypeCounts>();
        propertyCounts.set(c.subject, props);
        const types = props.get(c.detail) ?? {};
        props.set(c.detail, types);
        const t = c.variant as ObservedType;
        types[t] = (types[t] ?? 0) + c.count;
        break;
      }
      case 'unreadable': add(unreadable, JSON.stringify([c.subject, c.detail]), c.count); break;
      case 'mergeSkipped': add(skipped, c.subject, c.count); break;
      case 'future': add(future, c.subject, c.count); futureBuckets.set(start, (futureBuckets.get(start) ?? 0) + c.count); break;
      case 'overflow': overflow += c.count; break;
    }
  }
  const totals = { accepted: 0, duplicate: 0, rejected: 0 };
  for (const r of received.values()) for (const k of ['accepted', 'duplicate', 'rejected'] as const) totals[k] += r[k];
  const receivedAll = totals.accepted + totals.duplicate + totals.rejected;

  const properties: PropertyFinding[] = [];
  for (const [key, props] of propertyCounts) {
    const { type, event } = readEventKey(key);
    for (const [property, types] of props) properties.push({ type, event, property, types, changesType: changesType(Object.keys(types) as ObservedType[]) });
  }
  properties.sort((a, b) => Number(b.changesType) - Number(a.changesType) || a.type.localeCompare(b.type) || (a.event ?? '').localeCompare(b.event ?? '') || a.property.localeCompare(b.property));

  const plan: TrackingPlanFindings | null = input.plan === null ? null : trackingPlanFindings(input.plan, eventCounts, propertyCounts, typeAllowed);

  const bucketStarts = [...new Set([...volumeBuckets.keys(), ...received.keys(), ...futureBuckets.keys(), ...input.merges.map((m) => bucketOf(m.day))])].sort((a, b) => a - b);
  const mergesByBucket = new Map<number, number>();
  for (const m of input.merges) mergesByBucket.set(bucketOf(m.day), (mergesByBucket.get(bucketOf(m.day)) ?? 0) + m.count);

  return {
    since: iso(input.since),
    until: iso(input.until),
    bucket: input.bucket,
    buckets: bucketStarts.map((start) => {
      const v = volumeBuckets.get(start);
      const r = received.get(start) ?? { accepted: 0, duplicate: 0, rejected: 0 };
      return {
        start: iso(start),
        events: v?.events ?? 0,
        byEvent: v === undefined ? [] : volumeRows(v.rows),
        accepted: r.accepted,
        duplicates: r.duplicate,
        rejected: r.rejected,
        rejectionRate: rate(r.rejected, r.accepted + r.duplicate + r.rejected),
        late: v?.late ?? { over1h: 0, over1d: 0, over7d: 0 },
        futureDated: futureBuckets.get(start) ?? 0,
        merges: mergesByBucket.get(start) ?? 0,
      };
    }),
    volume: { events: totalEvents, byEvent: volumeRows(volumeTotals) },
    rejections: {
      received: receivedAll,
      accepted: totals.accepted,
      duplicates: totals.duplicate,
      rejected: totals.rejected,
      rate: rate(totals.rejected, receivedAll),
      byReason: [...rejections].map(([key, count]) => {
        const [code, step] = JSON.parse(key) as [string, string];
        return { code, step, count, rate: rate(count, receivedAll) };
      }).sort((a, b) => byCount(a, b) || a.code.localeCompare(b.code) || a.step.localeCompare(b.step)),
    },
    properties: {
      changingType: properties.filter((p) => p.changesType),
      all: properties,
      unreadableNumbers: [...unreadable].map(([key, count]) => {
        const [path, reason] = JSON.parse(key) as [string, string];
        return { path, reason, count };
      }).sort((a, b) => byCount(a, b) || a.path.localeCompare(b.path) || a.reason.localeCompare(b.reason)),
      unreadableAllTime: input.unreadableAllTime,
    },
    trackingPlan: plan,
    identity: {
      merges: input.merges.reduce((s, m) => s + m.count, 0),
      skippedMerges: [...skipped].map(([reason, count]) => ({ reason, count })).sort((a, b) => byCount(a, b) || a.reason.localeCompare(b.reason)),
      profiles: input.identity.profiles,
      profilesAtMergeCap: input.identity.atMergeCap,
      maxMergedProfiles: input.identity.maxMergedProfiles,
    },
    timing: {
      late,
      futureDated: [...future.values()].reduce((s, n) => s + n, 0),
      futureByEvent: [...future].map(([key, count]) => ({ ...readEventKey(key), count })).sort((a, b) => byCount(a, b) || (a.event ?? a.type).localeCompare(b.event ?? b.type)),
    },
    countersOverflowed: overflow,
  };
}

export type QualityReport = ReturnType<typeof qualityReport>;
