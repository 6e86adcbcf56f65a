import { ungated, type ChangeGate } from '../core/review/ChangeGate.js';
import { unrecorded, type AuditRecorder } from '../core/audit/AuditRecorder.js';
import type { Clock } from '../core/common/ports.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { analyzeExperiment, designOf, metricRoles, type AnalysisDesign, type ExperimentAnalysis } from '../core/experiments/analyzeExperiment.js';
import { cumulativeTimeline, type TimelineDay } from '../core/experiments/cumulativeTimeline.js';
import { banditSettingsOf, controlArmOf, experimentProblems, type BanditSettings, type ExperimentDefinition } from '../core/experiments/ExperimentDefinition.js';
import { checkPlan, type PlanCheck } from '../core/experiments/checkPlan.js';
import { HOLDOUT_ARM, PERSONALIZED_ARM, PROGRAM_EXPERIMENT_ID, UNITS_METRIC, type CompiledExperiment, type ExperimentModel } from '../core/experiments/ExperimentModel.js';
import { builtinMetrics, roiRoles, type MeasurementSettings, type ResolvedMeasurement } from '../core/experiments/MeasurementSettings.js';
import type { MetricDefinition } from '../core/experiments/MetricDefinition.js';
import { compileMetric, MetricDefinitionError, type ArmAccumulator } from '../core/experiments/metricValues.js';
import { roiMetricKinds, roiReport, type ReportArm, type RoiReport } from '../core/report/roiReport.js';
import { decisionRuleSchema } from '../core/decide/compileDecisionModel.js';
import { compilePropensityRule, propensityRulePointer } from '../core/decide/scoring.js';
import { contextualInputProblem } from '../core/decide/contextual.js';
import { RuleError } from '../core/rules/RuleError.js';
import type { DecisionModels } from '../decide/DecisionModels.js';
import { ruleErrorExtensions } from '../knowledge/checkKnowledgeConfig.js';
import type { ArmStatsRow, BanditWeightsRecord, ExperimentStore } from '../store/ports.js';
import { banditArmEstimates, type BanditArmEstimate } from '../core/experiments/banditExperiment.js';
import { ipwMetricId } from '../core/experiments/experimentUnits.js';
import type { ExperimentBandits } from './ExperimentBandits.js';

const DAY_MS = 86_400_000;

/** GrowthBook's default tuning of always-valid intervals (the total units at which they are tightest). */
export const DEFAULT_SEQUENTIAL_N_STAR = 5000;

export type ExperimentStatus = 'scheduled' | 'running' | 'stopped';

export type MetricView = MetricDefinition & { readonly builtin: boolean };

export interface ExperimentView {
  readonly definition: ExperimentDefinition;
  readonly status: ExperimentStatus;
  /** What keeps parts of it from working now (a metric or placement that does not exist). */
  readonly problems: readonly string[];
}

export interface AnalysisOptions {
  readonly alpha?: number;
  /** Welch's test: two-sided (default), or one-sided `greater` (treatment better) or `less`. */
  readonly alternative?: 'two-sided' | 'greater' | 'less';
  /** Always-valid intervals, tuned for N* units (default 5,000): safe to look at any time. */
  readonly sequential?: boolean;
  readonly nStar?: number;
  readonly bayesian?: boolean;
  /** Adjust with the experiment's pre-exposure covariate (CUPED). */
  readonly cuped?: boolean;
}

/** Why a bandit experiment's read-out has no fixed-allocation analysis. */
export const BANDIT_ANALYSIS_WITHHELD = 'withheld for a bandit experiment: the t-tests, sequential intervals, chance to win, SRM check and adjusted p-values '
  + 'assume every unit was assigned with the same fixed weights; a bandit changed them as the outcomes came in, so its arms\' units are not comparable samples. '
  + 'Read `bandit.arms`: the inverse-propensity-weighted estimates and their intervals.';

