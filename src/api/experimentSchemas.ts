import { Type } from 'typebox';
import { DecisionId } from '../core/decide/ActionDefinition.js';
import { ExperimentDefinition, MetricId } from '../core/experiments/ExperimentDefinition.js';
import { MeasurementSettings } from '../core/experiments/MeasurementSettings.js';
import { MetricDefinition } from '../core/experiments/MetricDefinition.js';

/**
 * The shapes of the experiments, metrics, measurement and report API (routes/experimentRoutes.ts).
 * The definitions are the core's schemas; these add what the API shows about them. The
 * statistics of a read-out or a report are given as the core computes them: their numbers may
 * be infinite or undefined (an interval with one open side, a test without variance), which
 * JSON writes as null, so their members are not pinned to `number` here.
 */

/** GET and DELETE take any id (an unknown one is a 404); PUT takes only ids that can be saved. */
export const ExperimentIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) });
export const ExperimentPutParams = Type.Object({ id: DecisionId });
export const MetricIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) });
export const MetricPutParams = Type.Object({ id: MetricId });

export const ExperimentStatus = Type.Union([Type.Literal('scheduled'), Type.Literal('running'), Type.Literal('stopped')], {
  description: '`scheduled` before its start, `stopped` from its stop on, else `running`',
});

export const ExperimentView = Type.Object(
  {
    definition: ExperimentDefinition,
    status: ExperimentStatus,
    problems: Type.Array(Type.String(), { description: 'What keeps parts of it from working now (a placement or metric that does not exist); empty when fine' }),
  },
  { title: 'Experiment' },
);

const Change = Type.Union([Type.Literal('created'), Type.Literal('updated')]);
const Warnings = Type.Array(Type.String(), { description: 'What cannot work yet but may later (a placement not created yet); the definition is saved' });

export const ExperimentChange = Type.Object({ status: Change, experiment: ExperimentView, warnings: Warnings }, { title: 'ExperimentChange' });

export const ExperimentValidation = Type.Object({ valid: Type.Literal(true), warnings: Warnings }, { title: 'ExperimentValidation' });

const builtinFlag = Type.Boolean({ description: 'One of the metrics every workspace has (conversion, revenue, aov, ctr), not redefined' });

/** A metric definition with its `builtin` flag: one branch per kind, as MetricDefinition. */
export const MetricView = Type.Union(
  MetricDefinition.anyOf.map((branch) => Type.Object({ ...branch.properties, builtin: builtinFlag })),
  { title: 'Metric' },
);

export const MetricChange = Type.Object({ status: Change, metric: MetricView }, { title: 'MetricChange' });

export const ResolvedMeasurement = Type.Object(
  {
    holdoutShare: Type.Number({ description: 'Share of profiles held out (0: no holdout)' }),
    monthlyCost: Type.Union([Type.Number(), Type.Null()]),
    currency: Type.Union([Type.String(), Type.Null()]),
    roiMetrics: Type.Object({
      conversionRate: Type.String(), revenuePerVisitor: Type.String(), averageOrderValue: Type.String(), clickThroughRate: Type.String(),
    }, { description: 'The metric behind each figure of the ROI report' }),
  },
  { title: 'ResolvedMeasurement', description: 'The measurement settings with every default filled in' },
);

export const MeasurementView = Type.Object(
  {
    settings: Type.Union([MeasurementSettings, Type.Null()], { description: 'As saved (null: never set)' }),
    resolved: ResolvedMeasurement,
  },
  { title: 'Measurement' },
);

const Alpha = Type.Number({ exclusiveMinimum: 0, maximum: 0.5, description: 'Significance level (default 0.05): intervals cover 1 − alpha' });
const Sequential = Type.Boolean({ description: 'Add always-valid (sequential) intervals: safe to look at any time' });
const NStar = Type.Integer({ minimum: 1, description: 'With sequential: the total units at which the intervals are tightest (default 5,000)' });

export const AnalysisQuery = Type.Object(
  {
    alpha: Type.Optional(Alpha),
    alternative: Type.Optional(Type.Union([Type.Literal('two-sided'), Type.Literal('greater'), Type.Literal('less')], {
      description: 'Welch\'s test: two-sided (default), or one-sided: greater (the treatment is better) or less',
    })),
    sequential: Type.Optional(Sequential),
    nStar: Type.Optional(NStar),
    bayesian: Type.Optional(Type.Boolean({ description: 'Add the chance to win and the risk (flat prior)' })),
    cuped: Type.Optional(Type.Boolean({ description: 'Estimate with CUPED every metric whose arms carry the experiment\'s covariate: all its figures (tests, p-values, sequential, Bayesian) are then adjusted' })),
  },
  { additionalProperties: false },
);

export const ReportQuery = Type.Object(
  {
    experiment: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Only this experiment (without the program)' })),
    alpha: Type.Optional(Alpha),
    sequential: Type.Optional(Sequential),
    nStar: Type.Optional(NStar),
    monthlyCost: Type.Optional(Type.Number({ minimum: 0, description: 'Replaces the workspace\'s monthly cost for this report' })),
  },
  { additionalProperties: false },
);

