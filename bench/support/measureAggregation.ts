import { assignArm } from '../../src/core/experiments/assignArm.js';
import type { ExperimentDefinition } from '../../src/core/experiments/ExperimentDefinition.js';
import { EXPOSURE_EVENT, type ExperimentUnits, type StoredValue } from '../../src/core/experiments/experimentUnits.js';
import {
  compileExperimentModel, HOLDOUT_ARM, PERSONALIZED_ARM, PROGRAM_EXPERIMENT_ID, UNITS_METRIC,
  type CompiledExperiment, type ExperimentModel,
} from '../../src/core/experiments/ExperimentModel.js';
import { builtinMetrics, type MeasurementSettings } from '../../src/core/experiments/MeasurementSettings.js';
import type { MetricDefinition } from '../../src/core/experiments/MetricDefinition.js';
import {
  addUnitValue, emptyAccumulator, removeUnitValue, zeroValue,
  type ArmAccumulator, type CompiledMetric, type MetricEvent, type UnitValue,
} from '../../src/core/experiments/metricValues.js';
import { addPair, emptyPairMoments, type PairMoments } from '../../src/core/stats/SufficientStats.js';
import type { ArmStatsRow } from '../../src/store/ports.js';
import { seededRandom } from './random.js';

/**
 * The aggregation part of the measure benchmark: the experiment, its five metrics and the
 * workspace's measurement settings; a seeded, time-ordered stream of exposures
 * (`Experiment Viewed`) and outcome events; the check of stored arm statistics against a
 * fresh fold of every unit's whole event list; and a pure fold built from the core's pieces
 * (`advance`, `removeUnitValue`, `addUnitValue`), the floor the real path is compared with.
 * The real path itself (applyExperimentEvent into a SqliteCollectTx) is in measureCollect.ts.
 */

const builtin = (id: string): MetricDefinition => {
  const metric = builtinMetrics.find((m) => m.id === id);
  if (metric === undefined) throw new Error(`no built-in metric "${id}"`);
  return metric;
};

/** The workspace's own metrics: a 7-day purchase conversion and a count. */
export const customMetrics: readonly MetricDefinition[] = [
  { id: 'purchase-7d', kind: 'conversion', event: 'Order Completed', window: '7d' },
  { id: 'product-views', kind: 'count', event: 'Product Viewed' },
];

/** The issue's five metrics, primary first: conversion, revenue (mean), AOV (ratio), CTR (ratio), a count. */
export const measureMetrics: readonly MetricDefinition[] = [
  customMetrics[0]!, builtin('revenue'), builtin('aov'), builtin('ctr'), customMetrics[1]!,
];

/**
 * The ROI report's metrics (which every experiment also aggregates, and the program too) are
 * the experiment's own: its conversion stands for the built-in 30-day one, and revenue, aov
 * and ctr are the built-ins. So each experiment aggregates exactly its five metrics.
 */
export const measureSettings: MeasurementSettings = { roiMetrics: { conversionRate: 'purchase-7d' } };

export const measureExperiment: ExperimentDefinition = {
  id: 'hero-personalization',
  placement: 'home-hero',
  arms: [
    { id: 'control', weight: 0.5, serve: { kind: 'generic' } },
    { id: 'personalized', weight: 0.5, serve: { kind: 'personalized' } },
  ],
  start: '2025-03-01T00:00:00Z',
  primaryMetric: 'purchase-7d',
  guardrailMetrics: ['revenue', 'aov', 'ctr', 'product-views'],
};

export const measureWorkspace = 'bench-measure';

