/**
 * The read-out of an experiment from per-arm sufficient statistics: for each metric and each
 * treatment arm against the control, Welch's t-test on the absolute and relative effect
 * (ratio metrics by the delta method), optionally the always-valid sequential interval and the
 * Bayesian chance to win and risk; the sample-ratio-mismatch check on unit counts; and Holm and
 * Benjamini–Hochberg adjusted p-values across the metrics (primary and guardrails) and arms.
 * Each metric has one estimator (`plain`, or `cuped` with `design.cuped` on a non-ratio metric
 * whose arms carry a pre-exposure covariate) and every figure of its comparisons comes from it.
 */
import { bayesianOfEffect, type BayesianResult, type NormalPrior } from '../stats/bayesian.js';
import { cupedEstimator, type CupedArm, type CupedMetric } from '../stats/cuped.js';
import { plainEstimator, tTestOfEffect, type Alternative, type Difference, type Estimator, type TTestResult } from '../stats/frequentist.js';
import { benjaminiHochbergAdjust, holmAdjust } from '../stats/multipleTesting.js';
import { sequentialOfEffect, type SequentialResult } from '../stats/sequential.js';
import { sampleRatioMismatch, SRM_THRESHOLD, type SrmResult } from '../stats/srm.js';
import {
  emptyPairMoments, mergePairMoments, proportionSummary, ratioSummary, sampleVariance, type ArmSummary, type PairMoments,
} from '../stats/SufficientStats.js';
import { controlArmOf, metricIdsOf, type ExperimentDefinition } from './ExperimentDefinition.js';
import type { MetricKind } from './MetricDefinition.js';
import { pairSumsFromMoments, type ArmAccumulator } from './metricValues.js';

export interface AnalysisDesign {
  /** The arms in definition order with their configured weights (for the SRM check). */
  readonly arms: readonly { readonly id: string; readonly weight: number }[];
  readonly controlArmId: string;
  /** Default 0.05. */
  readonly alpha?: number;
  /**
   * The t-tests and their intervals: `two-sided` (default), or one-sided, `greater` (the
   * treatment is better: a lower bound) or `less`. Sequential and Bayesian read-outs stay two-sided.
   */
  readonly alternative?: Alternative;
  /** The effect whose p-value is reported, adjusted and used by the Bayesian read-out. Default `relative`. */
  readonly difference?: Difference;
  /** Add always-valid intervals, tuned for N* units in the two arms compared. */
  readonly sequential?: { readonly nStar: number };
  /** Add the Bayesian read-out (flat prior unless one is given, on the `difference` scale). */
  readonly bayesian?: { readonly prior?: NormalPrior };
  /** Default 0.001. */
  readonly srmThreshold?: number;
  /**
   * Estimate with CUPED (regression on the pre-exposure covariate) the conversion, mean and
   * count metrics whose arms all carry pair accumulators (X the metric, Y the covariate) with a
   * pooled covariate variance > 0: then every figure of the metric (t-tests, p-values and
   * their adjustment, sequential intervals, Bayesian read-out) is CUPED's. Never ratio metrics.
   * Default false.
   */
  readonly cuped?: boolean;
}

export type MetricRole = 'primary' | 'guardrail';

export interface MetricStats {
  readonly metricId: string;
  readonly kind: MetricKind;
  readonly role: MetricRole;
  /** Per arm id; a missing arm counts as empty. */
  readonly arms: Readonly<Record<string, ArmAccumulator>>;
}

export interface AnalysisInput {
  readonly design: AnalysisDesign;
  /** Units assigned (exposed) per arm id, for the SRM check. */
  readonly unitCounts: Readonly<Record<string, number>>;
  readonly metrics: readonly MetricStats[];
}

/** The estimator of every figure of a metric: `cuped` (regression-adjusted) or `plain` (the arms' own means and variances). */
export type EstimatorKind = Estimator['kind'];

/** How CUPED adjusted one comparison. */
export interface CupedAdjustment {
  /**
   * The variance formulas: `proportion` (GrowthBook's, n denominators) for a conversion metric
   * whose covariate has variance ȳ(1 − ȳ) in both arms (a 0/1 covariate), else `mean` (n − 1).
   */
  readonly metric: CupedMetric;
  /** θ = cov(X, Y)/var(Y), pooled over both arms. */
  readonly theta: number;
  /** The share of the headline effect's variance the adjustment removes (≈ ρ²). */
  readonly varianceReduction: number;
  /** The adjusted arms: `mean` ȳ − θx̄ and `variance` the adjusted per-unit variance, beside the unadjusted moments. */
  readonly control: CupedArm;
  readonly treatment: CupedArm;
}

