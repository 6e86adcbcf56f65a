/**
 * The ROI report: what personalization earns, per experiment (personalized arm against the
 * generic control) and for the whole program (everyone else against the holdout). For each of
 * four business metrics the uplift with its interval (Welch; delta method for ratios and for
 * the relative lift), the incremental revenue it implies over the period and per 30-day month,
 * and, given a monthly cost, ROI = (incremental revenue per month − cost) / cost with its
 * interval. Pure: the shell gathers the per-arm accumulators and the cost, and renders the
 * result (`attune report`, the admin API).
 *
 * @example
 * const report = roiReport({ scope: 'program', baseline, treated, weights: { baseline: 0.05, treated: 0.95 }, periodDays: 14, monthlyCost: 2000, currency: 'EUR' });
 * report.roi?.estimate; // e.g. 1.8: each unit of cost comes back 2.8 times
 */
import type { MetricKind } from '../experiments/MetricDefinition.js';
import { roiRoles, type RoiRole } from '../experiments/MeasurementSettings.js';
import { summarize, type EstimatorKind } from '../experiments/analyzeExperiment.js';
import type { ArmAccumulator } from '../experiments/metricValues.js';
import { plainEstimator, tTestOfEffect, type Difference, type Estimator, type TTestResult } from '../stats/frequentist.js';
import { sequentialOfEffect } from '../stats/sequential.js';
import { sampleRatioMismatch } from '../stats/srm.js';

/** The report's figures: the same roles the measurement settings map to metrics. */
export const roiMetricRoles = roiRoles;
export type RoiMetricRole = RoiRole;

/** The statistics kind each role is read as. */
export const roiMetricKinds: Readonly<Record<RoiMetricRole, MetricKind>> = {
  conversionRate: 'conversion',
  revenuePerVisitor: 'mean',
  averageOrderValue: 'ratio',
  clickThroughRate: 'ratio',
};

/** Below this many units in an arm the normal approximation behind the intervals is shaky: a warning. */
export const ROI_MIN_UNITS_PER_ARM = 100;

/** Incremental revenue is reported per month of this many days. */
export const DAYS_PER_MONTH = 30;

export interface ReportArm {
  readonly id: string;
  /** Units (profiles) exposed. */
  readonly units: number;
  /**
   * Per role: the arm's accumulator of that metric (single for conversionRate/revenuePerVisitor:
   * conversion/mean kinds; pair for averageOrderValue and clickThroughRate: ratio kinds,
   * numerator/denominator). Missing: the metric is not configured or has no data. A `pair`
   * accumulator given for conversionRate/revenuePerVisitor carries a CUPED covariate in Y: use
   * its X moments only.
   */
  readonly metrics: Partial<Readonly<Record<RoiMetricRole, ArmAccumulator>>>;
}

export interface RoiInput {
  /** The comparison's name: an experiment id, or 'program' for holdout vs everyone else. */
  readonly scope: string;
  /** The control arm (generic) or the holdout. */
  readonly baseline: ReportArm;
  /** The personalized arm, or everyone else. */
  readonly treated: ReportArm;
  /** Configured traffic shares of the two, for the sample-ratio-mismatch check (e.g. 0.05 / 0.95). */
  readonly weights: { readonly baseline: number; readonly treated: number };
  /** Days from the first exposure to the report time (> 0): incremental revenue is scaled to a 30-day month with it. */
  readonly periodDays: number;
  /** Monthly cost of the program in the revenue's currency; null/undefined: no ROI. */
  readonly monthlyCost?: number | null;
  readonly currency?: string | null;
  /** Default 0.05. */
  readonly alpha?: number;
  /** Optional always-valid (sequential) intervals as well (GrowthBook N* tuning). */
  readonly sequential?: { readonly nStar: number };
}

export interface Interval {
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
}

/**
 * An interval with the p-value of the same test against the same null: `significant` is
 * "the interval excludes the null", which is `pValue < alpha` (both come from one estimate,
 * standard error and distribution), so a figure and the mark beside it cannot disagree.
 */
export interface TestedInterval extends Interval {
  readonly pValue: number;
  readonly significant: boolean;
}

