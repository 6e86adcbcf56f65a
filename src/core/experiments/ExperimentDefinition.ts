import { Type, type Static } from 'typebox';
import { DecisionId } from '../decide/ActionDefinition.js';
import { ScoringStrategy } from '../decide/scoring.js';
import type { HashVersion } from './hash.js';
import type { Namespace } from './buckets.js';

const IsoTime = Type.String({ format: 'date-time', description: 'ISO 8601 date and time' });

/** Ids of metrics: read in experiment definitions and reports. */
export const MetricId = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,99}$', description: 'Lower case letters, digits, _ . -; at most 100 characters' });

/**
 * What the units of an arm get in the experiment's placement:
 * - `generic`: the placement's default content, no decision (the "no personalization" baseline);
 * - `personalized`: the placement's normal decision;
 * - `strategy`: the normal decision, scored with another strategy;
 * - `actions`: the normal decision restricted to these actions (content variants).
 */
export const ArmServe = Type.Union([
  Type.Object({ kind: Type.Literal('generic') }, { additionalProperties: false, description: 'The placement\'s default content' }),
  Type.Object({ kind: Type.Literal('personalized') }, { additionalProperties: false, description: 'The placement\'s normal decision' }),
  Type.Object({ kind: Type.Literal('strategy'), strategy: ScoringStrategy }, { additionalProperties: false, description: 'The normal decision under another scoring strategy' }),
  Type.Object(
    { kind: Type.Literal('actions'), actionIds: Type.Array(DecisionId, { minItems: 1, maxItems: 50, uniqueItems: true }) },
    { additionalProperties: false, description: 'The normal decision among these actions only' },
  ),
], { title: 'ArmServe' });
export type ArmServe = Static<typeof ArmServe>;

export const ExperimentArm = Type.Object(
  {
    id: DecisionId,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    weight: Type.Number({ minimum: 0, maximum: 1, description: 'Share of the covered traffic; the weights of an experiment add up to 1' }),
    serve: ArmServe,
  },
  { additionalProperties: false, title: 'ExperimentArm' },
);
export type ExperimentArm = Static<typeof ExperimentArm>;

/**
 * How an experiment splits its units over the arms:
 * - `fixed` (the default): the arms' weights, as long as the definition says so;
 * - `bandit`: Thompson sampling on the primary metric. The arms' weights are the first
 *   allocation; every `updateEveryMinutes` the weights are recomputed from the arms' statistics
 *   (P(arm is best) mixed with `minExplorationShare` of uniform), new units are hashed with the
 *   weights in force, and each exposure records the weight it was assigned with (its exact
 *   probability) and the weights' version. Units already assigned keep their arm (sticky).
 *   Settings named as the `thompson` placement strategy's.
 */
export const ExperimentAllocation = Type.Union([
  Type.Object({ mode: Type.Literal('fixed') }, { additionalProperties: false, description: 'The arms\' weights, unchanged' }),
  Type.Object(
    {
      mode: Type.Literal('bandit'),
      minExplorationShare: Type.Optional(Type.Number({
        minimum: 0, maximum: 0.5,
        description: 'Each arm gets at least this share of new units (default 0.01), as a uniform mixture, so the recorded probability stays exact',
      })),
      updateEveryMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10080, description: 'How often the weights are recomputed from the arms\' statistics (default 60)' })),
    },
    {
      additionalProperties: false,
      description: 'A multi-armed bandit on the primary metric (a conversion metric: Beta posteriors, exact; a mean or count metric: rate times mean value, Monte Carlo)',
    },
  ),
], { title: 'ExperimentAllocation' });
export type ExperimentAllocation = Static<typeof ExperimentAllocation>;

/**
 * An experiment on one placement: its arms and their traffic weights, the share of units it
 * covers, an optional layer slice (namespace) that keeps it disjoint from the other experiments
 * of the layer, its run time, and the metrics it is judged on. Assignment is GrowthBook's
 * (see README.md): hash(seed, unitId, hashVersion) → bucket ranges from coverage and weights.
 *
 * @example { "id": "hero-personalization", "placement": "home-hero", "arms": [{ "id": "control", "weight": 0.5, "serve": { "kind": "generic" } }, { "id": "personalized", "weight": 0.5, "serve": { "kind": "personalized" } }], "coverage": 1, "start": "2025-03-01T00:00:00Z", "primaryMetric": "purchase-7d", "guardrailMetrics": ["revenue-per-visitor"] }
 */
