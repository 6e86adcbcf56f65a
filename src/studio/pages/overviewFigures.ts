import type { Static } from 'typebox';
import type { QualityReport } from '../../api/qualitySchemas.js';

export type QualityView = Static<typeof QualityReport>;

export interface SourceRates {
  /** Unix seconds of each bucket's start. */
  readonly times: number[];
  /** Per source (`context.library.name`; `unnamed` without one), events per minute in each bucket. */
  readonly series: { label: string; values: number[] }[];
  /** Per source, events per minute in the latest bucket so far. */
  readonly latest: { source: string; perMinute: number }[];
}

const minutesPerDay = 24 * 60;

/**
 * Events per minute by source from the quality report's day buckets: each bucket's count over
 * the minutes it covers, the current day's over the minutes gone so far (`now`). The report
 * counts per day, so this is a day's average rate, not a live per-minute series.
 */
export function eventsPerMinuteBySource(report: QualityView, now: number): SourceRates {
  const sources = new Set<string>();
  for (const bucket of report.buckets) for (const row of bucket.byEvent) sources.add(row.source ?? 'unnamed');
  const names = [...sources].sort();
  const times = report.buckets.map((b) => Math.floor(Date.parse(b.start) / 1000));
  const minutesOf = (start: string, next: string | undefined) => {
    const from = Date.parse(start);
    const to = Math.min(next === undefined ? from + minutesPerDay * 60_000 : Date.parse(next), now);
    return Math.max(1, (to - from) / 60_000);
  };
  const series = names.map((source) => ({
    label: source,
    values: report.buckets.map((bucket, i) => {
      const count = bucket.byEvent.filter((row) => (row.source ?? 'unnamed') === source).reduce((sum, row) => sum + row.count, 0);
      return Math.round((count / minutesOf(bucket.start, report.buckets[i + 1]?.start)) * 100) / 100;
    }),
  }));
  const last = report.buckets.length - 1;
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