/** The model the collect commit would aggregate with: compiled once, as per config version. */
export function compileMeasureModel(experiments: readonly ExperimentDefinition[] = [measureExperiment]): ExperimentModel {
  const model = compileExperimentModel({ experiments, metrics: customMetrics, measurement: measureSettings, workspaceId: measureWorkspace });
  if (model.problems.length > 0) throw new Error(`the experiment model has problems: ${model.problems.map((p) => `${p.experimentId}: ${p.message}`).join('; ')}`);
  for (const e of model.experiments.values()) {
    const ids = e.metrics.map((m) => m.id).join(',');
    if (ids !== measureMetrics.map((m) => m.id).join(',')) throw new Error(`experiment ${e.id} aggregates ${ids}, not the five metrics`);
  }
  return model;
}

/** The compiled experiment (or the program) of an id. */
export function compiledExperiment(model: ExperimentModel, id: string): CompiledExperiment {
  const e = id === PROGRAM_EXPERIMENT_ID ? model.program : model.experiments.get(id);
  if (e === undefined) throw new Error(`no experiment "${id}" in the model`);
  return e;
}

function exposureRecord(unitId: string, experimentId: string, armId: string, arm: number, timestamp: number): StreamRecord {
  return {
    kind: 'exposure', unitId, experimentId, arm,
    event: { type: 'track', name: EXPOSURE_EVENT, timestamp, properties: { experiment_id: experimentId, variation_id: armId } },
  };
}

/** Event names and their shares of the outcome events (names no metric reads included). */
const eventMix: readonly (readonly [string, number])[] = [
  ['Product Viewed', 0.36],
  ['Page Viewed', 0.2],
  ['Decision Viewed', 0.22],
  ['Decision Clicked', 0.04],
  ['Added to Cart', 0.1],
  ['Order Completed', 0.03],
  ['Search', 0.05],
];

const day = 86_400_000;

/**
 * One event of the stream, with the unit (profile) it belongs to. An exposure is an
 * `Experiment Viewed` track event, as the decide step logs it; `arm` is its arm's index.
 */
export type StreamRecord =
  | { readonly kind: 'exposure'; readonly unitId: string; readonly experimentId: string; readonly arm: number; readonly event: MetricEvent }
  | { readonly kind: 'event'; readonly unitId: string; readonly event: MetricEvent };

export interface Stream {
  readonly records: readonly StreamRecord[];
  readonly units: number;
  readonly events: number;
  readonly eventCounts: Readonly<Record<string, number>>;
  readonly armUnits: readonly number[];
  readonly spanDays: number;
}

function propertiesOf(name: string, random: () => number): Record<string, unknown> {
  const product = `p${Math.floor(random() * 5_000).toString()}`;
  switch (name) {
    case 'Product Viewed': return { productId: product, price: Math.round(random() * 20_000) / 100, category: `c${Math.floor(random() * 40).toString()}` };
    case 'Added to Cart': return { productId: product, quantity: 1 + Math.floor(random() * 3) };
    case 'Order Completed': return { orderId: `o${Math.floor(random() * 1e9).toString()}`, revenue: Math.round((15 + -Math.log(1 - random()) * 60) * 100) / 100, currency: 'EUR' };
    case 'Decision Viewed':
    case 'Decision Clicked': return { placement: 'home-hero', actionId: `a${Math.floor(random() * 200).toString()}`, decisionId: `d${Math.floor(random() * 1e9).toString()}` };
    case 'Search': return { query: `q${Math.floor(random() * 1_000).toString()}` };
    default: return { path: `/page/${Math.floor(random() * 300).toString()}` };
  }
}

function pickName(random: () => number): string {
  let u = random();
  for (const [name, share] of eventMix) {
    if (u < share) return name;
    u -= share;
  }
  return eventMix[0]![0];
}

/**
 * `units` units exposed over the first 14 days of a 21-day run (arm by `assignArm`), and
 * `events` outcome events spread over them (units' activity skewed: a few heavy users), each
 * after its unit's exposure, gaps exponential with a mean of 2 days, so some fall outside the
 * 7-day window; the whole stream sorted by time.
 */