export interface ArmComparison {
  readonly armId: string;
  readonly summary: ArmSummary | null;
  /** `insufficient_data`: fewer than 2 units in an arm, or a ratio with a zero denominator; `problem` says which. */
  readonly status: 'ok' | 'insufficient_data';
  readonly problem: string | null;
  /** The metric's estimator's effect (see `MetricResult.estimator`), as are all figures below. */
  readonly absolute: TTestResult | null;
  /** Null also when the control mean is 0 (no relative effect). */
  readonly relative: TTestResult | null;
  /** The difference `pValue` is of: the design's, or absolute when the relative effect is undefined. */
  readonly headline: Difference | null;
  /** The headline effect's p-value (the design's alternative). */
  readonly pValue: number | null;
  readonly adjusted: { readonly holm: number; readonly benjaminiHochberg: number } | null;
  readonly sequential: { readonly absolute: SequentialResult; readonly relative: SequentialResult | null } | null;
  /** On the headline scale; null when not asked for, or when the effect has no uncertainty (sd 0). */
  readonly bayesian: BayesianResult | null;
  /** With the `cuped` estimator: θ, the variance removed and the adjusted arms; else null. */
  readonly cuped: CupedAdjustment | null;
}

export interface MetricResult {
  readonly metricId: string;
  readonly kind: MetricKind;
  readonly role: MetricRole;
  /** What every figure of the comparisons comes from: `cuped` or `plain` (always `plain` for a ratio metric). */
  readonly estimator: EstimatorKind;
  /** The control's unadjusted summary. */
  readonly control: ArmSummary | null;
  readonly comparisons: readonly ArmComparison[];
}

export interface ExperimentAnalysis {
  readonly controlArmId: string;
  readonly srm: SrmResult & { readonly counts: readonly number[]; readonly weights: readonly number[] };
  readonly metrics: readonly MetricResult[];
  /** How many p-values the adjustment covered (metrics × treatment arms with enough data). */
  readonly family: number;
}

/** The design of a definition: its arms' weights and its control. */
export function designOf(experiment: ExperimentDefinition, options: Omit<AnalysisDesign, 'arms' | 'controlArmId'> = {}): AnalysisDesign {
  return { ...options, arms: experiment.arms.map(({ id, weight }) => ({ id, weight })), controlArmId: controlArmOf(experiment) };
}

/** The order of metrics in a read-out: the primary first, then the guardrails. */
export function metricRoles(experiment: ExperimentDefinition): { readonly metricId: string; readonly role: MetricRole }[] {
  return metricIdsOf(experiment).map((metricId, i) => ({ metricId, role: i === 0 ? 'primary' : 'guardrail' }));
}

/**
 * The arm summary a test takes, or a reason there is none. A conversion, mean or count metric
 * with a pair accumulator (X the metric, Y a pre-exposure covariate) is summarised from X
 * alone: the same summary as a single accumulator of the same values.
 */
export function summarize(kind: MetricKind, acc: ArmAccumulator | undefined): ArmSummary | string {
  if (acc === undefined || acc.moments.n < 2) return `fewer than 2 units (${acc?.moments.n ?? 0})`;
  if (kind === 'ratio') {
    if (acc.kind !== 'pair') return 'a ratio metric with single statistics';
    if (acc.moments.meanY === 0) return 'the ratio\'s denominator is 0';
    return ratioSummary(pairSumsFromMoments(acc.moments));
  }
  const m = acc.kind === 'pair' ? { n: acc.moments.n, mean: acc.moments.meanX, m2: acc.moments.m2X } : acc.moments;
  return kind === 'conversion' ? proportionSummary({ n: m.n, sum: m.n * m.mean }) : { n: m.n, mean: m.mean, variance: sampleVariance(m) };
}

/** Σ(y − ȳ)² = n·ȳ(1 − ȳ), as for a 0/1 covariate: GrowthBook's proportion formulas are then exact. */
function proportionCovariate(m: PairMoments): boolean {
  return Math.abs(m.m2Y - m.n * m.meanY * (1 - m.meanY)) <= 1e-9 * m.n;
}

/**
 * Whether the metric is estimated with CUPED: asked for, not a ratio, every arm with data
 * carries a covariate (a pair accumulator) and the covariate varies over the arms pooled. A
 * constant (or absent, folded as 0) covariate leaves the plain estimator: CUPED with θ = 0.
 */
function usesCuped(metric: MetricStats, design: AnalysisDesign): boolean {
  if (design.cuped !== true || metric.kind === 'ratio') return false;
  const accs = design.arms.flatMap((arm) => (Object.hasOwn(metric.arms, arm.id) ? [metric.arms[arm.id]!] : []));
  if (accs.length === 0) return false;
  let pooled = emptyPairMoments;
  for (const acc of accs) {
    if (acc.kind !== 'pair') return false;
    pooled = mergePairMoments(pooled, acc.moments);
  }
  return pooled.m2Y > 0;
}

/** The CUPED estimator of a comparison, with its variance formulas chosen by the covariate. */
function cupedOf(kind: MetricKind, control: PairMoments, treatment: PairMoments) {
  const metric: CupedMetric = kind === 'conversion' && proportionCovariate(control) && proportionCovariate(treatment) ? 'proportion' : 'mean';
  return cupedEstimator(pairSumsFromMoments(control), pairSumsFromMoments(treatment), { metric });
}

type Draft = Omit<ArmComparison, 'adjusted'>;

interface ArmInput {
  readonly summary: ArmSummary | string;
  readonly acc: ArmAccumulator | undefined;
}

