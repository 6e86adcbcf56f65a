/**
 * A workspace's experiments, metrics and measurement settings, compiled once per config
 * version: what the decide step assigns with and what the collect commit aggregates with.
 */
import { compilePropensityRule } from '../decide/scoring.js';
import type { CompiledRule, RuleSchema } from '../rules/compileRule.js';
import { RuleError } from '../rules/RuleError.js';
import { metricIdsOf, type ArmServe, type ExperimentDefinition } from './ExperimentDefinition.js';
import { builtinMetrics, resolveMeasurement, roiRoles, type MeasurementSettings, type ResolvedMeasurement } from './MeasurementSettings.js';
import type { MetricDefinition } from './MetricDefinition.js';
import { compileMetric, MetricDefinitionError, type CompiledMetric } from './metricValues.js';

/** The program's pseudo-experiment: the workspace holdout against everyone else who got a decision. */
export const PROGRAM_EXPERIMENT_ID = '_program';
export const HOLDOUT_ARM = 'holdout';
export const PERSONALIZED_ARM = 'personalized';

/** The pseudo-metric whose `n` counts an arm's units, whatever metrics come and go. */
export const UNITS_METRIC = '_units';

export interface CompiledExperiment {
  readonly id: string;
  /** Null for the program. */
  readonly definition: ExperimentDefinition | null;
  readonly armIds: ReadonlySet<string>;
  /** Primary, guardrails, then the ROI report's metrics; each once. */
  readonly metrics: readonly CompiledMetric[];
  /** The numeric feature read at first exposure (CUPED), or null. */
  readonly covariate: string | null;
  /** A `bandit` allocation: units carry the probability of their arm and feed the `_ipw.` rows. */
  readonly bandit: boolean;
  /** What each arm serves, with a `strategy` arm's compiled propensity rule. Empty for the program. */
  readonly arms: ReadonlyMap<string, CompiledArm>;
}

export interface CompiledArm {
  readonly serve: ArmServe;
  readonly propensity: CompiledRule | null;
  /** Set when the arm cannot run (its propensity rule does not compile): its units get the default content. */
  readonly problem: string | null;
}

export interface ExperimentProblem {
  readonly experimentId: string;
  readonly message: string;
}

export interface ExperimentModel {
  readonly measurement: ResolvedMeasurement;
  /** The holdout's hash seed: the workspace id, so every workspace draws its own holdout. */
  readonly holdoutSeed: string;
  readonly program: CompiledExperiment;
  readonly experiments: ReadonlyMap<string, CompiledExperiment>;
  /** The experiments of each placement, in id order (the first that takes a unit serves it). */
  readonly byPlacement: ReadonlyMap<string, readonly CompiledExperiment[]>;
  /** Every metric of the workspace (built-ins, then definitions that replace them). */
  readonly metrics: ReadonlyMap<string, MetricDefinition>;
  /** Event names some experiment's metric reads: any other event skips aggregation. */
  readonly eventNames: ReadonlySet<string>;
  readonly problems: readonly ExperimentProblem[];
}

export interface ExperimentConfig {
  readonly experiments: readonly ExperimentDefinition[];
  readonly metrics: readonly MetricDefinition[];
  readonly measurement?: MeasurementSettings | null;
  readonly workspaceId: string;
  /** What rules may read (a strategy arm's propensity rule); default: anything. */
  readonly schema?: RuleSchema;
}

function compileArm(serve: ArmServe, schema: RuleSchema): CompiledArm {
  if (serve.kind !== 'strategy') return { serve, propensity: null, problem: null };
  try {
    return { serve, propensity: compilePropensityRule(serve.strategy, schema), problem: null };
  } catch (error) {
    if (!(error instanceof RuleError)) throw error;
    return { serve, propensity: null, problem: `strategy.propensity.rule does not compile: ${error.message}` };
  }
}

/** Compiles what it can; an experiment that reads a missing or broken metric lists the problem and runs without it. */
export function compileExperimentModel(config: ExperimentConfig): ExperimentModel {
  const measurement = resolveMeasurement(config.measurement);
  const metrics = new Map<string, MetricDefinition>();
  for (const m of builtinMetrics) metrics.set(m.id, m);
  for (const m of config.metrics) metrics.set(m.id, m);
  const compiled = new Map<string, CompiledMetric | string>();
  const compiledMetric = (id: string): CompiledMetric | string => {
    let c = compiled.get(id);
    if (c !== undefined) return c;
    const definition = metrics.get(id);
    if (definition === undefined) c = `no metric "${id}"`;
    else {
      try {
        c = compileMetric(definition);
      } catch (error) {
        if (!(error instanceof MetricDefinitionError)) throw error;
        c = error.message;
      }
    }
    compiled.set(id, c);
    return c;
  };
  const problems: ExperimentProblem[] = [];
  const roiMetricIds = roiRoles.map((role) => measurement.roiMetrics[role]);
  const metricsFor = (experimentId: string, ids: readonly string[]): CompiledMetric[] => {
    const out: CompiledMetric[] = [];
    for (const id of new Set(ids)) {
      const c = compiledMetric(id);
      if (typeof c === 'string') problems.push({ experimentId, message: c });
      else out.push(c);
    }
    return out;
  };

  const program: CompiledExperiment = {
    id: PROGRAM_EXPERIMENT_ID, definition: null, armIds: new Set([HOLDOUT_ARM, PERSONALIZED_ARM]),
    metrics: metricsFor(PROGRAM_EXPERIMENT_ID, roiMetricIds), covariate: null, bandit: false, arms: new Map(),
  };
  const experiments = new Map<string, CompiledExperiment>();
  const byPlacement = new Map<string, CompiledExperiment[]>();
  for (const definition of [...config.experiments].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const experiment: CompiledExperiment = {
      id: definition.id, definition, armIds: new Set(definition.arms.map((a) => a.id)),
      metrics: metricsFor(definition.id, [...metricIdsOf(definition), ...roiMetricIds]), covariate: definition.covariate ?? null,
      bandit: definition.allocation?.mode === 'bandit',
      arms: new Map(definition.arms.map((arm) => [arm.id, compileArm(arm.serve, config.schema ?? {})])),
    };
    for (const [armId, arm] of experiment.arms) if (arm.problem !== null) problems.push({ experimentId: definition.id, message: `arm ${armId}: ${arm.problem}` });
    experiments.set(definition.id, experiment);
    const list = byPlacement.get(definition.placement) ?? [];
    list.push(experiment);
    byPlacement.set(definition.placement, list);
  }
  const eventNames = new Set<string>();
  for (const e of [program, ...experiments.values()]) for (const m of e.metrics) for (const name of m.events) eventNames.add(name);
  return { measurement, holdoutSeed: config.workspaceId, program, experiments, byPlacement, metrics, eventNames, problems };
}

/** A model with no experiments and default settings, for a workspace before its config is read. */
export function emptyExperimentModel(workspaceId: string): ExperimentModel {
  return compileExperimentModel({ experiments: [], metrics: [], workspaceId });
}