export function buildStream(units: number, events: number, seed = 20250301): Stream {
  const random = seededRandom(seed);
  const start = Date.parse(measureExperiment.start!);
  const spanDays = 21;
  const exposures: { unitId: string; arm: number; timestamp: number; weight: number }[] = [];
  const armUnits = measureExperiment.arms.map(() => 0);
  let totalWeight = 0;
  for (let i = 0; i < units; i++) {
    const unitId = `u${i.toString().padStart(7, '0')}`;
    const timestamp = start + Math.floor(random() * 14 * day);
    const assignment = assignArm(measureExperiment, unitId, timestamp);
    const arm = measureExperiment.arms.findIndex((a) => a.id === assignment.armId);
    if (arm < 0) throw new Error(`unit ${unitId} not assigned: ${assignment.reason}`);
    armUnits[arm]! += 1;
    const weight = (-Math.log(1 - random())) ** 1.5;
    totalWeight += weight;
    exposures.push({ unitId, arm, timestamp, weight });
  }
  // Events per unit in proportion to its activity weight (largest remainders to hit `events` exactly).
  const quotas = exposures.map((e) => (e.weight / totalWeight) * events);
  const counts = quotas.map(Math.floor);
  let left = events - counts.reduce((a, b) => a + b, 0);
  const byRemainder = quotas.map((q, i) => [q - Math.floor(q), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of byRemainder) {
    if (left-- <= 0) break;
    counts[i]! += 1;
  }
  const end = start + spanDays * day;
  const records: StreamRecord[] = [];
  const eventCounts: Record<string, number> = {};
  exposures.forEach((e, i) => {
    records.push(exposureRecord(e.unitId, measureExperiment.id, measureExperiment.arms[e.arm]!.id, e.arm, e.timestamp));
    let t = e.timestamp;
    for (let k = 0; k < counts[i]!; k++) {
      t = Math.min(end - 1, t + Math.floor(-Math.log(1 - random()) * (2 * day) / Math.max(1, counts[i]! / 4)));
      const name = pickName(random);
      eventCounts[name] = (eventCounts[name] ?? 0) + 1;
      records.push({ kind: 'event', unitId: e.unitId, event: { type: 'track', name, timestamp: t, properties: propertiesOf(name, random) } });
    }
  });
  // Stable sort: a unit's exposure stays before its events at the same millisecond.
  records.sort((a, b) => a.event.timestamp - b.event.timestamp);
  return { records, units, events, eventCounts, armUnits, spanDays };
}

/** The holdout's share of the program (MeasurementSettings' default). */
const holdoutShare = 0.05;

/**
 * The same stream with every unit also exposed to the program (`_program`, holdout or
 * personalized, 5% holdout, seeded) at its experiment exposure, as the decide step does for a
 * consenting profile while a holdout runs. In production the holdout's units are left out of
 * experiments; here they stay in, so that the experiment's figures stay those of the base stream.
 */
export function withProgramExposures(stream: Stream, seed = 5): Stream {
  const random = seededRandom(seed);
  const records: StreamRecord[] = [];
  for (const r of stream.records) {
    records.push(r);
    if (r.kind !== 'exposure') continue;
    const held = random() < holdoutShare;
    records.push(exposureRecord(r.unitId, PROGRAM_EXPERIMENT_ID, held ? HOLDOUT_ARM : PERSONALIZED_ARM, held ? 0 : 1, r.event.timestamp));
  }
  return { ...stream, records };
}

/** A unit's running state in the pure fold: its arm, first exposure and current value of each metric. */
interface PureUnit {
  readonly arm: number;
  readonly firstExposure: number;
  readonly values: UnitValue[];
}

export interface PureFold {
  readonly units: Map<string, PureUnit>;
  /** [arm][metric]. */
  readonly accumulators: ArmAccumulator[][];
  /** Arm-accumulator updates (a unit's value changed: one removal and one addition). */
  updates: number;
}

/**
 * The pure floor: the stream folded record by record with the core's pieces and no more. An
 * exposure creates the unit (all values `zeroValue`) and adds it to its arm's accumulators;
 * an event advances each metric's value (`CompiledMetric.advance`), and a changed value leaves
 * its arm's accumulator (`removeUnitValue`) and enters it again (`addUnitValue`). Units in a
 * Map, values in an array: none of the real path's string keys, stored form or change objects.
 */
export function foldPure(records: readonly StreamRecord[], metrics: readonly CompiledMetric[], arms: number): PureFold {
  const state: PureFold = {
    units: new Map(),
    accumulators: Array.from({ length: arms }, () => metrics.map((m) => emptyAccumulator(m.kind))),
    updates: 0,
  };
  for (const record of records) {
    if (record.kind === 'exposure') {
      if (record.experimentId !== measureExperiment.id || state.units.has(record.unitId)) continue; // the first exposure counts
      const values = metrics.map((m) => zeroValue(m.kind));
      state.units.set(record.unitId, { arm: record.arm, firstExposure: record.event.timestamp, values });
      const accs = state.accumulators[record.arm]!;
      for (let m = 0; m < metrics.length; m++) accs[m] = addUnitValue(accs[m]!, values[m]!);
      continue;
    }
    const unit = state.units.get(record.unitId);
    if (unit === undefined) continue; // not exposed (yet): no metric counts it
    const accs = state.accumulators[unit.arm]!;
    for (let m = 0; m < metrics.length; m++) {
      const old = unit.values[m]!;
      const next = metrics[m]!.advance(unit.firstExposure, old, record.event);
      if (next === old) continue;
      unit.values[m] = next;
      accs[m] = addUnitValue(removeUnitValue(accs[m]!, old), next);
      state.updates++;
    }
  }
  return state;
}

export interface AggregationCheck {
  /** Over every moment of every row (n, means, M2s, co-moment). */
  readonly maxRelativeDifference: number;
  /** Every unit's stored values equal `valueOf` of its whole event list. */
  readonly unitValuesAgree: boolean;
  /** Rows expected (experiment × arm × metric, `_units` included) and rows found. */
  readonly rowsExpected: number;
  readonly rowsFound: number;
}

const momentKeys = ['n', 'meanX', 'meanY', 'm2X', 'm2Y', 'cXY'] as const;

function relativeDifference(expected: PairMoments, got: PairMoments): number {
  let max = 0;
  for (const key of momentKeys) {
    const e = expected[key];
    const scale = Math.max(Math.abs(e), key === 'n' ? 1 : 1e-12);
    max = Math.max(max, Math.abs(got[key] - e) / scale);
  }
  return max;
}

/** Each unit's outcome events, in stream order: what the checks fold with `valueOf`. */
export function eventsByUnit(records: readonly StreamRecord[]): Map<string, MetricEvent[]> {
  const eventsOf = new Map<string, MetricEvent[]>();
  for (const r of records) if (r.kind === 'event') {
    const list = eventsOf.get(r.unitId);
    if (list === undefined) eventsOf.set(r.unitId, [r.event]);
    else list.push(r.event);
  }
  return eventsOf;
}

const pairOf = (value: UnitValue): [number, number] => (value.kind === 'pair' ? [value.numerator, value.denominator] : [value.value, 0]);

/**
 * Whether a unit's stored values (its `v`) are exactly the values expected of it, metric by
 * metric: the same metrics (a unit stores every metric of its experiment from its exposure,
 * zeros included: 0, or [0, 0] for a ratio) and the same numbers (a number for a single
 * metric, [numerator, denominator] for a ratio). No tolerance: the stored value is advanced
 * event by event, `valueOf` folds the same events in the same order.
 */
export function storedValuesEqual(expected: ReadonlyMap<string, UnitValue>, stored: Readonly<Record<string, StoredValue>> | undefined): boolean {
  if (stored === undefined) return false;
  const ids = Object.keys(stored);
  if (ids.length !== expected.size) return false;
  for (const id of ids) {
    const value = expected.get(id);
    const got = stored[id];
    if (value === undefined || got === undefined) return false;
    if (value.kind === 'pair') {
      if (!Array.isArray(got) || got.length !== 2 || got[0] !== value.numerator || got[1] !== value.denominator) return false;
    } else if (got !== value.value) return false;
  }
  return true;
}

/**
 * The check of the real path: every unit's values from its whole event list (`valueOf` from
 * its first exposure), folded per experiment, arm and metric with `addPair` (x the value and y
 * 0 for a single metric, as no covariate is set; numerator and denominator for a ratio; (0, 0)
 * for `_units`), against the rows read back from the store; and each unit's stored values.
 */
export function verifyStoredStats(eventsOf: ReadonlyMap<string, readonly MetricEvent[]>, model: ExperimentModel, units: ReadonlyMap<string, ExperimentUnits>, rows: readonly ArmStatsRow[]): AggregationCheck {
  const expected = new Map<string, PairMoments>();
  const add = (experimentId: string, armId: string, metricId: string, x: number, y: number) => {
    const key = `${experimentId}\u0000${armId}\u0000${metricId}`;
    expected.set(key, addPair(expected.get(key) ?? emptyPairMoments, x, y));
  };
  let unitValuesAgree = true;
  for (const [unitId, perExperiment] of units) {
    const events = eventsOf.get(unitId) ?? [];
    for (const [experimentId, unit] of Object.entries(perExperiment)) {
      add(experimentId, unit.a, UNITS_METRIC, 0, 0);
      const values = new Map<string, UnitValue>();
      for (const metric of compiledExperiment(model, experimentId).metrics) {
        const value = metric.valueOf(unit.t, events);
        values.set(metric.id, value);
        const [x, y] = pairOf(value);
        add(experimentId, unit.a, metric.id, x, y);
      }
      if (!storedValuesEqual(values, unit.v)) unitValuesAgree = false;
    }
  }
  let maxRelativeDifference = 0;
  let rowsFound = 0;
  for (const row of rows) {
    const e = expected.get(`${row.experimentId}\u0000${row.armId}\u0000${row.metricId}`);
    if (e === undefined) {
      maxRelativeDifference = Infinity; // a row no unit explains
      continue;
    }
    rowsFound++;
    maxRelativeDifference = Math.max(maxRelativeDifference, relativeDifference(e, row.moments));
  }
  return { maxRelativeDifference, unitValuesAgree, rowsExpected: expected.size, rowsFound };
}

/** The same check of the pure fold's accumulators (single metrics as (value, 0) pairs). */
export function verifyPureFold(eventsOf: ReadonlyMap<string, readonly MetricEvent[]>, metrics: readonly CompiledMetric[], state: PureFold): AggregationCheck {
  const fresh = state.accumulators.map((accs) => accs.map(() => emptyPairMoments));
  let unitValuesAgree = true;
  for (const [unitId, unit] of state.units) {
    const events = eventsOf.get(unitId) ?? [];
    metrics.forEach((metric, m) => {
      const value = metric.valueOf(unit.firstExposure, events);
      if (JSON.stringify(value) !== JSON.stringify(unit.values[m])) unitValuesAgree = false;
      const [x, y] = pairOf(value);
      fresh[unit.arm]![m] = addPair(fresh[unit.arm]![m]!, x, y);
    });
  }
  let maxRelativeDifference = 0;
  state.accumulators.forEach((accs, a) => accs.forEach((acc, m) => {
    const got: PairMoments = acc.kind === 'pair' ? acc.moments : { n: acc.moments.n, meanX: acc.moments.mean, meanY: 0, m2X: acc.moments.m2, m2Y: 0, cXY: 0 };
    maxRelativeDifference = Math.max(maxRelativeDifference, relativeDifference(fresh[a]![m]!, got));
  }));
  const rows = state.accumulators.length * metrics.length;
  return { maxRelativeDifference, unitValuesAgree, rowsExpected: rows, rowsFound: rows };
}