export interface MetricUplift {
  readonly role: RoiMetricRole;
  readonly status: 'ok' | 'insufficient_data' | 'not_configured';
  readonly problem: string | null;
  /** What every figure of the row comes from. The report reads the arms' own values (a covariate is ignored): always `plain`. */
  readonly estimator: EstimatorKind;
  /** The arm's mean (or ratio of means); null when not configured or below 2 units. */
  readonly baseline: number | null;
  readonly treated: number | null;
  /** treated − baseline: Welch (delta method for ratios), two-sided, 1 − alpha, with its own p-value. */
  readonly absolute: TestedInterval | null;
  /** (treated − baseline)/|baseline| (delta method), with its own p-value; null when the baseline is 0. */
  readonly relative: TestedInterval | null;
  /** Present (possibly null) only when the input asked for sequential intervals; each with its always-valid p-value. */
  readonly sequential?: { readonly absolute: TestedInterval; readonly relative: TestedInterval | null } | null;
}

/** What keeps the report from giving an ROI. */
export type RoiMissing = 'monthlyCost' | 'revenuePerVisitor';

export interface RoiReport {
  readonly scope: string;
  readonly alpha: number;
  /** Added: the period the report covers, in days. */
  readonly periodDays: number;
  readonly arms: { readonly baseline: { id: string; units: number }; readonly treated: { id: string; units: number } };
  readonly srm: { readonly pValue: number; readonly flagged: boolean; readonly counts: readonly number[]; readonly weights: readonly number[]; readonly chiSquare: number };
  readonly metrics: Readonly<Record<RoiMetricRole, MetricUplift>>;
  /**
   * (RPV_treated − RPV_baseline) × treated units over the period, with the interval of that
   * difference × units; and per 30-day month. `pValue` and `significant` are those of revenue
   * per visitor's absolute uplift (a scaling keeps the null 0). Null without revenue per visitor data.
   */
  readonly incrementalRevenue: {
    readonly period: Interval; readonly perMonth: Interval; readonly currency: string | null; readonly pValue: number; readonly significant: boolean;
  } | null;
  /**
   * ROI = (incremental revenue per month − monthlyCost) / monthlyCost, its interval mapped from
   * the per-month interval (a monotone transform). `pValue` tests break-even (ROI = 0, i.e. the
   * RPV uplift that pays the cost exactly) with the same t-test: `significant` when the interval
   * excludes 0. Null without a cost (or cost <= 0) or without incremental revenue; `roiMissing` says which.
   */
  readonly roi: (TestedInterval & { readonly monthlyCost: number }) | null;
  /** Empty when there is an ROI; else what is missing (a cost <= 0 counts as no cost). */
  readonly roiMissing: readonly RoiMissing[];
  /** E.g. SRM flagged, too few units, period shorter than a day. */
  readonly warnings: readonly string[];
}

function interval(result: { readonly estimate: number; readonly ci: readonly [number, number] }): Interval {
  return { estimate: result.estimate, lower: result.ci[0], upper: result.ci[1] };
}

/** The interval of a test with its p-value; significant when it excludes 0. */
function tested(result: { readonly estimate: number; readonly ci: readonly [number, number]; readonly pValue: number }): TestedInterval {
  const i = interval(result);
  return { ...i, pValue: result.pValue, significant: i.lower > 0 || i.upper < 0 };
}

function scaled(i: Interval, factor: number): Interval {
  return { estimate: i.estimate * factor, lower: i.lower * factor, upper: i.upper * factor };
}

/** The accumulator as the role's kind reads it: a CUPED pair on a single-kind role keeps its X moments. */
function asRoleAccumulator(role: RoiMetricRole, acc: ArmAccumulator): ArmAccumulator {
  if (acc.kind === 'pair' && roiMetricKinds[role] !== 'ratio') {
    const { n, meanX, m2X } = acc.moments;
    return { kind: 'single', moments: { n, mean: meanX, m2: m2X } };
  }
  return acc;
}

const untested = { baseline: null, treated: null, absolute: null, relative: null } as const;

function notConfigured(role: RoiMetricRole, sequential: boolean): MetricUplift {
  return { role, status: 'not_configured', problem: null, estimator: 'plain', ...untested, ...(sequential ? { sequential: null } : {}) };
}

