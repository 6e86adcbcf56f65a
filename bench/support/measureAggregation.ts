import { assignArm } from '../../src/core/experiments/assignArm.js';
import type { ExperimentDefinition } from '../../src/core/experiments/ExperimentDefinition.js';
import type { MetricDefinition } from '../../src/core/experiments/MetricDefinition.js';
import {
  addUnitValue, compileMetric, emptyAccumulator,
  type ArmAccumulator, type CompiledMetric, type MetricEvent, type UnitValue,
} from '../../src/core/experiments/metricValues.js';
import type { Moments, PairMoments } from '../../src/core/stats/SufficientStats.js';
import { seededRandom } from './random.js';

/**
 * The aggregation part of the measure benchmark: a seeded, time-ordered stream of exposures
 * and outcome events of one experiment, folded event by event into each unit's running metric
 * values and each arm's sufficient statistics.
 *
 * metricValues.ts offers the unit's value from all its events (`valueOf`), not an update by one
 * event, and no way to take a unit's value back out of an accumulator. The incremental path
 * built here from the exported pieces: each metric's contribution of one event is
 * `valueOf(firstExposure, [event])` (every metric kind is a sum over events, conversion an "any"),
 * added to the unit's running value; when that changes, the old value leaves the arm's
 * accumulator (the inverse Welford step below, exact algebraically) and the new one enters it
 * (`addUnitValue`). A check at the end folds every unit's full event list with `valueOf` and
 * `addUnitValue` and compares.
 */

/** The five metrics. */
export const measureMetrics: readonly MetricDefinition[] = [
  { id: 'purchase-7d', kind: 'conversion', event: 'Order Completed', window: '7d' },
  { id: 'revenue-per-visitor', kind: 'mean', event: 'Order Completed', property: 'revenue' },
  { id: 'aov', kind: 'ratio', numerator: { event: 'Order Completed', property: 'revenue' }, denominator: { event: 'Order Completed' } },
  { id: 'ctr', kind: 'ratio', numerator: { event: 'Decision Clicked' }, denominator: { event: 'Decision Viewed' } },
  { id: 'product-views', kind: 'count', event: 'Product Viewed' },
];

export const measureExperiment: ExperimentDefinition = {
  id: 'hero-personalization',
  placement: 'home-hero',
  arms: [
    { id: 'control', weight: 0.5, serve: { kind: 'generic' } },
    { id: 'personalized', weight: 0.5, serve: { kind: 'personalized' } },
  ],
  start: '2025-03-01T00:00:00Z',
  primaryMetric: 'purchase-7d',
  guardrailMetrics: ['revenue-per-visitor', 'aov', 'ctr', 'product-views'],
};

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

export type StreamRecord =
  | { readonly kind: 'exposure'; readonly unitId: string; readonly arm: number; readonly timestamp: number }
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
    records.push({ kind: 'exposure', unitId: e.unitId, arm: e.arm, timestamp: e.timestamp });
    let t = e.timestamp;
    for (let k = 0; k < counts[i]!; k++) {
      t = Math.min(end - 1, t + Math.floor(-Math.log(1 - random()) * (2 * day) / Math.max(1, counts[i]! / 4)));
      const name = pickName(random);
      eventCounts[name] = (eventCounts[name] ?? 0) + 1;
      records.push({ kind: 'event', unitId: e.unitId, event: { type: 'track', name, timestamp: t, properties: propertiesOf(name, random) } });
    }
  });
  const timeOf = (r: StreamRecord) => (r.kind === 'exposure' ? r.timestamp : r.event.timestamp);
  // Stable sort: a unit's exposure stays before its events at the same millisecond.
  records.sort((a, b) => timeOf(a) - timeOf(b));
  return { records, units, events, eventCounts, armUnits, spanDays };
}

/** Takes one observation back out of moments (the inverse of Welford's update). */
export function removeObservation(m: Moments, x: number): Moments {
  if (m.n <= 1) return { n: 0, mean: 0, m2: 0 };
  const n = m.n - 1;
  const delta = x - m.mean;
  const mean = m.mean - delta / n;
  return { n, mean, m2: m.m2 - delta * (x - mean) };
}

/** Takes one (x, y) observation back out of pair moments. */
export function removePair(m: PairMoments, x: number, y: number): PairMoments {
  if (m.n <= 1) return { n: 0, meanX: 0, meanY: 0, m2X: 0, m2Y: 0, cXY: 0 };
  const n = m.n - 1;
  const dx = x - m.meanX;
  const dy = y - m.meanY;
  const meanX = m.meanX - dx / n;
  const meanY = m.meanY - dy / n;
  return { n, meanX, meanY, m2X: m.m2X - dx * (x - meanX), m2Y: m.m2Y - dy * (y - meanY), cXY: m.cXY - dx * (y - meanY) };
}

export function removeUnitValue(acc: ArmAccumulator, value: UnitValue): ArmAccumulator {
  if (acc.kind === 'single' && value.kind === 'single') return { kind: 'single', moments: removeObservation(acc.moments, value.value) };
  if (acc.kind === 'pair' && value.kind === 'pair') return { kind: 'pair', moments: removePair(acc.moments, value.numerator, value.denominator) };
  throw new TypeError(`a ${value.kind} value does not fit a ${acc.kind} accumulator`);
}

