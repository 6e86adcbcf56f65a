/**
 * A profile's side of experiments, kept in its knowledge: for each experiment it was exposed
 * to, the arm, the first exposure and its current metric values. Exposures arrive as
 * `Experiment Viewed` track events (the decide step emits them; GrowthBook and Segment use the
 * same event), so the log holds them, a rebuild replays them, and an identity merge merges them.
 */
import type { UnreadableSink } from '../common/readNumber.js';
import type { RuleValue } from '../rules/values.js';
import { assignmentAfterMerge } from './assignArm.js';
import { UNITS_METRIC, type CompiledExperiment, type ExperimentModel } from './ExperimentModel.js';
import { zeroValue, type CompiledMetric, type MetricEvent, type UnitValue } from './metricValues.js';

/** The exposure event's name and the properties that carry the experiment and the arm. */
export const EXPOSURE_EVENT = 'Experiment Viewed';

/** A metric's value in storage: a number, or [numerator, denominator] for a ratio metric. Absent: 0. */
export type StoredValue = number | [number, number];

/** One experiment's state for one profile (short keys: it is stored with every profile's knowledge). */
export interface ExperimentUnit {
  /** The arm served. */
  a: string;
  /** First exposure (ms). */
  t: number;
  /** The covariate at first exposure (CUPED); absent: 0. */
  c?: number;
  /**
   * A bandit experiment's unit: the probability it was assigned its arm with (the arm's weight
   * then). Its metric values also go, divided by it, into the `_ipw.` rows (`ipwMetricId`).
   */
  p?: number;
  /**
   * The metrics the unit is counted in, with its value in each: every metric of the
   * experiment at its exposure (0, or [0, 0] for a ratio, until an event changes it). A metric
   * added to the experiment later is not the unit's: its rows count units exposed since (a
   * rebuild counts everyone), so a row never loses a value it was never given.
   */
  v?: Record<string, StoredValue>;
}

export type ExperimentUnits = Record<string, ExperimentUnit>;

/**
 * A change to one arm's statistics of one metric: a unit's value went from `before` (null:
 * the unit is new) to `after`. Values are (x, y) pairs: (value, covariate) for single metrics,
 * (numerator, denominator) for ratio metrics; the `_units` pseudo-metric is (0, 0).
 */
export interface ArmStatChange {
  readonly experimentId: string;
  readonly armId: string;
  readonly metricId: string;
  readonly before: readonly [number, number] | null;
  readonly after: readonly [number, number];
}

export interface Exposure {
  readonly experimentId: string;
  readonly armId: string;
  /** A bandit experiment's: the probability of this arm when the unit was assigned, and the weights' version. */
  readonly probability?: number;
  readonly weightsVersion?: number;
}

/** The exposure event's properties for the probability and the weights' version (bandit experiments). */
export const PROBABILITY_PROPERTY = 'assignment_probability';
export const WEIGHTS_VERSION_PROPERTY = 'weights_version';

/**
 * The pseudo-metric of a bandit experiment's arm that holds, per unit, (value / p, 1 if the
 * value is not 0): its sums give the inverse-propensity-weighted estimate of the metric, and the
 * units with a non-zero value (the conversions of a revenue reward). Not for ratio metrics.
 */
export function ipwMetricId(metricId: string): string {
  return `_ipw.${metricId}`;
}

/** A unit's (x, y) in an `_ipw.` row for a value of a single metric. */
export function ipwPair(value: number, probability: number): [number, number] {
  return [value / probability, value === 0 ? 0 : 1];
}

const idPattern = /^[a-z0-9_][a-z0-9_.-]{0,99}$/;

