import type { Static } from 'typebox';
import type { QualityReport, QualityTraffic } from '../../api/qualitySchemas.js';

export type QualityView = Static<typeof QualityReport>;
export type TrafficView = Static<typeof QualityTraffic>;

export interface SourceRates {
  /** Unix seconds of each bucket's start. */
  readonly times: number[];
  /** Per source (`context.library.name`; `unnamed` without one), events per minute in each bucket. */
  readonly series: { label: string; values: number[] }[];
  /** Per source, events per minute in the latest bucket so far. */
  readonly latest: { source: string; perMinute: number }[];
}

const minutesPerDay = 24 * 60;

/** A source's name on the chart: `unnamed` without one, `other sources` for the minute's overflow. */
const sourceLabel = (row: { readonly source: string | null; readonly overflow?: boolean }) => (row.overflow === true ? 'other sources' : row.source ?? 'unnamed');

/** How many of the latest minutes (the current one among them) the headline rate averages. */
const recentWindow = 5;

/**
 * Events per minute by source over the last hour (GET /admin/v1/quality/traffic): one point per
 * minute, the current (partial) minute last. Sources sorted by name, as the day averages are, so
 * a source keeps its colour on both charts. `latest` averages the last five minutes with the
 * current one: a single whole minute reads 0 right after a burst, a minute just begun too little.
 */
export function recentEventsPerMinute(traffic: TrafficView): SourceRates {
  const since = Date.parse(traffic.since);
  const times = Array.from({ length: traffic.minutes }, (_, i) => Math.floor((since + i * 60_000) / 1000));
  const series = traffic.bySource.map((row) => ({ label: sourceLabel(row), values: [...row.perMinute] })).sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  const window = Math.min(recentWindow, traffic.minutes);
  const average = (values: readonly number[]) => Math.round((values.slice(-window).reduce((sum, v) => sum + v, 0) / window) * 100) / 100;
  return { times, series, latest: series.map((s) => ({ source: s.label, perMinute: average(s.values) })) };
}

/**
 * Events per minute by source from the quality report's day buckets: each bucket's count over
 * the minutes it covers, the current day's over the minutes gone so far (`now`). The report
 * counts per day, so this is a day's average rate; `recentEventsPerMinute` has the last hour.
 */
export function eventsPerMinuteBySource(report: QualityView, now: number): SourceRates {
  const sources = new Set<string>();
  for (const bucket of report.buckets) for (const row of bucket.byEvent) sources.add(sourceLabel(row));
  const names = [...sources].sort();
  // Every bucket of the period, those without events too (the report lists only the ones with counts).
  const step = (report.bucket === 'week' ? 7 : 1) * minutesPerDay * 60_000;
  const starts: number[] = [];
  const firstStart = report.buckets.length > 0 ? Math.min(Date.parse(report.since), ...report.buckets.map((b) => Date.parse(b.start))) : Date.parse(report.since);
  for (let t = firstStart; t < Date.parse(report.until); t += step) starts.push(t);
  const byStart = new Map(report.buckets.map((b) => [Date.parse(b.start), b]));
  const minutesOf = (start: number) => Math.max(1, (Math.min(start + step, now) - start) / 60_000);
  const series = names.map((source) => ({
    label: source,
    values: starts.map((start) => {
      const count = (byStart.get(start)?.byEvent ?? []).filter((row) => sourceLabel(row) === source).reduce((sum, row) => sum + row.count, 0);
      return Math.round((count / minutesOf(start)) * 100) / 100;
    }),
  }));
  const times = starts.map((t) => Math.floor(t / 1000));
  const last = starts.length - 1;
  return { times, series, latest: series.map((s) => ({ source: s.label, perMinute: s.values[last] ?? 0 })) };
}

/** The warnings a person should look at, in words, from the quality report; empty when all is well. */
export function qualityWarnings(report: QualityView): string[] {
  const warnings: string[] = [];
  for (const p of report.properties.changingType) {
    warnings.push(`"${p.property}" of ${p.event ?? p.type} arrived with more than one type (${Object.entries(p.types).map(([type, n]) => `${type}: ${n}`).join(', ')})`);
  }
  for (const u of report.properties.unreadableNumbers) warnings.push(`${u.count} values of ${u.path} could not be read as numbers (${u.reason})`);
  for (const e of report.trackingPlan?.events ?? []) {
    for (const m of e.missing) warnings.push(`"${e.event}" is missing the required property "${m.property}" in ${m.count} events`);
    for (const w of e.wrongType) warnings.push(`"${e.event}" sent "${w.property}" with the wrong type in ${w.count} events`);
  }
  for (const e of report.trackingPlan?.unplannedEvents ?? []) warnings.push(`"${e.event}" is not in the tracking plan (${e.count} events)`);
  const { late, futureDated } = report.timing;
  if (late.over1d > 0) warnings.push(`${late.over1d} events arrived more than a day late`);
  if (futureDated > 0) warnings.push(`${futureDated} events were dated in the future`);
  if (report.identity.profilesAtMergeCap > 0) warnings.push(`${report.identity.profilesAtMergeCap} profiles reached the merge cap`);
  if (report.countersOverflowed > 0) warnings.push(`${report.countersOverflowed} events were not broken down by name (too many distinct names in a day)`);
  return warnings;
}
