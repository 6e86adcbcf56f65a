/**
 * The read-out of an experiment from per-arm sufficient statistics: for each metric and each
 * treatment arm against the control, Welch's t-test on the absolute and relative effect
 * (ratio metrics by the delta method), optionally the always-valid sequential interval and the
 * Bayesian chance to win and risk; the sample-ratio-mismatch check on unit counts; and Holm and
 * Benjamini–Hochberg adjusted p-values across the metrics (primary and guardrails) and arms.
 */
import { bayesianTest, type BayesianResult, type NormalPrior } from '../stats/bayesian.js';
import { welchTTest, type Difference, type TTestResult } from '../stats/frequentist.js';
import { benjaminiHochbergAdjust, holmAdjust } from '../stats/multipleTesting.js';
import { sequentialTest, type SequentialResult } from '../stats/sequential.js';
import { sampleRatioMismatch, SRM_THRESHOLD, type SrmResult } from '../stats/srm.js';
import { proportionSummary, ratioSummary, sampleVariance, type ArmSummary } from '../stats/SufficientStats.js';
import { controlArmOf, metricIdsOf, type ExperimentDefinition } from './ExperimentDefinition.js';
import type { MetricKind } from './MetricDefinition.js';
import { pairSumsFromMoments, type ArmAccumulator } from './metricValues.js';

export interface AnalysisDesign {
  /** The arms in definition order with their configured weights (for the SRM check). */
  readonly arms: readonly { readonly id: string; readonly weight: number }[];
  readonly controlArmId: string;
  /** Default 0.05. */
  readonly alpha?: number;
  /** The effect whose p-value is reported, adjusted and used by the Bayesian read-out. Default `relative`. */
  readonly difference?: Difference;
  /** Add always-valid intervals, tuned for N* units in the two arms compared. */
  readonly sequential?: { readonly nStar: number };
  /** Add the Bayesian read-out (flat prior unless one is given, on the `difference` scale). */
  readonly bayesian?: { readonly prior?: NormalPrior };
  /** Default 0.001. */
  readonly srmThreshold?: number;
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

export interface ArmComparison {
  readonly armId: string;
  readonly summary: ArmSummary | null;
  /** `insufficient_data`: fewer than 2 units in an arm, or a ratio with a zero denominator; `problem` says which. */
  readonly status: 'ok' | 'insufficient_data';
  readonly problem: string | null;
  readonly absolute: TTestResult | null;
  /** Null also when the control mean is 0 (no relative effect). */
  readonly relative: TTestResult | null;
  /** The difference `pValue` is of: the design's, or absolute when the relative effect is undefined. */
  readonly headline: Difference | null;
  readonly pValue: number | null;
  readonly adjusted: { readonly holm: number; readonly benjaminiHochberg: number } | null;
  readonly sequential: { readonly absolute: SequentialResult; readonly relative: SequentialResult | null } | null;
  /** On the headline scale; null when not asked for, or when the effect has no uncertainty (sd 0). */
  readonly bayesian: BayesianResult | null;
}

export interface MetricResult {
  readonly metricId: string;
  readonly kind: MetricKind;
  readonly role: MetricRole;
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

/** The arm summary a test takes, or a reason there is none. */
export function summarize(kind: MetricKind, acc: ArmAccumulator | undefined): ArmSummary | string {
  if (acc === undefined || acc.moments.n < 2) return `fewer than 2 units (${acc?.moments.n ?? 0})`;
  if (acc.kind === 'pair') {
    if (kind !== 'ratio') return `a ${kind} metric with pair statistics`;
    if (acc.moments.meanY === 0) return 'the ratio\'s denominator is 0';
    return ratioSummary(pairSumsFromMoments(acc.moments));
  }
  if (kind === 'ratio') return 'a ratio metric with single statistics';
  const m = acc.moments;
  return kind === 'conversion' ? proportionSummary({ n: m.n, sum: m.n * m.mean }) : { n: m.n, mean: m.mean, variance: sampleVariance(m) };
}

type Draft = Omit<ArmComparison, 'adjusted'>;

function compare(control: ArmSummary | string, armId: string, treatment: ArmSummary | string, design: AnalysisDesign): Draft {
  const none = { absolute: null, relative: null, headline: null, pValue: null, sequential: null, bayesian: null };
  if (typeof treatment === 'string') return { armId, summary: null, status: 'insufficient_data', problem: treatment, ...none };
  if (typeof control === 'string') return { armId, summary: treatment, status: 'insufficient_data', problem: `control: ${control}`, ...none };
  const alpha = design.alpha ?? 0.05;
  const absolute = welchTTest(control, treatment, { difference: 'absolute', alpha });
  const relative = control.mean === 0 ? null : welchTTest(control, treatment, { difference: 'relative', alpha });
  const headline: Difference = design.difference === 'absolute' || relative === null ? 'absolute' : 'relative';
  const chosen = headline === 'absolute' ? absolute : relative!;
  const sequential = design.sequential === undefined ? null : {
    absolute: sequentialTest(control, treatment, { difference: 'absolute', alpha, nStar: design.sequential.nStar }),
    relative: relative === null ? null : sequentialTest(control, treatment, { difference: 'relative', alpha, nStar: design.sequential.nStar }),
  };
  const bayesian = design.bayesian === undefined || !(chosen.se > 0) ? null : bayesianTest(control, treatment, { difference: headline, alpha, prior: design.bayesian.prior });
  return { armId, summary: treatment, status: 'ok', problem: null, absolute, relative, headline, pValue: chosen.pValue, sequential, bayesian };
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
    const control = summarize(metric.kind, own(metric.arms, design.controlArmId));
    const comparisons = treatments.map((arm) => compare(control, arm.id, summarize(metric.kind, own(metric.arms, arm.id)), design));
    return { metric, control: typeof control === 'string' ? null : control, comparisons };
  });

  const pValues = drafts.flatMap((d) => d.comparisons.flatMap((c) => (c.pValue === null ? [] : [c.pValue])));
  const holm = holmAdjust(pValues);
  const bh = benjaminiHochbergAdjust(pValues);
  let next = 0;
  const metrics = drafts.map(({ metric, control, comparisons }): MetricResult => ({
    metricId: metric.metricId,
    kind: metric.kind,
    role: metric.role,
    control,
    comparisons: comparisons.map((c): ArmComparison => {
      if (c.pValue === null) return { ...c, adjusted: null };
      const i = next++;
      return { ...c, adjusted: { holm: holm[i]!, benjaminiHochberg: bh[i]! } };
    }),
  }));
  return { controlArmId: design.controlArmId, srm, metrics, family: pValues.length };
}