/** The exposure an event reports, or null: `Experiment Viewed` with `experiment_id` and `variation_id`. */
export function readExposure(event: { readonly type: string; readonly name: string | null; readonly properties: Readonly<Record<string, unknown>> | null }): Exposure | null {
  if (event.type !== 'track' || event.name !== EXPOSURE_EVENT || event.properties === null) return null;
  const experimentId = Object.hasOwn(event.properties, 'experiment_id') ? event.properties['experiment_id'] : undefined;
  const armId = Object.hasOwn(event.properties, 'variation_id') ? event.properties['variation_id'] : undefined;
  if (typeof experimentId !== 'string' || typeof armId !== 'string' || !idPattern.test(experimentId) || !idPattern.test(armId)) return null;
  const probability = Object.hasOwn(event.properties, PROBABILITY_PROPERTY) ? event.properties[PROBABILITY_PROPERTY] : undefined;
  // Only a probability that can divide: anything else leaves the unit out of the weighted rows.
  if (typeof probability !== 'number' || !(probability > 0 && probability <= 1)) return { experimentId, armId };
  const version = Object.hasOwn(event.properties, WEIGHTS_VERSION_PROPERTY) ? event.properties[WEIGHTS_VERSION_PROPERTY] : undefined;
  return { experimentId, armId, probability, ...(typeof version === 'number' && Number.isInteger(version) ? { weightsVersion: version } : {}) };
}

function experimentOf(model: ExperimentModel, id: string): CompiledExperiment | undefined {
  return id === model.program.id ? model.program : model.experiments.get(id);
}

// Shared: most units have no value for most metrics, and this runs for every event they send.
const zeroSingle: UnitValue = zeroValue('count');
const zeroPair: UnitValue = zeroValue('ratio');
const oneSingle: UnitValue = { kind: 'single', value: 1 };

/** The unit's value of a metric it is counted in; null when it is not (or the stored form is of another kind). */
function toValue(metric: CompiledMetric, stored: StoredValue): UnitValue | null {
  if (metric.kind === 'ratio') {
    if (!Array.isArray(stored)) return null;
    return stored[0] === 0 && stored[1] === 0 ? zeroPair : { kind: 'pair', numerator: stored[0], denominator: stored[1] };
  }
  if (typeof stored !== 'number') return null;
  return stored === 0 ? zeroSingle : stored === 1 ? oneSingle : { kind: 'single', value: stored };
}

function toStored(value: UnitValue): StoredValue {
  return value.kind === 'pair' ? [value.numerator, value.denominator] : value.value;
}

function pairOf(value: UnitValue, covariate: number): [number, number] {
  return value.kind === 'pair' ? [value.numerator, value.denominator] : [value.value, covariate];
}

/** Shared and never written to: `changes` is replaced by a new array before the first push. */
const noChanges: ArmStatChange[] = [];