/** The caveat beside a bandit experiment's naive means. */
export const BANDIT_NAIVE_CAVEAT = 'naiveMean is biased under adaptive allocation: an arm that looked good early was given more units while its luck lasted, '
  + 'and the arms\' units came at different times. ipwMean (each unit\'s value over the probability it was assigned with, over all units) is unbiased.';

export interface BanditReadout {
  /** The metric the bandit optimises: the primary metric. */
  readonly metricId: string;
  readonly settings: BanditSettings;
  /** The latest version, with its weights and P(best); null before the first decision. */
  readonly weights: BanditWeightsRecord | null;
  /** Every version, oldest first. */
  readonly history: readonly BanditWeightsRecord[];
  /** Each arm's naive mean beside its inverse-propensity-weighted estimate of the primary metric. */
  readonly arms: readonly BanditArmEstimate[];
  readonly caveat: string;
}

export interface ExperimentReadout {
  readonly experiment: ExperimentView;
  /** Units (profiles) exposed per arm. */
  readonly units: Readonly<Record<string, number>>;
  readonly firstExposureAt: string | null;
  readonly lastEventAt: string | null;
  /** Null for a bandit experiment: see `analysisWithheld`. */
  readonly analysis: ExperimentAnalysis | null;
  /** Why `analysis` is null; null when it is there. */
  readonly analysisWithheld: string | null;
  /** A bandit experiment's weights and estimates; null for a fixed one. */
  readonly bandit: BanditReadout | null;
  /** With a `plan`: is the audience large enough to detect its effect in its days? */
  readonly plan: PlanCheck | null;
  readonly warnings: readonly string[];
}

/** The options of the cumulative read-out: the analysis's, without the Bayesian one (the page draws intervals). */
export type TimelineOptions = Omit<AnalysisOptions, 'bayesian'>;

export interface ExperimentTimeline {
  readonly experimentId: string;
  readonly controlArmId: string;
  /**
   * Each UTC day on which the arms' totals changed, oldest first: every metric's treatment arms
   * against the control as of the end of that day. The last day is the current read-out.
   */
  readonly days: readonly TimelineDay[];
  /** Why `days` is empty for a bandit experiment; null otherwise. */
  readonly withheld: string | null;
}

export interface ReportOptions {
  readonly alpha?: number;
  readonly sequential?: boolean;
  readonly nStar?: number;
  /** Replaces the workspace's monthly cost for this report. */
  readonly monthlyCost?: number | null;
  /** Only this experiment (and not the program). */
  readonly experimentId?: string;
}

export interface WorkspaceReport {
  readonly generatedAt: string;
  readonly measurement: ResolvedMeasurement;
  /** The program (holdout against everyone else) first, then one per experiment and treatment arm. */
  readonly reports: readonly RoiReport[];
}

/** Where an experiment's period ends: now, or its stop once it has stopped. */
function endOf(stop: string | undefined, now: number): number {
  return stop === undefined ? now : Math.min(now, Date.parse(stop));
}

function statusOf(definition: ExperimentDefinition, now: number): ExperimentStatus {
  if (definition.start !== undefined && now < Date.parse(definition.start)) return 'scheduled';
  if (definition.stop !== undefined && now >= Date.parse(definition.stop)) return 'stopped';
  return 'running';
}

/** The rows of one experiment, by arm and metric, as accumulators (pair moments: x the value, y the covariate or denominator). */
function indexRows(rows: readonly ArmStatsRow[]): Map<string, Map<string, ArmStatsRow>> {
  const byArm = new Map<string, Map<string, ArmStatsRow>>();
  for (const row of rows) {
    const arm = byArm.get(row.armId) ?? new Map<string, ArmStatsRow>();
    arm.set(row.metricId, row);
    byArm.set(row.armId, arm);
  }
  return byArm;
}

/** The design options an analysis asks for, defaults left to analyzeExperiment. */
function designOptions(options: AnalysisOptions): Omit<AnalysisDesign, 'arms' | 'controlArmId'> {
  return {
    ...(options.alpha === undefined ? {} : { alpha: options.alpha }),
    ...(options.alternative === undefined ? {} : { alternative: options.alternative }),
    ...(options.sequential === true ? { sequential: { nStar: options.nStar ?? DEFAULT_SEQUENTIAL_N_STAR } } : {}),
    ...(options.bayesian === true ? { bayesian: {} } : {}),
    ...(options.cuped === true ? { cuped: true } : {}),
  };
}