function compare(kind: MetricKind, controlArm: ArmInput, armId: string, treatmentArm: ArmInput, design: AnalysisDesign, cuped: boolean): Draft {
  const none = { absolute: null, relative: null, headline: null, pValue: null, sequential: null, bayesian: null, cuped: null };
  const { summary: control, acc: controlAcc } = controlArm;
  const { summary: treatment, acc: treatmentAcc } = treatmentArm;
  if (typeof treatment === 'string') return { armId, summary: null, status: 'insufficient_data', problem: treatment, ...none };
  if (typeof control === 'string') return { armId, summary: treatment, status: 'insufficient_data', problem: `control: ${control}`, ...none };
  const alpha = design.alpha ?? 0.05;
  const alternative = design.alternative ?? 'two-sided';
  // `usesCuped` saw pair accumulators in every arm with data.
  const adjusted = cuped && controlAcc?.kind === 'pair' && treatmentAcc?.kind === 'pair' ? cupedOf(kind, controlAcc.moments, treatmentAcc.moments) : null;
  const estimator: Estimator = adjusted ?? plainEstimator(control, treatment);
  const test = (difference: Difference): TTestResult => tTestOfEffect(estimator.effect(difference), estimator.df, { alpha, alternative });
  const absolute = test('absolute');
  const relative = estimator.hasRelative ? test('relative') : null;
  const headline: Difference = design.difference === 'absolute' || relative === null ? 'absolute' : 'relative';
  const chosen = headline === 'absolute' ? absolute : relative!;
  const sequentialOf = (difference: Difference): SequentialResult =>
    sequentialOfEffect(estimator.effect(difference), estimator.n, { alpha, nStar: design.sequential!.nStar });
  const sequential = design.sequential === undefined ? null : {
    absolute: sequentialOf('absolute'),
    relative: relative === null ? null : sequentialOf('relative'),
  };
  const bayesian = design.bayesian === undefined || !(chosen.se > 0) ? null : bayesianOfEffect(estimator.effect(headline), { alpha, prior: design.bayesian.prior });
  const cupedAdjustment = adjusted === null ? null : {
    metric: adjusted.metric, theta: adjusted.theta, varianceReduction: adjusted.varianceReduction(headline), control: adjusted.control, treatment: adjusted.treatment,
  };
  return { armId, summary: treatment, status: 'ok', problem: null, absolute, relative, headline, pValue: chosen.pValue, sequential, bayesian, cuped: cupedAdjustment };
}

/**
 * The read-out. Every treatment arm is compared with the control on every metric. The
 * adjusted p-values form one family: all (metric, treatment arm) comparisons with enough data,
 * so a primary metric and its guardrails (and several arms) are corrected together.
 * Throws RangeError when the control arm is not among the design's arms or alpha is outside (0, 1).
 */
export function analyzeExperiment(input: AnalysisInput): ExperimentAnalysis {
  const { design } = input;
  const alpha = design.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!design.arms.some((arm) => arm.id === design.controlArmId)) throw new RangeError(`no control arm "${design.controlArmId}" among the arms`);
  const own = (record: Readonly<Record<string, ArmAccumulator>>, id: string): ArmAccumulator | undefined => (Object.hasOwn(record, id) ? record[id] : undefined);

  const counts = design.arms.map((arm) => (Object.hasOwn(input.unitCounts, arm.id) ? input.unitCounts[arm.id]! : 0));
  const weights = design.arms.map((arm) => arm.weight);
  const srm = { ...sampleRatioMismatch(counts, weights, design.srmThreshold ?? SRM_THRESHOLD), counts, weights };

  const treatments = design.arms.filter((arm) => arm.id !== design.controlArmId);
  const drafts = input.metrics.map((metric) => {
    const armInput = (id: string): ArmInput => {
      const acc = own(metric.arms, id);
      return { summary: summarize(metric.kind, acc), acc };
    };
    const control = armInput(design.controlArmId);
    const cuped = usesCuped(metric, design);
    const comparisons = treatments.map((arm) => compare(metric.kind, control, arm.id, armInput(arm.id), design, cuped));
    return { metric, estimator: cuped ? 'cuped' as const : 'plain' as const, control: typeof control.summary === 'string' ? null : control.summary, comparisons };
  });

  const pValues = drafts.flatMap((d) => d.comparisons.flatMap((c) => (c.pValue === null ? [] : [c.pValue])));
  const holm = holmAdjust(pValues);
  const bh = benjaminiHochbergAdjust(pValues);
  let next = 0;
  const metrics = drafts.map(({ metric, estimator, control, comparisons }): MetricResult => ({
    metricId: metric.metricId,
    kind: metric.kind,
    role: metric.role,
    estimator,
    control,
    comparisons: comparisons.map((c): ArmComparison => {
      if (c.pValue === null) return { ...c, adjusted: null };
      const i = next++;
      return { ...c, adjusted: { holm: holm[i]!, benjaminiHochberg: bh[i]! } };
    }),
  }));
  return { controlArmId: design.controlArmId, srm, metrics, family: pValues.length };
}