/** The numeric value of a feature for the covariate; anything else counts as 0. */
export function covariateValue(value: RuleValue | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/**
 * Applies one event to a profile's experiment units, in place, and returns the arm-statistics
 * changes. An exposure to a known experiment and arm creates the unit (the first exposure
 * wins: later ones change nothing, so assignment is sticky); any other event advances the
 * values of the metrics that read it, for every experiment the profile is in.
 * `covariateOf(feature)` reads a feature's value at the event (only called on an exposure).
 * Metric property values that are present but not numbers are reported in `unreadable`.
 */
export function applyExperimentEvent(
  units: ExperimentUnits | undefined,
  event: MetricEvent,
  model: ExperimentModel,
  covariateOf: (feature: string) => number,
  unreadable?: UnreadableSink,
): { units: ExperimentUnits | undefined; changes: ArmStatChange[] } {
  // Allocated on the first change: most events of exposed profiles change nothing.
  let changes: ArmStatChange[] = noChanges;
  const exposure = event.name === EXPOSURE_EVENT ? readExposure(event) : null;
  if (exposure !== null) {
    const experiment = experimentOf(model, exposure.experimentId);
    if (experiment === undefined || !experiment.armIds.has(exposure.armId) || (units !== undefined && Object.hasOwn(units, exposure.experimentId))) return { units, changes };
    const unit: ExperimentUnit = { a: exposure.armId, t: event.timestamp, v: {} };
    // Only a bandit experiment weights its units: a probability on a fixed one's exposure is ignored.
    if (exposure.probability !== undefined && experiment.bandit) unit.p = exposure.probability;
    const read = experiment.covariate === null ? 0 : covariateOf(experiment.covariate);
    // -0 is 0: the unit stores no covariate then, and later changes must pair with the same 0.
    const covariate = read === 0 ? 0 : read;
    if (covariate !== 0) unit.c = covariate;
    const next = units ?? {};
    next[exposure.experimentId] = unit;
    changes = [{ experimentId: experiment.id, armId: unit.a, metricId: UNITS_METRIC, before: null, after: [0, 0] }];
    for (const metric of experiment.metrics) {
      const zero = zeroValue(metric.kind);
      define(unit.v!, metric.id, toStored(zero));
      changes.push({ experimentId: experiment.id, armId: unit.a, metricId: metric.id, before: null, after: pairOf(zero, covariate) });
      if (unit.p !== undefined && metric.kind !== 'ratio') changes.push({ experimentId: experiment.id, armId: unit.a, metricId: ipwMetricId(metric.id), before: null, after: [0, 0] });
    }
    return { units: next, changes };
  }
  if (units === undefined || event.name === null || !model.eventNames.has(event.name)) return { units, changes };
  for (const experimentId in units) {
    if (!Object.hasOwn(units, experimentId)) continue;
    const experiment = experimentOf(model, experimentId);
    if (experiment === undefined) continue;
    const unit = units[experimentId]!;
    const covariate = unit.c ?? 0;
    for (const metric of experiment.metrics) {
      if (!metric.events.has(event.name)) continue;
      const stored = unit.v !== undefined && Object.hasOwn(unit.v, metric.id) ? unit.v[metric.id] : undefined;
      if (stored === undefined) continue;
      const before = toValue(metric, stored);
      if (before === null) continue;
      const after = metric.advance(unit.t, before, event, unreadable);
      if (after === before) continue;
      const next = toStored(after);
      unit.v![metric.id] = next;
      // A ratio's stored pair is its (x, y) already; stored values are replaced, never changed in place.
      if (changes === noChanges) changes = [];
      changes.push({
        experimentId, armId: unit.a, metricId: metric.id,
        before: Array.isArray(stored) ? stored : [stored, covariate],
        after: Array.isArray(next) ? next : [next, covariate],
      });
      if (unit.p !== undefined && typeof stored === 'number' && typeof next === 'number') {
        changes.push({ experimentId, armId: unit.a, metricId: ipwMetricId(metric.id), before: ipwPair(stored, unit.p), after: ipwPair(next, unit.p) });
      }
    }
  }
  return { units, changes };
}

function copyUnit(unit: ExperimentUnit): ExperimentUnit {
  return unit.v === undefined ? { ...unit } : { ...unit, v: { ...unit.v } };
}

/** An own property even for a key such as `__proto__` (stored state is data, never a prototype). */
function define<T>(record: Record<string, T>, id: string, value: T): void {
  if (id === '__proto__') Object.defineProperty(record, id, { value, enumerable: true, writable: true, configurable: true });
  else record[id] = value;
}

/**
 * The units of a profile that absorbs another: per experiment `assignmentAfterMerge` (the
 * survivor's unit wins; a survivor without one takes the absorbed profile's, with its values).
 * The absorbed profile's own unit stays in the arm statistics as it was: its outcomes were
 * caused by what it was served (intent to treat), and a person seen as two units is rare.
 */
export function mergeExperimentUnits(survivor: ExperimentUnits | undefined, absorbed: ExperimentUnits | undefined): ExperimentUnits | undefined {
  if (absorbed === undefined) return survivor;
  // Copies: the merged state is updated in place later, and must not change the absorbed profile's.
  const merged: ExperimentUnits = {};
  for (const [id, unit] of Object.entries(survivor ?? {})) define(merged, id, copyUnit(unit));
  for (const id of Object.keys(absorbed)) {
    const s = survivor !== undefined && Object.hasOwn(survivor, id) ? survivor[id] : undefined;
    const a = absorbed[id]!;
    const { assignment } = assignmentAfterMerge(s === undefined ? null : { armId: s.a }, { armId: a.a });
    if (s === undefined && assignment !== null) define(merged, id, copyUnit(a));
  }
  return merged;
}