/** The metrics a read-out analyses, primary first, with their kinds: those the compiled model knows. */
function analyzedMetrics(definition: ExperimentDefinition, compiled: CompiledExperiment) {
  const kinds = new Map(compiled.metrics.map((m) => [m.id, m.kind]));
  return metricRoles(definition).flatMap(({ metricId, role }) => {
    const kind = kinds.get(metricId);
    return kind === undefined ? [] : [{ metricId, kind, role }];
  });
}

function accumulator(row: ArmStatsRow | undefined): ArmAccumulator | undefined {
  return row === undefined ? undefined : { kind: 'pair', moments: row.moments };
}

/**
 * Experiments, metrics and measurement settings (checked, then saved; the compiled models are
 * dropped so that decide and collect use them at once), and their read-outs: the analysis of
 * one experiment and the ROI report of the program and the experiments.
 */
export class ExperimentService {
  private readonly audit: AuditRecorder;

  /** `audit`: where each change is recorded with its diff (the engine's audit trail). */
  private readonly gate: ChangeGate;

  /** `gate`: asked before each change is saved (the review policy and the change limits, src/review). */
  /** `bandits`: the bandit experiments' weight versions (without it, a bandit read-out reads them from the store alone). */
  constructor(private readonly deps: { store: ExperimentStore; models: DecisionModels; clock: Clock; audit?: AuditRecorder; gate?: ChangeGate; bandits?: ExperimentBandits }) {
    this.audit = deps.audit ?? unrecorded;
    this.gate = deps.gate ?? ungated;
  }

  private async model(workspaceId: string): Promise<ExperimentModel> {
    return (await this.deps.models.get(workspaceId)).knowledge.experiments;
  }

  async listExperiments(workspaceId: string): Promise<ExperimentView[]> {
    const model = await this.deps.models.get(workspaceId);
    const experiments = model.knowledge.experiments;
    return [...experiments.experiments.values()].map((e) => this.view(e.definition!, experiments, model.placements.has(e.definition!.placement)));
  }

  async getExperiment(workspaceId: string, id: string): Promise<ExperimentView> {
    const model = await this.deps.models.get(workspaceId);
    const e = model.knowledge.experiments.experiments.get(id);
    if (e === undefined) throw new AttuneError('ATTUNE_EXPERIMENT_NOT_FOUND', { detail: `no experiment has the id "${id}"` });
    return this.view(e.definition!, model.knowledge.experiments, model.placements.has(e.definition!.placement));
  }

  private view(definition: ExperimentDefinition, model: ExperimentModel, placementExists: boolean): ExperimentView {
    const problems = model.problems.filter((p) => p.experimentId === definition.id).map((p) => p.message);
    if (!placementExists) problems.push(`placement "${definition.placement}" does not exist (yet)`);
    return { definition, status: statusOf(definition, this.deps.clock.now()), problems };
  }