/** A row's figures, and the absolute RPV test the incremental revenue and ROI are scaled from. */
interface RoleResult {
  readonly uplift: MetricUplift;
  readonly absoluteTest: TTestResult | null;
}

function upliftOf(role: RoiMetricRole, baselineAcc: ArmAccumulator | undefined, treatedAcc: ArmAccumulator | undefined, alpha: number, nStar: number | null): RoleResult {
  const withSequential = nStar !== null;
  if (baselineAcc === undefined && treatedAcc === undefined) return { uplift: notConfigured(role, withSequential), absoluteTest: null };
  const kind = roiMetricKinds[role];
  const b = summarize(kind, baselineAcc === undefined ? undefined : asRoleAccumulator(role, baselineAcc));
  const t = summarize(kind, treatedAcc === undefined ? undefined : asRoleAccumulator(role, treatedAcc));
  if (typeof b === 'string' || typeof t === 'string') {
    const problem = [typeof b === 'string' ? `baseline: ${b}` : null, typeof t === 'string' ? `treated: ${t}` : null].filter((p) => p !== null).join('; ');
    return {
      uplift: {
        role, status: 'insufficient_data', problem, estimator: 'plain', ...untested,
        baseline: typeof b === 'string' ? null : b.mean, treated: typeof t === 'string' ? null : t.mean,
        ...(withSequential ? { sequential: null } : {}),
      },
      absoluteTest: null,
    };
  }
  const estimator = plainEstimator(b, t);
  const absolute = tTestOfEffect(estimator.effect('absolute'), estimator.df, { alpha });
  const relative = estimator.hasRelative ? tTestOfEffect(estimator.effect('relative'), estimator.df, { alpha }) : null;
  return {
    uplift: {
      role, status: 'ok', problem: null, estimator: estimator.kind, baseline: b.mean, treated: t.mean,
      absolute: tested(absolute), relative: relative === null ? null : tested(relative),
      ...(withSequential ? { sequential: sequentialOf(estimator, alpha, nStar) } : {}),
    },
    absoluteTest: absolute,
  };
}

function sequentialOf(estimator: Estimator, alpha: number, nStar: number): { absolute: TestedInterval; relative: TestedInterval | null } {
  const of = (difference: Difference): TestedInterval => tested(sequentialOfEffect(estimator.effect(difference), estimator.n, { alpha, nStar }));
  return { absolute: of('absolute'), relative: estimator.hasRelative ? of('relative') : null };
}

/**
 * ROI and its test against break-even. (x − c)/c is increasing in x for c > 0, so the per-month
 * interval's ends map to the ROI interval's ends. Break-even is ΔRPV = c/perMonthFactor: the same
 * t-test (estimate, se, df) against that null, so p < α exactly when the ROI interval excludes 0.
 */
function roiOf(perMonth: Interval, cost: number, rpvTest: TTestResult, perMonthFactor: number, alpha: number): TestedInterval & { monthlyCost: number } {
  const of = (x: number): number => (x - cost) / cost;
  const breakEven = tTestOfEffect({ estimate: rpvTest.estimate - cost / perMonthFactor, variance: rpvTest.se ** 2 }, rpvTest.df, { alpha });
  const lower = of(perMonth.lower);
  const upper = of(perMonth.upper);
  return { monthlyCost: cost, estimate: of(perMonth.estimate), lower, upper, pValue: breakEven.pValue, significant: lower > 0 || upper < 0 };
}

function checkInput(input: RoiInput, alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(input.periodDays > 0) || !Number.isFinite(input.periodDays)) throw new RangeError(`periodDays must be a finite number > 0, got ${input.periodDays}`);
  for (const [name, arm] of [['baseline', input.baseline], ['treated', input.treated]] as const) {
    if (!(arm.units >= 0) || !Number.isFinite(arm.units)) throw new RangeError(`${name} units must be a finite number >= 0, got ${arm.units}`);
  }
  if (input.sequential !== undefined && !(input.sequential.nStar > 0)) throw new RangeError(`sequential N* must be > 0, got ${input.sequential.nStar}`);
}

const units = (n: number): string => `${n} ${n === 1 ? 'unit' : 'units'}`;