const Statistics = (description: string) => Type.Unknown({ description: `${description}; non-finite numbers are null` });

const MetricReadout = Type.Object(
  {
    metricId: Type.String(),
    kind: Type.Union([Type.Literal('conversion'), Type.Literal('mean'), Type.Literal('ratio'), Type.Literal('count')]),
    role: Type.Union([Type.Literal('primary'), Type.Literal('guardrail')]),
    estimator: Type.Union([Type.Literal('cuped'), Type.Literal('plain')], {
      description: 'What every figure of the comparisons comes from: `cuped` (adjusted with the covariate) or `plain`; ratio metrics are always `plain`',
    }),
    control: Statistics('The control arm\'s unadjusted summary { n, mean, variance } (null without data)'),
    comparisons: Type.Array(Statistics(
      'One per treatment arm: armId, summary (unadjusted), status (ok, insufficient_data), problem, absolute and relative t-tests '
      + '{ estimate, se, df, tStatistic, pValue, ci }, headline, pValue, adjusted { holm, benjaminiHochberg }, sequential, bayesian, all from the metric\'s estimator; '
      + 'cuped { metric, theta, varianceReduction, control, treatment } with the cuped estimator, else null',
    )),
  },
  { additionalProperties: true },
);

const BanditWeightsVersion = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: '1: the definition\'s own weights; each scheduled update adds one. Exposures carry it as `weights_version`' }),
    computedAt: Type.Integer({ description: 'When it came into force (ms since the epoch)' }),
    weights: Type.Record(Type.String(), Type.Number(), { description: 'Arm id to weight: new units are hashed into these shares' }),
    bestProbabilities: Type.Union([Type.Record(Type.String(), Type.Number()), Type.Null()], { description: 'Arm id to P(best) behind the weights (before the exploration floor); null for version 1' }),
    units: Type.Union([Type.Record(Type.String(), Type.Integer()), Type.Null()], { description: 'Units per arm the weights were computed from; null for version 1' }),
    monteCarlo: Type.Union([Type.Object({ draws: Type.Integer(), standardError: Type.Number() }), Type.Null()], { description: 'Null when exact (a conversion metric)' }),
  },
  { title: 'BanditWeightsVersion', additionalProperties: false },
);

const BanditArmEstimate = Type.Object(
  {
    armId: Type.String(),
    units: Type.Integer(),
    naiveMean: Type.Union([Type.Number(), Type.Null()], { description: 'The arm\'s mean per unit: biased under adaptive allocation (see caveat)' }),
    ipwMean: Type.Union([Type.Number(), Type.Null()], { description: 'Inverse-propensity-weighted mean per unit over all the experiment\'s units: unbiased' }),
    ipwStandardError: Type.Union([Type.Number(), Type.Null()]),
    ipwInterval: Type.Union([Type.Tuple([Type.Number(), Type.Number()]), Type.Null()], { description: '± 1.96 standard errors' }),
  },
  { title: 'BanditArmEstimate', additionalProperties: false },
);

const BanditReadout = Type.Object(
  {
    metricId: Type.String({ description: 'The metric the bandit optimises: the primary metric' }),
    settings: Type.Object({ minExplorationShare: Type.Number(), updateEveryMinutes: Type.Integer() }, { additionalProperties: false }),
    weights: Type.Union([BanditWeightsVersion, Type.Null()], { description: 'The version in force; null before the first decision' }),
    history: Type.Array(BanditWeightsVersion, { description: 'Every version, oldest first' }),
    arms: Type.Array(BanditArmEstimate, { description: 'Per arm, the naive mean beside the inverse-propensity-weighted estimate of the primary metric' }),
    caveat: Type.String(),
  },
  { title: 'BanditReadout', additionalProperties: false },
);

export const ExperimentReadout = Type.Object(
  {
    experiment: ExperimentView,
    units: Type.Record(Type.String(), Type.Integer(), { description: 'Units (profiles) exposed per arm' }),
    firstExposureAt: Type.Union([Type.String(), Type.Null()]),
    lastEventAt: Type.Union([Type.String(), Type.Null()]),
    analysis: Type.Union([Type.Object(
      {
        controlArmId: Type.String(),
        srm: Statistics('The sample-ratio-mismatch check { chiSquare, df, pValue, mismatch, counts, weights }'),
        metrics: Type.Array(MetricReadout, { description: 'The primary metric first, then the guardrails' }),
        family: Type.Integer({ description: 'How many p-values the Holm and Benjamini–Hochberg adjustments covered' }),
      },
      { additionalProperties: true },
    ), Type.Null()], { description: 'Null for a bandit experiment (analysisWithheld says why)' }),
    analysisWithheld: Type.Union([Type.String(), Type.Null()], { description: 'Why the fixed-allocation analysis is withheld (a bandit experiment); null when it is given' }),
    bandit: Type.Union([BanditReadout, Type.Null()], { description: 'A bandit experiment\'s weights and estimates; null for a fixed one' }),
    plan: Statistics(
      'With a `plan` in the definition: { minimumDetectableEffect, days, power, requiredUnitsPerArm, unitsPerArm, daysElapsed, '
      + 'projectedUnitsPerArm, daysNeeded, reachable, warning }: is the audience large enough to detect the effect in the planned days? Else null',
    ),
    warnings: Type.Array(Type.String()),
  },
  // Open: what the service adds to a read-out (a plan check, ...) reaches the client before this schema names it.
  { title: 'ExperimentReadout', additionalProperties: true },
);

