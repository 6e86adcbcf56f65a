/**
 * The cumulative effect of an experiment over time: for each UTC day, every treatment arm
 * against the control on every metric, as `analyzeExperiment` reads the arms' totals as of the
 * end of that day. The same statistics as the results (so the last day's figures are the
 * current read-out's, when the last snapshots are the running totals), computed once per day.
 *
 * Snapshots are sparse: a row (arm, metric) has one only on the days it changed, so a day's
 * totals carry each row forward from its latest snapshot on or before that day.
 *
 * @example
 *   cumulativeTimeline({ design, metrics: [{ metricId: 'conversion', kind: 'conversion', role: 'primary' }], snapshots })
 *   // [{ day: '2026-12-01', units: { control: 40, b: 38 }, metrics: [{ metricId: 'conversion', comparisons: [...] }] }, ...]
 */
import type { TTestResult } from '../stats/frequentist.js';
import type { SequentialResult } from '../stats/sequential.js';
import type { PairMoments } from '../stats/SufficientStats.js';
import { analyzeExperiment, type AnalysisDesign, type ArmComparison, type MetricRole } from './analyzeExperiment.js';
import { UNITS_METRIC } from './ExperimentModel.js';
import type { MetricKind } from './MetricDefinition.js';
import type { ArmAccumulator } from './metricValues.js';

/** One row's totals as of the end of a UTC day (`YYYY-MM-DD`). */
export interface DailyArmSnapshot {
  readonly day: string;
  readonly armId: string;
  readonly metricId: string;
  readonly moments: PairMoments;
}

export interface TimelineInput {
  readonly design: AnalysisDesign;
  /** The metrics of the read-out, in its order (primary first). */
  readonly metrics: readonly { readonly metricId: string; readonly kind: MetricKind; readonly role: MetricRole }[];
  /** In any order; `_units` rows give the units per arm. */
  readonly snapshots: readonly DailyArmSnapshot[];
}

/** An effect with its interval; a null bound is open (one-sided) or not computable. */
export interface TimelineInterval {
  readonly estimate: number;
  readonly lower: number | null;
  readonly upper: number | null;
}

export interface TimelineComparison {
  readonly armId: string;
  readonly status: ArmComparison['status'];
  /** The scale the day's read-out heads with (`relative` unless the control's mean is 0 or the design says absolute). */
  readonly headline: ArmComparison['headline'];
  readonly absolute: TimelineInterval | null;
  readonly relative: TimelineInterval | null;
  /** The always-valid intervals, when the design asks for them. */
  readonly sequentialAbsolute: TimelineInterval | null;
  readonly sequentialRelative: TimelineInterval | null;
}

export interface TimelineDay {
  readonly day: string;
  /** Units per arm as of the end of the day. */
  readonly units: Readonly<Record<string, number>>;
  readonly metrics: readonly { readonly metricId: string; readonly role: MetricRole; readonly comparisons: readonly TimelineComparison[] }[];
}

const bound = (v: number): number | null => (Number.isFinite(v) ? v : null);
const intervalOf = (t: TTestResult | SequentialResult | null | undefined): TimelineInterval | null =>
  t === null || t === undefined ? null : { estimate: t.estimate, lower: bound(t.ci[0]), upper: bound(t.ci[1]) };

/** The cumulative read-out of every day that has a snapshot, oldest first. */
export function cumulativeTimeline(input: TimelineInput): TimelineDay[] {
  const byDay = new Map<string, DailyArmSnapshot[]>();
  for (const s of input.snapshots) {
    const list = byDay.get(s.day) ?? [];
    list.push(s);
    byDay.set(s.day, list);
  }
  // Row key -> its latest totals so far; ISO days sort as strings.
  const current = new Map<string, PairMoments>();
  const key = (armId: string, metricId: string) => `${armId}\u0000${metricId}`;
  return [...byDay.keys()].sort().map((day) => {
    for (const s of byDay.get(day)!) current.set(key(s.armId, s.metricId), s.moments);
    const units: Record<string, number> = {};
    for (const arm of input.design.arms) units[arm.id] = current.get(key(arm.id, UNITS_METRIC))?.n ?? 0;
    const metrics = input.metrics.map((m) => {
      const arms: Record<string, ArmAccumulator> = {};
      for (const arm of input.design.arms) {
        const moments = current.get(key(arm.id, m.metricId));
        if (moments !== undefined) arms[arm.id] = { kind: 'pair', moments };
      }
      return { ...m, arms };
    });
    const analysis = analyzeExperiment({ design: input.design, unitCounts: units, metrics });
    return {
      day,
      units,
      metrics: analysis.metrics.map((m) => ({
        metricId: m.metricId,
        role: m.role,
        comparisons: m.comparisons.map((c) => ({
          armId: c.armId, status: c.status, headline: c.headline,
          absolute: intervalOf(c.absolute), relative: intervalOf(c.relative),
          sequentialAbsolute: intervalOf(c.sequential?.absolute), sequentialRelative: intervalOf(c.sequential?.relative),
        })),
      })),
    };
  });
}

/** The UTC day (`YYYY-MM-DD`) of an instant in milliseconds: the key of a daily snapshot. */
export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}