  /** Refuses what can never work; returns what cannot work now (a placement not created yet). */
  async validateExperiment(workspaceId: string, definition: ExperimentDefinition): Promise<readonly string[]> {
    const problems = experimentProblems(definition);
    if (problems.length > 0) {
      const field = `/${problems[0]!.split(':')[0]!}`;
      throw new AttuneError('ATTUNE_EXPERIMENT_INVALID', { detail: problems.join('; '), field });
    }
    const model = await this.deps.models.get(workspaceId);
    const metrics = model.knowledge.experiments.metrics;
    const ids = [definition.primaryMetric, ...(definition.guardrailMetrics ?? [])];
    const missing = ids.find((id) => !metrics.has(id));
    if (missing !== undefined) {
      const field = missing === definition.primaryMetric ? '/primaryMetric' : `/guardrailMetrics/${(definition.guardrailMetrics ?? []).indexOf(missing)}`;
      throw new AttuneError('ATTUNE_EXPERIMENT_INVALID', { detail: `no metric "${missing}"`, field });
    }
    if (definition.allocation?.mode === 'bandit' && metrics.get(definition.primaryMetric)?.kind === 'ratio') {
      throw new AttuneError('ATTUNE_EXPERIMENT_INVALID', {
        detail: `a bandit optimises its primary metric per unit, and "${definition.primaryMetric}" is a ratio metric: choose a conversion, mean or count metric`, field: '/primaryMetric',
      });
    }
    for (const [i, arm] of definition.arms.entries()) {
      if (arm.serve.kind === 'actions') {
        const unknown = arm.serve.actionIds.find((id) => !model.actions.has(id));
        if (unknown !== undefined) throw new AttuneError('ATTUNE_EXPERIMENT_INVALID', { detail: `arm ${arm.id}: no action "${unknown}"`, field: `/arms/${i}/serve/actionIds` });
      }
      if (arm.serve.kind === 'strategy') {
        const problem = contextualInputProblem(arm.serve.strategy, decisionRuleSchema(model.knowledge));
        if (problem !== null) throw new AttuneError('ATTUNE_EXPERIMENT_INVALID', { detail: `arm ${arm.id}: ${problem.detail}`, field: `/arms/${i}/serve/strategy${problem.field}` });
        try {
          compilePropensityRule(arm.serve.strategy, decisionRuleSchema(model.knowledge));
        } catch (error) {
          if (!(error instanceof RuleError)) throw error;
          throw new AttuneError('ATTUNE_RULE_INVALID', {
            detail: error.message, field: `/arms/${i}/serve/strategy${propensityRulePointer(arm.serve.strategy)}`, extensions: { experiment: definition.id, ...ruleErrorExtensions(error) }, cause: error,
          });
        }
      }
    }
    if (definition.covariate !== undefined && !model.knowledge.schema.fields?.[`features.${definition.covariate}`]) {
      throw new AttuneError('ATTUNE_EXPERIMENT_INVALID', { detail: `no feature "${definition.covariate}" for the covariate`, field: '/covariate' });
    }
    return model.placements.has(definition.placement) ? [] : [`placement "${definition.placement}" does not exist (yet)`];
  }

  async putExperiment(workspaceId: string, definition: ExperimentDefinition): Promise<{ status: 'created' | 'updated'; experiment: ExperimentView }> {
    await this.validateExperiment(workspaceId, definition);
    if (await this.deps.store.isRetired(workspaceId, definition.id)) {
      throw new AttuneError('ATTUNE_CONFLICT', {
        detail: `the id "${definition.id}" belonged to a deleted experiment, and its units still carry the arms they were given: choose another id`, field: '/id',
      });
    }
    const before = (await this.deps.store.listExperiments(workspaceId)).find((e) => e.id === definition.id);
    if (before !== undefined && (before.allocation?.mode ?? 'fixed') !== (definition.allocation?.mode ?? 'fixed')) {
      // Units assigned under one mode carry no probability (fixed) or weights no fixed analysis can read (bandit).
      throw new AttuneError('ATTUNE_EXPERIMENT_INVALID', { detail: 'an experiment\'s allocation mode cannot change once created: start a new experiment id', field: '/allocation' });
    }
    await this.gate.admit({ workspaceId, kind: 'experiment', id: definition.id, before, after: definition });
    const status = await this.deps.store.putExperiment(workspaceId, definition, this.deps.clock.now());
    this.deps.models.invalidate(workspaceId);
    await this.audit.changed({ workspaceId, action: `experiment.${status}`, target: { kind: 'experiment', id: definition.id }, before, after: definition });
    return { status, experiment: await this.getExperiment(workspaceId, definition.id) };
  }