function unitWarnings(input: RoiInput): string[] {
  const warnings: string[] = [];
  for (const [name, arm] of [['baseline', input.baseline], ['treated', input.treated]] as const) {
    if (arm.units < ROI_MIN_UNITS_PER_ARM) warnings.push(`too few units: ${name} "${arm.id}" has ${arm.units} (< ${ROI_MIN_UNITS_PER_ARM}); the intervals are unreliable`);
    for (const role of roiMetricRoles) {
      const acc = arm.metrics[role];
      if (acc !== undefined && acc.moments.n !== arm.units) warnings.push(`${role}: the ${name} data covers ${units(acc.moments.n)} but the arm has ${units(arm.units)} exposed`);
    }
  }
  return warnings;
}

/**
 * The report. Throws RangeError for alpha outside (0, 1), periodDays <= 0, negative units,
 * N* <= 0, or weights `sampleRatioMismatch` rejects (negative, or summing to 0). Metrics
 * without data, or with fewer than 2 units in an arm, are values (`not_configured`,
 * `insufficient_data`), not errors.
 */
export function roiReport(input: RoiInput): RoiReport {
  const alpha = input.alpha ?? 0.05;
  checkInput(input, alpha);
  const { baseline, treated } = input;
  const nStar = input.sequential?.nStar ?? null;

  const counts = [baseline.units, treated.units];
  const weights = [input.weights.baseline, input.weights.treated];
  const srmResult = sampleRatioMismatch(counts, weights);
  const srm = { pValue: srmResult.pValue, flagged: srmResult.mismatch, counts, weights, chiSquare: srmResult.chiSquare };

  const results = Object.fromEntries(
    roiMetricRoles.map((role) => [role, upliftOf(role, baseline.metrics[role], treated.metrics[role], alpha, nStar)]),
  ) as Record<RoiMetricRole, RoleResult>;
  const metrics = Object.fromEntries(roiMetricRoles.map((role) => [role, results[role].uplift])) as Record<RoiMetricRole, MetricUplift>;

  const warnings: string[] = [];
  if (srm.flagged) warnings.push(`sample ratio mismatch (p = ${srm.pValue.toPrecision(3)}): the split ${counts.join('/')} does not match the weights ${weights.join('/')}; the comparison may be biased`);
  warnings.push(...unitWarnings(input));
  if (input.periodDays < 1) warnings.push(`the period is shorter than a day (${input.periodDays} days): the monthly figures are a long extrapolation`);

  const rpv = metrics.revenuePerVisitor.absolute;
  const rpvTest = results.revenuePerVisitor.absoluteTest;
  const currency = input.currency ?? null;
  // Revenue per month per unit of ΔRPV: the incremental revenue is ΔRPV × perMonthFactor.
  const perMonthFactor = treated.units * (DAYS_PER_MONTH / input.periodDays);
  const incrementalRevenue = rpv === null ? null : (() => {
    const period = scaled(rpv, treated.units);
    return { period, perMonth: scaled(period, DAYS_PER_MONTH / input.periodDays), currency, pValue: rpv.pValue, significant: rpv.significant };
  })();

  const cost = input.monthlyCost ?? null;
  const hasCost = cost !== null && cost > 0 && Number.isFinite(cost);
  if (cost !== null && !hasCost) warnings.push(`the monthly cost must be a finite number > 0 (got ${cost}): no ROI`);
  if (cost !== null && incrementalRevenue === null) warnings.push('no revenue per visitor data: no incremental revenue, no ROI');
  const roiMissing: RoiMissing[] = [...(hasCost ? [] : ['monthlyCost' as const]), ...(incrementalRevenue === null ? ['revenuePerVisitor' as const] : [])];
  const roi = !hasCost || incrementalRevenue === null || rpvTest === null ? null : roiOf(incrementalRevenue.perMonth, cost, rpvTest, perMonthFactor, alpha);

  return {
    scope: input.scope,
    alpha,
    periodDays: input.periodDays,
    arms: { baseline: { id: baseline.id, units: baseline.units }, treated: { id: treated.id, units: treated.units } },
    srm,
    metrics,
    incrementalRevenue,
    roi,
    roiMissing,
    warnings,
  };
}