export const ExperimentDefinition = Type.Object(
  {
    id: DecisionId,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    placement: DecisionId,
    arms: Type.Array(ExperimentArm, { minItems: 2, maxItems: 20, description: 'The first arm is the control unless `control` names another' }),
    control: Type.Optional(Type.String({ description: 'Id of the control arm (default the first arm)' })),
    coverage: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 1, description: 'Share of eligible units that enter the experiment (traffic allocation)' })),
    hashVersion: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)], { default: 2, description: 'GrowthBook hash version; 2 unless carried over from a GrowthBook experiment using 1' })),
    seed: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Hash seed (default the experiment id); carry over a GrowthBook experiment key here' })),
    namespace: Type.Optional(Type.Tuple([
      Type.String({ minLength: 1, maxLength: 100 }),
      Type.Number({ minimum: 0, maximum: 1 }),
      Type.Number({ minimum: 0, maximum: 1 }),
    ], { description: '[layerId, start, end]: experiments of one layer given disjoint [start, end) slices never share a unit' })),
    start: Type.Optional(IsoTime),
    stop: Type.Optional(IsoTime),
    primaryMetric: MetricId,
    guardrailMetrics: Type.Optional(Type.Array(MetricId, { maxItems: 20, uniqueItems: true, default: [] })),
    excludeHoldout: Type.Optional(Type.Boolean({ default: true, description: 'Keep the workspace holdout out of this experiment (false: held-out units may enter it and get its arm)' })),
    plan: Type.Optional(Type.Object(
      {
        minimumDetectableEffect: Type.Number({ exclusiveMinimum: 0, maximum: 10, description: 'The relative effect on the primary metric the experiment must be able to detect (0.05: 5%)' }),
        days: Type.Integer({ minimum: 1, maximum: 365, description: 'How long the experiment is planned to run, from its first exposure' }),
        power: Type.Optional(Type.Number({ minimum: 0.5, maximum: 0.99, default: 0.8 })),
      },
      { additionalProperties: false, description: 'The plan the read-out checks the audience against: is it large enough to detect this effect in this time?' },
    )),
    allocation: Type.Optional(ExperimentAllocation),
    covariate: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'A numeric feature read at the unit\'s first exposure: the pre-exposure covariate CUPED adjusts with' })),
    monthlyCost: Type.Optional(Type.Number({
      minimum: 0,
      description: 'What running the treatment costs per month, in the workspace\'s currency: the denominator of this experiment\'s ROI in the report (the workspace\'s monthly cost is the whole program\'s)',
    })),
  },
  { additionalProperties: false, title: 'ExperimentDefinition' },
);
export type ExperimentDefinition = Static<typeof ExperimentDefinition>;

/** The hash seed: `seed`, else the id. */
export function seedOf(experiment: ExperimentDefinition): string {
  return experiment.seed ?? experiment.id;
}

export function hashVersionOf(experiment: ExperimentDefinition): HashVersion {
  return experiment.hashVersion ?? 2;
}

export function coverageOf(experiment: ExperimentDefinition): number {
  return experiment.coverage ?? 1;
}

/** The control arm's id: `control`, else the first arm's. */
export function controlArmOf(experiment: ExperimentDefinition): string {
  return experiment.control ?? experiment.arms[0]!.id;
}

export function namespaceOf(experiment: ExperimentDefinition): Namespace | null {
  return experiment.namespace ?? null;
}

/** A bandit experiment's settings, with their defaults. */
export interface BanditSettings {
  readonly minExplorationShare: number;
  readonly updateEveryMinutes: number;
}

/** The bandit settings of a `bandit` experiment, defaults filled; null for a fixed one. */
export function banditSettingsOf(experiment: ExperimentDefinition): BanditSettings | null {
  const allocation = experiment.allocation;
  if (allocation?.mode !== 'bandit') return null;
  return { minExplorationShare: allocation.minExplorationShare ?? 0.01, updateEveryMinutes: allocation.updateEveryMinutes ?? 60 };
}

/** The primary metric first, then the guardrails. */
export function metricIdsOf(experiment: ExperimentDefinition): string[] {
  return [experiment.primaryMetric, ...(experiment.guardrailMetrics ?? []).filter((id) => id !== experiment.primaryMetric)];
}

/** Tolerance on the sum of the weights, as in GrowthBook (outside it, it falls back to equal weights). */
const WEIGHT_TOLERANCE = 0.01;

/**
 * Problems the schema cannot express; empty when the definition is valid. Reject definitions
 * with problems at the edge: the assignment functions follow GrowthBook's fallbacks instead.
 */
export function experimentProblems(experiment: ExperimentDefinition): string[] {
  const problems: string[] = [];
  const ids = experiment.arms.map((arm) => arm.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) problems.push(`arms: the id "${duplicate}" is used twice`);
  const total = experiment.arms.reduce((sum, arm) => sum + arm.weight, 0);
  if (Math.abs(total - 1) > WEIGHT_TOLERANCE) problems.push(`arms: the weights add up to ${total}, not 1`);
  if (experiment.control !== undefined && !ids.includes(experiment.control)) problems.push(`control: no arm "${experiment.control}"`);
  else if ((experiment.arms.find((arm) => arm.id === (experiment.control ?? ids[0]))?.weight ?? 0) <= 0) problems.push('arms: the control arm needs a weight above 0');
  if (experiment.namespace !== undefined && !(experiment.namespace[1] < experiment.namespace[2])) problems.push('namespace: start must be below end');
  const start = experiment.start === undefined ? null : Date.parse(experiment.start);
  const stop = experiment.stop === undefined ? null : Date.parse(experiment.stop);
  if (start !== null && Number.isNaN(start)) problems.push('start: not a date-time');
  if (stop !== null && Number.isNaN(stop)) problems.push('stop: not a date-time');
  if (start !== null && stop !== null && !(start < stop)) problems.push('stop: must be after start');
  if (experiment.allocation?.mode === 'bandit' && experiment.arms.some((arm) => arm.weight <= 0)) problems.push('arms: a bandit\'s first weights must all be above 0 (it learns only from arms it serves)');
  if ((experiment.guardrailMetrics ?? []).includes(experiment.primaryMetric)) problems.push('guardrailMetrics: the primary metric is not also a guardrail');
  return problems;
}
