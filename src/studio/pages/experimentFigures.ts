import type { ExperimentDefinition } from '../../core/experiments/ExperimentDefinition.js';
import type { MetricResult } from '../../core/experiments/analyzeExperiment.js';
import type { TimelineDay, TimelineInterval } from '../../core/experiments/cumulativeTimeline.js';

/**
 * The results page's arithmetic for drawing, kept out of the components so it is tested
 * without a browser. Every statistic here comes from the server (the core's statistics);
 * this only picks, orders and scales them. JSON writes non-finite numbers (an interval open on
 * one side) as null, so every number is read through `finite`.
 */

export const finite = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** One treatment arm on one metric: the effect and its intervals on the metric's headline scale. */
export interface EffectRow {
  readonly key: string;
  readonly label: string;
  readonly metricId: string;
  readonly armId: string;
  readonly role: 'primary' | 'guardrail';
  /** `relative`: a share of the control's value (0.05 is +5%); `absolute`: in the metric's own unit. */
  readonly scale: 'relative' | 'absolute';
  readonly estimate: number | null;
  /** The fixed-horizon interval (1 − alpha); a null bound is open. */
  readonly lower: number | null;
  readonly upper: number | null;
  /** The always-valid interval, when asked for. */
  readonly sequentialLower: number | null;
  readonly sequentialUpper: number | null;
  readonly pValue: number | null;
  readonly chanceToWin: number | null;
  readonly problem: string | null;
}

interface Tested { readonly estimate: unknown; readonly ci: readonly unknown[] }

/** The rows of the interval chart: every metric (primary first, as the read-out orders them) against every treatment arm. */
export function effectRows(metrics: readonly MetricResult[]): EffectRow[] {
  return metrics.flatMap((metric) => metric.comparisons.map((c) => {
    const scale = c.headline === 'absolute' || c.relative === null ? 'absolute' : 'relative';
    const test = (scale === 'relative' ? c.relative : c.absolute) as Tested | null;
    const sequential = (c.sequential === null ? null : scale === 'relative' ? c.sequential.relative : c.sequential.absolute) as Tested | null;
    return {
      key: `${metric.metricId}:${c.armId}`,
      label: metric.comparisons.length > 1 ? `${metric.metricId} (${c.armId})` : metric.metricId,
      metricId: metric.metricId,
      armId: c.armId,
      role: metric.role,
      scale,
      estimate: finite(test?.estimate),
      lower: finite(test?.ci[0]),
      upper: finite(test?.ci[1]),
      sequentialLower: finite(sequential?.ci[0]),
      sequentialUpper: finite(sequential?.ci[1]),
      pValue: finite(c.pValue),
      chanceToWin: finite(c.bayesian?.chanceToWin),
      problem: c.problem,
    };
  }));
}

/**
 * The common axis of rows drawn on one scale: it always holds 0 (no effect) and every finite
 * bound and estimate, with 10% room on each side. An open bound is drawn to the edge.
 */
export function effectDomain(rows: readonly Pick<EffectRow, 'estimate' | 'lower' | 'upper' | 'sequentialLower' | 'sequentialUpper'>[]): readonly [number, number] {
  const values = rows.flatMap((r) => [r.estimate, r.lower, r.upper, r.sequentialLower, r.sequentialUpper]).filter((v): v is number => v !== null);
  const low = Math.min(0, ...values);
  const high = Math.max(0, ...values);
  const room = high - low === 0 ? 1 : (high - low) * 0.1;
  return [low - room, high + room];
}

/** Where `value` falls across [0, 100] on `domain`; an open bound (null) goes to the side it opens to. */
export function positionOn(domain: readonly [number, number], value: number | null, open: 'low' | 'high'): number {
  if (value === null) return open === 'low' ? 0 : 100;
  const at = ((value - domain[0]) / (domain[1] - domain[0])) * 100;
  return Math.min(100, Math.max(0, at));
}