/** A unit's running state: its arm, first exposure and current value of each metric. */
interface UnitState {
  readonly arm: number;
  readonly firstExposure: number;
  readonly values: UnitValue[];
}

export interface AggregationState {
  readonly units: Map<string, UnitState>;
  /** [arm][metric]. */
  readonly accumulators: ArmAccumulator[][];
  /** Arm-accumulator updates (a unit's value changed: one removal and one addition). */
  updates: number;
  outcomeEvents: number;
}

export function compileMeasureMetrics(): CompiledMetric[] {
  return measureMetrics.map(compileMetric);
}

const zero = (m: CompiledMetric): UnitValue => (m.kind === 'ratio' ? { kind: 'pair', numerator: 0, denominator: 0 } : { kind: 'single', value: 0 });

/** The new running value after one event's contribution; the same object when nothing changed. */
function combine(kind: CompiledMetric['kind'], old: UnitValue, delta: UnitValue): UnitValue {
  if (old.kind === 'pair' && delta.kind === 'pair') {
    if (delta.numerator === 0 && delta.denominator === 0) return old;
    return { kind: 'pair', numerator: old.numerator + delta.numerator, denominator: old.denominator + delta.denominator };
  }
  if (old.kind === 'single' && delta.kind === 'single') {
    if (delta.value === 0) return old;
    if (kind === 'conversion') return old.value === 1 ? old : delta;
    return { kind: 'single', value: old.value + delta.value };
  }
  throw new TypeError('value shapes differ');
}

/**
 * Folds the stream in, record by record: the timed work. An exposure creates the unit's state
 * (all values 0) and adds it to its arm's accumulators; an event goes through every metric.
 * With `fold` false the arm accumulators are left alone (unit values only), to see the split.
 */
export function aggregate(records: readonly StreamRecord[], metrics: readonly CompiledMetric[], arms: number, fold = true): AggregationState {
  const state: AggregationState = {
    units: new Map(),
    accumulators: Array.from({ length: arms }, () => metrics.map((m) => emptyAccumulator(m.kind))),
    updates: 0,
    outcomeEvents: 0,
  };
  const one: MetricEvent[] = [];
  for (const record of records) {
    if (record.kind === 'exposure') {
      if (state.units.has(record.unitId)) continue; // only the first exposure counts
      const values = metrics.map(zero);
      state.units.set(record.unitId, { arm: record.arm, firstExposure: record.timestamp, values });
      if (fold) {
        const accs = state.accumulators[record.arm]!;
        for (let m = 0; m < metrics.length; m++) accs[m] = addUnitValue(accs[m]!, values[m]!);
      }
      continue;
    }
    state.outcomeEvents++;
    const unit = state.units.get(record.unitId);
    if (unit === undefined) continue; // not exposed (yet): no metric counts it
    one[0] = record.event;
    const accs = state.accumulators[unit.arm]!;
    for (let m = 0; m < metrics.length; m++) {
      const metric = metrics[m]!;
      const old = unit.values[m]!;
      const next = combine(metric.kind, old, metric.valueOf(unit.firstExposure, one));
      if (next === old) continue;
      unit.values[m] = next;
      if (fold) {
        accs[m] = addUnitValue(removeUnitValue(accs[m]!, old), next);
        state.updates++;
      }
    }
  }
  return state;
}

/**
 * The check: every unit's values from its whole event list (`valueOf`), folded per arm with
 * `addUnitValue`, against the incremental state. Returns the largest relative difference
 * over all moments (means, M2, co-moments) and whether every unit's values agree.
 */
export function verifyAggregation(records: readonly StreamRecord[], metrics: readonly CompiledMetric[], state: AggregationState): { maxRelativeDifference: number; unitValuesAgree: boolean } {
  const eventsOf = new Map<string, MetricEvent[]>();
  for (const r of records) if (r.kind === 'event') {
    const list = eventsOf.get(r.unitId);
    if (list === undefined) eventsOf.set(r.unitId, [r.event]);
    else list.push(r.event);
  }
  const fresh = state.accumulators.map((accs) => accs.map((acc) => emptyAccumulator(acc.kind === 'pair' ? 'ratio' : 'mean')));
  let unitValuesAgree = true;
  for (const [unitId, unit] of state.units) {
    const events = eventsOf.get(unitId) ?? [];
    metrics.forEach((metric, m) => {
      const value = metric.valueOf(unit.firstExposure, events);
      if (JSON.stringify(value) !== JSON.stringify(unit.values[m])) unitValuesAgree = false;
      fresh[unit.arm]![m] = addUnitValue(fresh[unit.arm]![m]!, value);
    });
  }
  let maxRelativeDifference = 0;
  state.accumulators.forEach((accs, a) => accs.forEach((acc, m) => {
    const expected = fresh[a]![m]!.moments as unknown as Record<string, number>;
    const got = acc.moments as unknown as Record<string, number>;
    for (const key of Object.keys(expected)) {
      const e = expected[key]!;
      const g = got[key]!;
      const scale = Math.max(Math.abs(e), key === 'n' ? 1 : 1e-12);
      maxRelativeDifference = Math.max(maxRelativeDifference, Math.abs(g - e) / scale);
    }
  }));
  return { maxRelativeDifference, unitValuesAgree };
}