  /**
   * Deletes the definition and its statistics and retires the id: the units' stored arms stay
   * in their knowledge, unused, and a new experiment under the same id would inherit them.
   */
  async deleteExperiment(workspaceId: string, id: string): Promise<void> {
    const before = (await this.deps.store.listExperiments(workspaceId)).find((e) => e.id === id);
    if (before !== undefined) await this.gate.admit({ workspaceId, kind: 'experiment', id, before, after: undefined });
    if (!(await this.deps.store.deleteExperiment(workspaceId, id, this.deps.clock.now()))) throw new AttuneError('ATTUNE_EXPERIMENT_NOT_FOUND', { detail: `no experiment has the id "${id}"` });
    this.deps.models.invalidate(workspaceId);
    await this.audit.changed({ workspaceId, action: 'experiment.deleted', target: { kind: 'experiment', id }, before });
  }

  async listMetrics(workspaceId: string): Promise<MetricView[]> {
    const model = await this.model(workspaceId);
    const builtin = new Map(builtinMetrics.map((m) => [m.id, m]));
    return [...model.metrics.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((m) => ({ ...m, builtin: builtin.get(m.id) === m }));
  }

  async getMetric(workspaceId: string, id: string): Promise<MetricView> {
    const metric = (await this.listMetrics(workspaceId)).find((m) => m.id === id);
    if (metric === undefined) throw new AttuneError('ATTUNE_METRIC_NOT_FOUND', { detail: `no metric has the id "${id}"` });
    return metric;
  }

  async putMetric(workspaceId: string, definition: MetricDefinition): Promise<{ status: 'created' | 'updated'; metric: MetricView }> {
    const model = await this.model(workspaceId);
    const existing = model.metrics.get(definition.id);
    if (existing !== undefined && existing.kind !== definition.kind) {
      // Units carry one value per metric id, and the arms' rows fold them: a value of another kind would not fit.
      const users = [model.program, ...model.experiments.values()].filter((e) => e.metrics.some((m) => m.id === definition.id)).map((e) => (e.definition === null ? 'the ROI report' : `"${e.id}"`));
      if (users.length > 0) {
        throw new AttuneError('ATTUNE_METRIC_INVALID', { detail: `metric "${definition.id}" is a ${existing.kind} metric read by ${users.join(', ')}: its kind cannot change; define a metric with a new id`, field: '/kind' });
      }
    }
    try {
      compileMetric(definition);
    } catch (error) {
      if (!(error instanceof MetricDefinitionError)) throw error;
      const field = `/${error.field.replace(/\./g, '/')}`;
      throw new AttuneError(error.rule === undefined ? 'ATTUNE_METRIC_INVALID' : 'ATTUNE_RULE_INVALID', {
        detail: error.message, field, extensions: { metric: definition.id, ...(error.rule === undefined ? {} : ruleErrorExtensions(error.rule)) }, cause: error,
      });
    }
    const before = (await this.deps.store.listMetrics(workspaceId)).find((m) => m.id === definition.id);
    await this.gate.admit({ workspaceId, kind: 'metric', id: definition.id, before, after: definition });
    const status = await this.deps.store.putMetric(workspaceId, definition, this.deps.clock.now());
    this.deps.models.invalidate(workspaceId);
    await this.audit.changed({ workspaceId, action: `metric.${status}`, target: { kind: 'metric', id: definition.id }, before, after: definition });
    return { status, metric: await this.getMetric(workspaceId, definition.id) };
  }

  /** A metric an experiment or the ROI report reads cannot be deleted; a built-in one comes back when its replacement is deleted. */
  async deleteMetric(workspaceId: string, id: string): Promise<void> {
    const model = await this.model(workspaceId);
    const users = [...model.experiments.values()].filter((e) => e.definition !== null && [e.definition.primaryMetric, ...(e.definition.guardrailMetrics ?? [])].includes(id)).map((e) => e.id);
    if (users.length > 0) throw new AttuneError('ATTUNE_METRIC_INVALID', { detail: `metric "${id}" is used by ${users.map((u) => `"${u}"`).join(', ')}`, field: '/id' });
    const builtin = builtinMetrics.some((m) => m.id === id);
    if (!builtin && roiRoles.some((role) => model.measurement.roiMetrics[role] === id)) {
      throw new AttuneError('ATTUNE_METRIC_INVALID', { detail: `metric "${id}" is one of the ROI report's metrics (measurement.roiMetrics)`, field: '/id' });
    }
    const before = (await this.deps.store.listMetrics(workspaceId)).find((m) => m.id === id);
    if (before !== undefined) await this.gate.admit({ workspaceId, kind: 'metric', id, before, after: undefined });
    if (!(await this.deps.store.deleteMetric(workspaceId, id))) throw new AttuneError('ATTUNE_METRIC_NOT_FOUND', { detail: `no metric has the id "${id}"${builtin ? ' (built-in metrics cannot be deleted)' : ''}` });
    this.deps.models.invalidate(workspaceId);
    await this.audit.changed({ workspaceId, action: 'metric.deleted', target: { kind: 'metric', id }, before });
  }

  async measurement(workspaceId: string): Promise<{ settings: MeasurementSettings | null; resolved: ResolvedMeasurement }> {
    return { settings: await this.deps.store.measurement(workspaceId), resolved: (await this.model(workspaceId)).measurement };
  }

  async setMeasurement(workspaceId: string, settings: MeasurementSettings): Promise<ResolvedMeasurement> {
    const model = await this.model(workspaceId);
    for (const role of roiRoles) {
      const id = settings.roiMetrics?.[role];
      if (id === undefined) continue;
      const metric = model.metrics.get(id);
      if (metric === undefined) throw new AttuneError('ATTUNE_METRIC_NOT_FOUND', { detail: `no metric "${id}"`, field: `/roiMetrics/${role}` });
      if (metric.kind !== roiMetricKinds[role]) {
        throw new AttuneError('ATTUNE_METRIC_INVALID', { detail: `${role} needs a ${roiMetricKinds[role]} metric, and "${id}" is a ${metric.kind} metric`, field: `/roiMetrics/${role}` });
      }
    }
    const before = await this.deps.store.measurement(workspaceId);
    await this.gate.admit({ workspaceId, kind: 'measurement', id: workspaceId, before: before ?? undefined, after: settings });
    await this.deps.store.setMeasurement(workspaceId, settings);
    this.deps.models.invalidate(workspaceId);
    await this.audit.changed({ workspaceId, action: 'measurement.updated', target: { kind: 'measurement', id: workspaceId }, before: before ?? undefined, after: settings });
    return (await this.model(workspaceId)).measurement;
  }

  /** The read-out of one experiment: every metric (primary first), every treatment arm against the control, SRM, adjusted p-values. */
  async analyze(workspaceId: string, id: string, options: AnalysisOptions = {}): Promise<ExperimentReadout> {
    const experiment = await this.getExperiment(workspaceId, id);
    const model = await this.model(workspaceId);
    const compiled = model.experiments.get(id)!;
    const rows = indexRows(await this.deps.store.armStats(workspaceId, [id]));
    const definition = experiment.definition;
    const units: Record<string, number> = {};
    let first: number | null = null;
    let last: number | null = null;
    for (const arm of definition.arms) {
      const row = rows.get(arm.id)?.get(UNITS_METRIC);
      units[arm.id] = row?.moments.n ?? 0;
      for (const r of rows.get(arm.id)?.values() ?? []) {
        if (r.metricId === UNITS_METRIC) first = first === null ? r.firstAt : Math.min(first, r.firstAt);
        last = last === null ? r.lastAt : Math.max(last, r.lastAt);
      }
    }
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    const settings = banditSettingsOf(definition);
    if (settings !== null) {
      const bandit = await this.banditReadout(workspaceId, definition, settings, rows, units);
      return {
        experiment, units, firstExposureAt: iso(first), lastEventAt: iso(last), analysis: null, analysisWithheld: BANDIT_ANALYSIS_WITHHELD, bandit, plan: null,
        warnings: [...experiment.problems],
      };
    }
    const metrics = analyzedMetrics(definition, compiled).map((metric) => {
      const arms: Record<string, ArmAccumulator> = {};
      for (const arm of definition.arms) {
        const acc = accumulator(rows.get(arm.id)?.get(metric.metricId));
        if (acc !== undefined) arms[arm.id] = acc;
      }
      return { ...metric, arms };
    });
    const analysis = analyzeExperiment({
      design: designOf(definition, designOptions(options)),
      unitCounts: units,
      metrics,
    });
    const primary = analysis.metrics.find((m) => m.role === 'primary');
    const plan = definition.plan === undefined ? null : checkPlan(definition.plan, {
      control: primary?.control ?? null,
      unitsPerArm: Math.min(...definition.arms.filter((a) => a.weight > 0).map((a) => units[a.id] ?? 0)),
      daysElapsed: first === null ? 0 : Math.max(0, endOf(definition.stop, this.deps.clock.now()) - first) / DAY_MS,
      ...(options.alpha === undefined ? {} : { alpha: options.alpha }),
    });
    const warnings = [
      ...(analysis.srm.mismatch ? [`sample ratio mismatch (p = ${analysis.srm.pValue.toPrecision(3)}): the split differs from the weights; do not trust the effects until the cause is found`] : []),
      ...(plan?.warning === null || plan === null ? [] : [plan.warning]),
      ...experiment.problems,
    ];
    return { experiment, units, firstExposureAt: iso(first), lastEventAt: iso(last), analysis, analysisWithheld: null, bandit: null, plan, warnings };
  }

  /**
   * The cumulative effect over time: the read-out of `analyze` (without the Bayesian part) as
   * of the end of each UTC day, from the daily statistics written with the running totals.
   * A bandit's days are withheld as its analysis is.
   */
  async timeline(workspaceId: string, id: string, options: TimelineOptions = {}): Promise<ExperimentTimeline> {
    const { definition } = await this.getExperiment(workspaceId, id);
    const compiled = (await this.model(workspaceId)).experiments.get(id)!;
    const controlArmId = controlArmOf(definition);
    if (banditSettingsOf(definition) !== null) return { experimentId: id, controlArmId, days: [], withheld: BANDIT_ANALYSIS_WITHHELD };
    const metrics = analyzedMetrics(definition, compiled);
    const snapshots = await this.deps.store.armDays(workspaceId, id);
    return { experimentId: id, controlArmId, days: cumulativeTimeline({ design: designOf(definition, designOptions(options)), metrics, snapshots }), withheld: null };
  }

  private async banditReadout(
    workspaceId: string, definition: ExperimentDefinition, settings: BanditSettings, rows: Map<string, Map<string, ArmStatsRow>>, units: Readonly<Record<string, number>>,
  ): Promise<BanditReadout> {
    const history = this.deps.bandits === undefined ? await this.deps.store.banditWeights(workspaceId, definition.id) : await this.deps.bandits.history(workspaceId, definition.id);
    const metricId = definition.primaryMetric;
    const arms = banditArmEstimates(definition.arms.map((arm) => ({
      armId: arm.id, units: units[arm.id] ?? 0, value: rows.get(arm.id)?.get(metricId)?.moments ?? null, ipw: rows.get(arm.id)?.get(ipwMetricId(metricId))?.moments ?? null,
    })));
    return { metricId, settings, weights: history.at(-1) ?? null, history, arms, caveat: BANDIT_NAIVE_CAVEAT };
  }

  /**
   * The ROI report: the program (holdout against everyone else who got a decision) with the
   * workspace's monthly cost, then each experiment's treatment arms against its control.
   * Experiments get uplift and incremental revenue, and ROI against their own `monthlyCost` when the definition has one.
   */
  async report(workspaceId: string, options: ReportOptions = {}): Promise<WorkspaceReport> {
    const model = await this.model(workspaceId);
    const now = this.deps.clock.now();
    const measurement = model.measurement;
    const experiments = options.experimentId === undefined ? [...model.experiments.values()] : [model.experiments.get(options.experimentId)].filter((e) => e !== undefined);
    if (options.experimentId !== undefined && experiments.length === 0) throw new AttuneError('ATTUNE_EXPERIMENT_NOT_FOUND', { detail: `no experiment has the id "${options.experimentId}"` });
    if (options.experimentId !== undefined && experiments[0]!.bandit) {
      throw new AttuneError('ATTUNE_EXPERIMENT_INVALID', {
        detail: `"${options.experimentId}" is a bandit experiment: its weights moved with the outcomes, so its arms are no fixed-weight comparison for the ROI report; read its analysis (inverse-propensity-weighted estimates)`,
        field: '/experiment',
      });
    }
    const ids = [...(options.experimentId === undefined ? [PROGRAM_EXPERIMENT_ID] : []), ...experiments.map((e) => e.id)];
    const all = await this.deps.store.armStats(workspaceId, ids);
    const byExperiment = new Map<string, ArmStatsRow[]>();
    for (const row of all) byExperiment.set(row.experimentId, [...(byExperiment.get(row.experimentId) ?? []), row]);
    const common = {
      ...(options.alpha === undefined ? {} : { alpha: options.alpha }),
      ...(options.sequential === true ? { sequential: { nStar: options.nStar ?? DEFAULT_SEQUENTIAL_N_STAR } } : {}),
      currency: measurement.currency,
    };
    const arm = (rows: Map<string, Map<string, ArmStatsRow>>, id: string): ReportArm => {
      const metrics: ReportArm['metrics'] = {};
      for (const role of roiRoles) {
        const acc = accumulator(rows.get(id)?.get(measurement.roiMetrics[role]));
        if (acc !== undefined) (metrics as Record<string, ArmAccumulator>)[role] = acc;
      }
      return { id, units: rows.get(id)?.get(UNITS_METRIC)?.moments.n ?? 0, metrics };
    };
    // From the first exposure to now, or to the stop of a stopped experiment (its units' revenue is scaled to a month of its run, not of the time since).
    const periodDays = (rows: readonly ArmStatsRow[], stop?: string): number => {
      const first = rows.filter((r) => r.metricId === UNITS_METRIC).reduce((m, r) => Math.min(m, r.firstAt), Infinity);
      return Number.isFinite(first) ? Math.max(endOf(stop, now) - first, 60_000) / DAY_MS : 1;
    };
    const reports: RoiReport[] = [];
    if (options.experimentId === undefined) {
      const rows = byExperiment.get(PROGRAM_EXPERIMENT_ID) ?? [];
      const indexed = indexRows(rows);
      const share = measurement.holdoutShare;
      reports.push(roiReport({
        ...common, scope: 'program', baseline: arm(indexed, HOLDOUT_ARM), treated: arm(indexed, PERSONALIZED_ARM),
        weights: share > 0 ? { baseline: share, treated: 1 - share } : { baseline: 0.5, treated: 0.5 },
        periodDays: periodDays(rows), monthlyCost: options.monthlyCost !== undefined ? options.monthlyCost : measurement.monthlyCost,
      }));
    }
    for (const e of experiments) {
      const definition = e.definition!;
      // A bandit's arms are no fixed-weight comparison: its read-out (`analyze`) gives the weighted estimates instead.
      if (e.bandit) continue;
      const rows = byExperiment.get(e.id) ?? [];
      const indexed = indexRows(rows);
      const control = controlArmOf(definition);
      const weightOf = (id: string) => definition.arms.find((a) => a.id === id)?.weight ?? 0;
      const treatments = definition.arms.filter((a) => a.id !== control);
      for (const t of treatments) {
        reports.push(roiReport({
          ...common, scope: treatments.length === 1 ? e.id : `${e.id}:${t.id}`, baseline: arm(indexed, control), treated: arm(indexed, t.id),
          weights: { baseline: weightOf(control), treated: weightOf(t.id) }, periodDays: periodDays(rows, definition.stop), monthlyCost: definition.monthlyCost ?? null,
        }));
      }
    }
    return { generatedAt: new Date(now).toISOString(), measurement, reports };
  }
}