export const TimelineQuery = Type.Object(
  {
    alpha: Type.Optional(Alpha),
    alternative: Type.Optional(AnalysisQuery.properties.alternative),
    sequential: Type.Optional(Sequential),
    nStar: Type.Optional(NStar),
    cuped: Type.Optional(AnalysisQuery.properties.cuped),
  },
  { additionalProperties: false },
);

const Bound = Type.Union([Type.Number(), Type.Null()], { description: 'Null: open (a one-sided interval) or not computable' });
const TimelineInterval = Type.Union([Type.Object({ estimate: Type.Union([Type.Number(), Type.Null()]), lower: Bound, upper: Bound }, { additionalProperties: false }), Type.Null()]);

const TimelineComparison = Type.Object(
  {
    armId: Type.String(),
    status: Type.Union([Type.Literal('ok'), Type.Literal('insufficient_data')]),
    headline: Type.Union([Type.Literal('absolute'), Type.Literal('relative'), Type.Null()], { description: 'The scale that day\'s read-out heads with' }),
    absolute: TimelineInterval,
    relative: TimelineInterval,
    sequentialAbsolute: TimelineInterval,
    sequentialRelative: TimelineInterval,
  },
  { additionalProperties: false },
);

export const ExperimentTimeline = Type.Object(
  {
    experimentId: Type.String(),
    controlArmId: Type.String(),
    days: Type.Array(Type.Object(
      {
        day: Type.String({ description: 'UTC day, YYYY-MM-DD' }),
        units: Type.Record(Type.String(), Type.Integer(), { description: 'Units per arm as of the end of the day' }),
        metrics: Type.Array(Type.Object({
          metricId: Type.String(),
          role: Type.Union([Type.Literal('primary'), Type.Literal('guardrail')]),
          comparisons: Type.Array(TimelineComparison),
        }, { additionalProperties: false })),
      },
      { additionalProperties: false },
    ), { description: 'Each UTC day on which the arms\' totals changed, oldest first, with the cumulative effect as of its end; the last is the current read-out' }),
    withheld: Type.Union([Type.String(), Type.Null()], { description: 'Why days is empty for a bandit experiment; null otherwise' }),
  },
  { title: 'ExperimentTimeline', additionalProperties: false },
);

const ReportArm = Type.Object({ id: Type.String(), units: Type.Integer() });

export const RoiReport = Type.Object(
  {
    scope: Type.String({ description: '`program` (the holdout against everyone else), an experiment id, or `experiment:arm` when it has several treatments' }),
    alpha: Type.Number(),
    periodDays: Type.Number({ description: 'Days from the first exposure to now' }),
    arms: Type.Object({ baseline: ReportArm, treated: ReportArm }),
    srm: Statistics('{ pValue, flagged, counts, weights, chiSquare }'),
    metrics: Type.Record(Type.String(), Statistics(
      'Per figure (conversionRate, revenuePerVisitor, averageOrderValue, clickThroughRate): status, problem, estimator (plain), baseline, treated, '
      + 'absolute and relative { estimate, lower, upper, pValue, significant }: each p-value is its own interval\'s test, significant when the interval excludes 0; sequential (the same, always-valid)',
    )),
    incrementalRevenue: Statistics('{ period, perMonth, currency, pValue, significant } (the test of revenue per visitor\'s absolute uplift), or null without revenue per visitor data'),
    roi: Statistics('{ monthlyCost, estimate, lower, upper, pValue, significant } (tested against break-even), or null: then roiMissing says why'),
    roiMissing: Type.Array(Type.Union([Type.Literal('monthlyCost'), Type.Literal('revenuePerVisitor')]), { description: 'What keeps the report from an ROI; empty when it has one' }),
    warnings: Type.Array(Type.String()),
  },
  { title: 'RoiReport', additionalProperties: true },
);

export const WorkspaceReport = Type.Object(
  {
    generatedAt: Type.String(),
    measurement: ResolvedMeasurement,
    reports: Type.Array(RoiReport, { description: 'The program first (unless one experiment was asked for), then one per experiment and treatment arm' }),
  },
  { title: 'WorkspaceReport', additionalProperties: true },
);