/** An effect in words on its scale: +5.2% relative, or the absolute difference with its sign. */
export function formatEffect(value: number | null, scale: EffectRow['scale']): string {
  if (value === null) return 'open';
  const sign = value > 0 ? '+' : '';
  return scale === 'relative' ? `${sign}${(value * 100).toFixed(1)}%` : `${sign}${value.toPrecision(3)}`;
}

/** One day of a cumulative-effect line: the estimate and its interval, null where that day has none. */
export interface TimelinePoint {
  readonly day: string;
  readonly estimate: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
}

export interface TimelineSeries {
  readonly key: string;
  readonly label: string;
  readonly scale: EffectRow['scale'];
  readonly points: readonly TimelinePoint[];
}

/**
 * The cumulative effect of every treatment arm on one metric, a line per arm. A line keeps one
 * scale over its days, the last day's headline (the scale of the results table): a day whose
 * read-out lacked it (the control's mean was still 0) is a gap, not a jump to another unit.
 */
export function timelineSeries(days: readonly TimelineDay[], metricId: string): TimelineSeries[] {
  const last = days.at(-1)?.metrics.find((m) => m.metricId === metricId);
  return (last?.comparisons ?? []).map((final) => {
    const scale = final.headline === 'absolute' || final.relative === null ? 'absolute' : 'relative';
    const points = days.map((d): TimelinePoint => {
      const c = d.metrics.find((m) => m.metricId === metricId)?.comparisons.find((x) => x.armId === final.armId);
      const i = (scale === 'relative' ? c?.relative : c?.absolute) as TimelineInterval | null | undefined;
      return { day: d.day, estimate: finite(i?.estimate), lower: finite(i?.lower), upper: finite(i?.upper) };
    });
    return { key: `${metricId}:${final.armId}`, label: last!.comparisons.length > 1 ? `${metricId} (${final.armId})` : metricId, scale, points };
  });
}

/** The vertical axis of a cumulative-effect chart: as `effectDomain`, over every day's estimate and bounds. */
export function timelineDomain(points: readonly TimelinePoint[]): readonly [number, number] {
  return effectDomain(points.map((p) => ({ estimate: p.estimate, lower: p.lower, upper: p.upper, sequentialLower: null, sequentialUpper: null })));
}

/**
 * The body of the plan check (POST /admin/v1/segments/:id/plan) for a definition: its plan,
 * its number of arms and its coverage as the share of the audience it takes. Without a
 * baseline rate the server uses the members' mean purchase propensity (a trained model).
 */
export function planRequest(definition: Pick<ExperimentDefinition, 'arms' | 'coverage' | 'plan'>, baselineRate: number | null): PlanRequest | null {
  const plan = definition.plan;
  if (plan === undefined) return null;
  return {
    minimumDetectableEffect: plan.minimumDetectableEffect, days: plan.days, power: plan.power ?? 0.8, arms: definition.arms.length,
    trafficShare: definition.coverage ?? 1, ...(baselineRate === null ? {} : { baselineRate }),
  };
}

export interface PlanRequest {
  readonly minimumDetectableEffect: number;
  readonly days: number;
  readonly power: number;
  readonly arms: number;
  readonly trafficShare: number;
  readonly baselineRate?: number;
}

/** Arms' weights from their shares as typed (any positive numbers): normalised to add up to 1, as the definition requires. */
export function normalisedWeights(shares: readonly number[]): number[] {
  const total = shares.reduce((sum, s) => sum + (s > 0 ? s : 0), 0);
  if (total <= 0) return shares.map(() => 1 / shares.length);
  // Rounded to 4 places, with the rest on the last arm, so the sum is exactly 1 within the server's tolerance.
  const rounded = shares.map((s) => Math.round(((s > 0 ? s : 0) / total) * 10_000) / 10_000);
  const rest = 1 - rounded.slice(0, -1).reduce((sum, w) => sum + w, 0);
  return [...rounded.slice(0, -1), Math.round(rest * 10_000) / 10_000];
}
