import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addPair, emptyPairMoments, removePair, type PairMoments } from '../stats/SufficientStats.js';
import type { ExperimentDefinition } from './ExperimentDefinition.js';
import { compileExperimentModel, PROGRAM_EXPERIMENT_ID, UNITS_METRIC, type CompiledExperiment } from './ExperimentModel.js';
import {
  applyExperimentEvent, covariateValue, EXPOSURE_EVENT, mergeExperimentUnits, readExposure,
  type ArmStatChange, type ExperimentUnits, type StoredValue,
} from './experimentUnits.js';
import type { MetricDefinition } from './MetricDefinition.js';
import type { MetricEvent } from './metricValues.js';

/**
 * A profile's side of experiments: exposures create units (sticky), later events move the
 * units' metric values, and every move is reported as a (before, after) change of one arm's
 * statistics. The property test checks that the changes, folded into pair moments, give the
 * statistics a direct computation (valueOf over each unit's events) gives.
 */
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const T0 = Date.parse('2026-03-01T00:00:00Z');

const metrics: MetricDefinition[] = [
  { id: 'purchase-7d', kind: 'conversion', event: 'Order Completed', window: '7d' },
  { id: 'spend', kind: 'mean', event: 'Order Completed', property: 'revenue', window: '7d' },
  { id: 'big-orders', kind: 'count', event: 'Order Completed', where: 'event.properties.revenue >= 100', window: '1d' },
];
const arm = (id: string, kind: 'generic' | 'personalized' = 'personalized') => ({ id, weight: 0.5, serve: { kind } });
const hero: ExperimentDefinition = {
  id: 'hero', placement: 'home', arms: [arm('control', 'generic'), arm('treatment')],
  primaryMetric: 'purchase-7d', guardrailMetrics: ['spend', 'big-orders'], covariate: 'orders_before',
};
const side: ExperimentDefinition = { id: 'side', placement: 'side', arms: [arm('a'), arm('b')], primaryMetric: 'spend' };
const model = compileExperimentModel({ experiments: [hero, side], metrics, workspaceId: 'ws' });

const HERO_METRICS = ['purchase-7d', 'spend', 'big-orders', 'conversion', 'revenue', 'aov', 'ctr'];
/** What an exposure stores in `v`: every metric of the experiment, at its zero (0, or [0, 0] for a ratio). */
const HERO_ZEROS: Readonly<Record<string, StoredValue>> = { 'purchase-7d': 0, spend: 0, 'big-orders': 0, conversion: 0, revenue: 0, aov: [0, 0], ctr: [0, 0] };
const SIDE_ZEROS: Readonly<Record<string, StoredValue>> = { spend: 0, conversion: 0, revenue: 0, aov: [0, 0], ctr: [0, 0] };
const PROGRAM_ZEROS: Readonly<Record<string, StoredValue>> = { conversion: 0, revenue: 0, aov: [0, 0], ctr: [0, 0] };

function track(name: string, timestamp: number, properties: Record<string, unknown> = {}): MetricEvent {
  return { type: 'track', name, timestamp, properties };
}
const exposure = (experimentId: string, armId: string, timestamp = T0): MetricEvent => track(EXPOSURE_EVENT, timestamp, { experiment_id: experimentId, variation_id: armId });
const order = (timestamp: number, revenue: unknown): MetricEvent => track('Order Completed', timestamp, { revenue });
const noCovariate = (): number => 0;

/** Applies events in order to one profile's units; returns the units and every change. */
function applyAll(events: readonly MetricEvent[], covariateOf: (feature: string) => number = noCovariate, start?: ExperimentUnits): { units: ExperimentUnits | undefined; changes: ArmStatChange[] } {
  let units = start;
  const changes: ArmStatChange[] = [];
  for (const event of events) {
    const result = applyExperimentEvent(units, event, model, covariateOf);
    units = result.units;
    changes.push(...result.changes);
  }
  return { units, changes };
}

const change = (metricId: string, before: [number, number] | null, after: [number, number], armId = 'treatment', experimentId = 'hero'): ArmStatChange => ({ experimentId, armId, metricId, before, after });

describe('readExposure', () => {
  const viewed = (properties: Record<string, unknown> | null, over: { type?: string; name?: string | null } = {}) =>
    ({ type: over.type ?? 'track', name: over.name === undefined ? EXPOSURE_EVENT : over.name, properties });

  it.each([
    ['an experiment and an arm', { experiment_id: 'hero', variation_id: 'treatment' }, { experimentId: 'hero', armId: 'treatment' }],
    ['the program (a leading _)', { experiment_id: '_program', variation_id: 'holdout' }, { experimentId: '_program', armId: 'holdout' }],
    ['dots, dashes and digits', { experiment_id: 'exp-2.b_1', variation_id: '0' }, { experimentId: 'exp-2.b_1', armId: '0' }],
    ['100 characters', { experiment_id: 'e'.repeat(100), variation_id: 'a' }, { experimentId: 'e'.repeat(100), armId: 'a' }],
    ['other properties besides', { experiment_id: 'hero', variation_id: 'control', experiment_name: 'Hero' }, { experimentId: 'hero', armId: 'control' }],
  ] as const)('reads %s', (_name, properties, expected) => {
    expect(readExposure(viewed(properties))).toEqual(expected);
  });

  it.each([
    ['upper case', { experiment_id: 'Hero', variation_id: 'a' }],
    ['an empty experiment id', { experiment_id: '', variation_id: 'a' }],
    ['an empty arm id', { experiment_id: 'hero', variation_id: '' }],
    ['101 characters', { experiment_id: 'e'.repeat(101), variation_id: 'a' }],
    ['a space', { experiment_id: 'hero one', variation_id: 'a' }],
    ['a leading dash', { experiment_id: '-hero', variation_id: 'a' }],
    ['a number', { experiment_id: 'hero', variation_id: 1 }],
    ['null', { experiment_id: null, variation_id: 'a' }],
    ['an object', { experiment_id: { id: 'hero' }, variation_id: 'a' }],
    ['no variation_id', { experiment_id: 'hero' }],
    ['no experiment_id', { variation_id: 'a' }],
    ['the GrowthBook key names', { experimentId: 'hero', variationId: 'a' }],
  ] as const)('ignores invalid ids: %s', (_name, properties) => {
    expect(readExposure(viewed(properties))).toBeNull();
  });

  it.each([
    ['a page call', { type: 'page' }],
    ['an identify call', { type: 'identify' }],
    ['another name', { name: 'Experiment Started' }],
    ['another case', { name: 'experiment viewed' }],
    ['no name', { name: null }],
  ] as const)('ignores %s', (_name, over) => {
    expect(readExposure(viewed({ experiment_id: 'hero', variation_id: 'a' }, over))).toBeNull();
  });

  it('ignores an event without properties', () => {
    expect(readExposure(viewed(null))).toBeNull();
    expect(readExposure(viewed({}))).toBeNull();
  });

  it('reads own properties only: inherited ids do not count', () => {
    const inherited = Object.create({ experiment_id: 'hero', variation_id: 'a' }) as Record<string, unknown>;
    expect(readExposure(viewed(inherited))).toBeNull();
    const nested = JSON.parse('{"__proto__": {"experiment_id": "hero", "variation_id": "a"}}') as Record<string, unknown>;
    expect(readExposure(viewed(nested))).toBeNull();
  });

  it('prototype keys as ids are read like any id; they never name an experiment of the model', () => {
    for (const id of ['__proto__', 'constructor', 'prototype', 'tostring', 'hasownproperty']) {
      const read = readExposure(viewed({ experiment_id: id, variation_id: id }));
      expect(read).toEqual({ experimentId: id, armId: id });
      expect(applyExperimentEvent(undefined, exposure(id, 'treatment'), model, noCovariate)).toEqual({ units: undefined, changes: [] });
    }
  });
});

describe('applyExperimentEvent: exposures', () => {
  it('an exposure creates the unit with its arm and time, and emits _units plus one change per metric, each with before null', () => {
    const result = applyExperimentEvent(undefined, exposure('hero', 'treatment', T0 + 5), model, (feature) => (feature === 'orders_before' ? 3 : NaN));
    // v holds every metric of the experiment at its zero: the metrics the unit is counted in.
    expect(result.units).toEqual({ hero: { a: 'treatment', t: T0 + 5, c: 3, v: HERO_ZEROS } });
    expect(result.changes).toEqual([
      change(UNITS_METRIC, null, [0, 0]),
      // Single metrics carry (value, covariate); ratio metrics (numerator, denominator).
      change('purchase-7d', null, [0, 3]),
      change('spend', null, [0, 3]),
      change('big-orders', null, [0, 3]),
      change('conversion', null, [0, 3]),
      change('revenue', null, [0, 3]),
      change('aov', null, [0, 0]),
      change('ctr', null, [0, 0]),
    ]);
  });

  it('a covariate of 0 is not stored; an experiment without a covariate does not read one', () => {
    const read: string[] = [];
    const covariateOf = (feature: string): number => { read.push(feature); return 0; };
    const { units } = applyAll([exposure('hero', 'control'), exposure('side', 'b', T0 + 1)], covariateOf);
    expect(units).toEqual({ hero: { a: 'control', t: T0, v: HERO_ZEROS }, side: { a: 'b', t: T0 + 1, v: SIDE_ZEROS } });
    expect(read).toEqual(['orders_before']);
  });

  it('a second exposure to another arm changes nothing (sticky): the same units, no changes', () => {
    const { units } = applyAll([exposure('hero', 'treatment')], () => 2);
    const before = structuredClone(units);
    const again = applyExperimentEvent(units, exposure('hero', 'control', T0 + hour), model, () => 9);
    expect(again.changes).toEqual([]);
    expect(again.units).toBe(units);
    expect(units).toEqual(before);
    // The same arm again changes nothing either.
    expect(applyExperimentEvent(units, exposure('hero', 'treatment', T0 + 2 * hour), model, () => 9)).toEqual({ units, changes: [] });
  });

  it('an exposure to another experiment adds its unit beside the first', () => {
    const { units, changes } = applyAll([exposure('hero', 'treatment'), exposure('side', 'a', T0 + minute)]);
    expect(Object.keys(units ?? {})).toEqual(['hero', 'side']);
    expect(changes.filter((c) => c.experimentId === 'side').map((c) => c.metricId)).toEqual([UNITS_METRIC, 'spend', 'conversion', 'revenue', 'aov', 'ctr']);
  });

  it('the program is an experiment with arms holdout and personalized and the ROI metrics', () => {
    const { units, changes } = applyAll([exposure(PROGRAM_EXPERIMENT_ID, 'holdout')]);
    expect(units).toEqual({ [PROGRAM_EXPERIMENT_ID]: { a: 'holdout', t: T0, v: PROGRAM_ZEROS } });
    expect(changes.map((c) => [c.armId, c.metricId])).toEqual([UNITS_METRIC, 'conversion', 'revenue', 'aov', 'ctr'].map((m) => ['holdout', m]));
    expect(applyExperimentEvent(undefined, exposure(PROGRAM_EXPERIMENT_ID, 'control'), model, noCovariate)).toEqual({ units: undefined, changes: [] });
  });

  it.each([
    ['an unknown experiment', exposure('nope', 'control')],
    ['an unknown arm', exposure('hero', 'nope')],
    ['an arm of another experiment', exposure('hero', 'a')],
    ['invalid ids', exposure('Hero', 'treatment')],
  ])('ignores %s', (_name, event) => {
    expect(applyExperimentEvent(undefined, event, model, noCovariate)).toEqual({ units: undefined, changes: [] });
    const units: ExperimentUnits = { side: { a: 'a', t: T0 } };
    expect(applyExperimentEvent(units, event, model, noCovariate)).toEqual({ units: { side: { a: 'a', t: T0 } }, changes: [] });
  });

  it('reads the covariate only at the exposure: later events carry the stored one', () => {
    let calls = 0;
    let covariate = 4;
    const covariateOf = (): number => { calls++; return covariate; };
    const { units } = applyAll([exposure('hero', 'treatment')], covariateOf);
    expect(calls).toBe(1);
    covariate = 50;
    const { changes } = applyAll([order(T0 + hour, 20)], covariateOf, units);
    expect(calls).toBe(1);
    expect(units?.['hero']?.c).toBe(4);
    expect(changes.find((c) => c.metricId === 'spend')).toEqual(change('spend', [0, 4], [20, 4]));
  });
});

describe('applyExperimentEvent: metric values', () => {
  const exposed = (covariate = 3): ExperimentUnits => applyAll([exposure('hero', 'treatment')], () => covariate).units!;

  it('events before the first exposure change nothing: there is no unit yet', () => {
    expect(applyAll([order(T0, 120), track('Decision Viewed', T0)])).toEqual({ units: undefined, changes: [] });
  });

  it('an order: every metric that reads it moves, with (value, covariate) pairs', () => {
    const units = exposed();
    const { changes } = applyAll([order(T0 + hour, 120)], noCovariate, units);
    expect(changes).toEqual([
      change('purchase-7d', [0, 3], [1, 3]),
      change('spend', [0, 3], [120, 3]),
      change('big-orders', [0, 3], [1, 3]),
      change('conversion', [0, 3], [1, 3]),
      change('revenue', [0, 3], [120, 3]),
      change('aov', [0, 0], [120, 1]),
    ]);
    // ctr does not read orders: it stays at its zero, still stored.
    expect(units['hero']).toEqual({ a: 'treatment', t: T0, c: 3, v: { 'purchase-7d': 1, spend: 120, 'big-orders': 1, conversion: 1, revenue: 120, aov: [120, 1], ctr: [0, 0] } });
  });

  it('events before the first exposure\'s time or outside a window change nothing of that metric', () => {
    const units = exposed();
    expect(applyAll([order(T0 - 1, 120)], noCovariate, units).changes).toEqual([]);
    // 8 days on: outside the 7d and 1d windows, inside conversion's 30d; revenue and aov have none.
    const late = applyAll([order(T0 + 8 * day, 120)], noCovariate, units).changes;
    expect(late.map((c) => c.metricId)).toEqual(['conversion', 'revenue', 'aov']);
    // The window is half-open: exactly 1d after the exposure is outside big-orders' window.
    const edge = applyAll([order(T0 + day, 150)], noCovariate, exposed()).changes;
    expect(edge.map((c) => c.metricId)).not.toContain('big-orders');
    expect(applyAll([order(T0 + day - 1, 150)], noCovariate, exposed()).changes.map((c) => c.metricId)).toContain('big-orders');
  });

  it('events no metric reads change nothing', () => {
    const units = exposed();
    const before = structuredClone(units);
    expect(applyAll([track('Product Viewed', T0 + 1, { revenue: 5 }), { type: 'page', name: null, timestamp: T0 + 2, properties: {} }], noCovariate, units).changes).toEqual([]);
    expect(units).toEqual(before);
  });

  it('a conversion caps at 1; a count and a sum keep adding', () => {
    const units = exposed(0);
    const { changes } = applyAll([order(T0 + hour, 150), order(T0 + 2 * hour, 200)], noCovariate, units);
    expect(changes.filter((c) => c.metricId === 'purchase-7d')).toEqual([change('purchase-7d', [0, 0], [1, 0])]);
    expect(changes.filter((c) => c.metricId === 'big-orders')).toEqual([change('big-orders', [0, 0], [1, 0]), change('big-orders', [1, 0], [2, 0])]);
    expect(units['hero']?.v).toMatchObject({ 'purchase-7d': 1, conversion: 1, 'big-orders': 2, spend: 350 });
  });

  it('ratio metrics keep (numerator, denominator) pairs', () => {
    const units = exposed();
    const { changes } = applyAll([
      order(T0 + hour, 80), order(T0 + 2 * hour, 'not a number'),
      track('Decision Viewed', T0 + 3 * hour), track('Decision Viewed', T0 + 4 * hour), track('Decision Clicked', T0 + 5 * hour),
    ], noCovariate, units);
    // The order whose revenue cannot be read is no priced order: aov's denominator does not move.
    expect(changes.filter((c) => c.metricId === 'aov')).toEqual([change('aov', [0, 0], [80, 1])]);
    expect(changes.filter((c) => c.metricId === 'ctr')).toEqual([change('ctr', [0, 0], [0, 1]), change('ctr', [0, 1], [0, 2]), change('ctr', [0, 2], [1, 2])]);
    expect(units['hero']?.v).toMatchObject({ aov: [80, 1], ctr: [1, 2] });
  });

  it('every metric is in v from the exposure, at 0; a value back at 0 stays', () => {
    const units = exposed();
    expect(units['hero']?.v).toEqual(HERO_ZEROS);
    const zero = applyAll([order(T0 + hour, 0)], noCovariate, units).changes;
    // A zero-revenue order converts and counts in aov's denominator; spend and revenue do not move.
    expect(zero.map((c) => c.metricId)).toEqual(['purchase-7d', 'conversion', 'aov']);
    expect(units['hero']?.v).toEqual({ ...HERO_ZEROS, 'purchase-7d': 1, conversion: 1, aov: [0, 1] });
    const refund = applyAll([order(T0 + 2 * hour, -50), order(T0 + 3 * hour, 50)], noCovariate, units).changes;
    expect(refund.filter((c) => c.metricId === 'spend')).toEqual([change('spend', [0, 3], [-50, 3]), change('spend', [-50, 3], [0, 3])]);
    // spend and revenue went back to 0: still stored, the unit is still counted in them.
    expect(units['hero']?.v).toEqual({ ...HERO_ZEROS, 'purchase-7d': 1, conversion: 1, aov: [0, 3] });
    expect(Object.keys(units['hero']?.v ?? {}).sort()).toEqual([...HERO_METRICS].sort());
    // And a value back at 0 still moves on the next event, from 0.
    const again = applyAll([order(T0 + 4 * hour, 5)], noCovariate, units).changes;
    expect(again.filter((c) => c.metricId === 'spend')).toEqual([change('spend', [0, 3], [5, 3])]);
  });

  it('moves every experiment the profile is in, and skips experiments no longer in the model', () => {
    const units: ExperimentUnits = { gone: { a: 'x', t: T0 }, ...applyAll([exposure('hero', 'control'), exposure('side', 'b')]).units };
    const { changes } = applyAll([order(T0 + hour, 10)], noCovariate, units);
    expect([...new Set(changes.map((c) => `${c.experimentId}/${c.armId}`))]).toEqual(['hero/control', 'side/b']);
    expect(units['gone']).toEqual({ a: 'x', t: T0 });
  });

  it('an experiment whose id is a prototype key works like any other', () => {
    const proto = compileExperimentModel({ experiments: [{ ...side, id: 'constructor' }], metrics, workspaceId: 'ws' });
    const first = applyExperimentEvent({}, exposure('constructor', 'a'), proto, noCovariate);
    expect(Object.hasOwn(first.units!, 'constructor')).toBe(true);
    expect(first.units?.['constructor']).toEqual({ a: 'a', t: T0, v: SIDE_ZEROS });
    expect(applyExperimentEvent(first.units, exposure('constructor', 'b'), proto, noCovariate).changes).toEqual([]);
    const moved = applyExperimentEvent(first.units, order(T0 + 1, 7), proto, noCovariate);
    expect(moved.changes.find((c) => c.metricId === 'spend')).toEqual(change('spend', [0, 0], [7, 0], 'a', 'constructor'));
  });

  it('stored units with prototype keys (a tampered state) neither crash nor pollute', () => {
    const units = JSON.parse('{"__proto__": {"a": "control", "t": 0}, "constructor": {"a": "a", "t": 0}}') as ExperimentUnits;
    expect(applyExperimentEvent(units, order(T0, 10), model, noCovariate).changes).toEqual([]);
    expect(applyExperimentEvent(units, exposure('__proto__', 'control'), model, noCovariate).changes).toEqual([]);
    const fresh = applyExperimentEvent({}, exposure('hero', '__proto__'), model, noCovariate);
    expect(fresh).toEqual({ units: {}, changes: [] });
    expect(Object.getPrototypeOf(fresh.units)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['a']).toBeUndefined();
  });
});

/* ---------- A unit moves only in the metrics its v holds (its enrolment) ---------- */

// The same experiments after a config change: hero gains a guardrail metric.
const orders30d: MetricDefinition = { id: 'orders-30d', kind: 'count', event: 'Order Completed', window: '30d' };
const heroPlus: ExperimentDefinition = { ...hero, guardrailMetrics: ['spend', 'big-orders', 'orders-30d'] };
const laterModel = compileExperimentModel({ experiments: [heroPlus, side], metrics: [...metrics, orders30d], workspaceId: 'ws' });

describe('applyExperimentEvent: the metrics a unit is counted in', () => {
  it('a metric added after a unit\'s exposure emits no change for that unit and stays out of its v; a unit exposed under the new model is counted in it', () => {
    expect(laterModel.experiments.get('hero')!.metrics.map((m) => m.id)).toEqual(['purchase-7d', 'spend', 'big-orders', 'orders-30d', 'conversion', 'revenue', 'aov', 'ctr']);
    const early = applyAll([exposure('hero', 'treatment')], () => 3).units!;
    const moved = applyExperimentEvent(early, order(T0 + hour, 120), laterModel, noCovariate);
    // The metrics it was exposed with move; the new one does not.
    expect(moved.changes.map((c) => c.metricId)).toEqual(['purchase-7d', 'spend', 'big-orders', 'conversion', 'revenue', 'aov']);
    expect(early['hero']?.v).toEqual({ 'purchase-7d': 1, spend: 120, 'big-orders': 1, conversion: 1, revenue: 120, aov: [120, 1], ctr: [0, 0] });
    expect(Object.hasOwn(early['hero']!.v!, 'orders-30d')).toBe(false);

    const fresh = applyExperimentEvent(undefined, exposure('hero', 'treatment', T0 + 2 * hour), laterModel, () => 3);
    expect(fresh.changes).toContainEqual(change('orders-30d', null, [0, 3]));
    expect(fresh.units?.['hero']?.v).toEqual({ ...HERO_ZEROS, 'orders-30d': 0 });
    const next = applyExperimentEvent(fresh.units, order(T0 + 3 * hour, 10), laterModel, noCovariate);
    expect(next.changes).toContainEqual(change('orders-30d', [0, 3], [1, 3]));
    expect(fresh.units?.['hero']?.v?.['orders-30d']).toBe(1);
  });

  it('a stored value of another kind than the metric (a number where it is now a ratio, or the reverse) is skipped for that unit', () => {
    // spend becomes a ratio (revenue per order) after the unit stored it as a number.
    const spendRatio: MetricDefinition = { id: 'spend', kind: 'ratio', numerator: { event: 'Order Completed', property: 'revenue' }, denominator: { event: 'Order Completed' } };
    const changed = compileExperimentModel({ experiments: [hero, side], metrics: metrics.map((m) => (m.id === 'spend' ? spendRatio : m)), workspaceId: 'ws' });
    const units = applyAll([exposure('hero', 'treatment'), order(T0 + hour, 120)], () => 3).units!;
    expect(units['hero']?.v?.['spend']).toBe(120);
    const { changes } = applyExperimentEvent(units, order(T0 + 2 * hour, 150), changed, noCovariate);
    // Every other metric that reads the order moves (purchase-7d and conversion are already 1); spend does not.
    expect(changes.map((c) => c.metricId)).toEqual(['big-orders', 'revenue', 'aov']);
    expect(units['hero']?.v?.['spend']).toBe(120);
    // A unit exposed under the new definition is counted in it, as a pair.
    const fresh = applyExperimentEvent(undefined, exposure('hero', 'control', T0 + 3 * hour), changed, () => 3);
    expect(fresh.units?.['hero']?.v?.['spend']).toEqual([0, 0]);
    const moved = applyExperimentEvent(fresh.units, order(T0 + 4 * hour, 30), changed, noCovariate);
    expect(moved.changes).toContainEqual(change('spend', [0, 0], [30, 1], 'control'));
    expect(fresh.units?.['hero']?.v?.['spend']).toEqual([30, 1]);

    // The reverse: a pair stored where the metric is a single value.
    const tampered: ExperimentUnits = { hero: { a: 'treatment', t: T0, v: { ...HERO_ZEROS, 'big-orders': [1, 2] } } };
    const skipped = applyExperimentEvent(tampered, order(T0 + hour, 150), model, noCovariate);
    expect(skipped.changes.map((c) => c.metricId)).toEqual(['purchase-7d', 'spend', 'conversion', 'revenue', 'aov']);
    expect(tampered['hero']?.v?.['big-orders']).toEqual([1, 2]);
  });

  it('a unit stored without v (older state) emits no metric changes and gets no v', () => {
    const units: ExperimentUnits = { hero: { a: 'treatment', t: T0, c: 3 }, side: { a: 'b', t: T0 }, [PROGRAM_EXPERIMENT_ID]: { a: 'holdout', t: T0 } };
    const copy = structuredClone(units);
    const events = [order(T0 + hour, 120), track('Decision Viewed', T0 + 2 * hour), track('Decision Clicked', T0 + 3 * hour)];
    for (const event of events) expect(applyExperimentEvent(units, event, model, noCovariate)).toEqual({ units, changes: [] });
    expect(units).toEqual(copy);
    // An empty v: counted in no metric either.
    const empty: ExperimentUnits = { hero: { a: 'treatment', t: T0, v: {} } };
    expect(applyExperimentEvent(empty, order(T0 + hour, 120), model, noCovariate).changes).toEqual([]);
    expect(empty).toEqual({ hero: { a: 'treatment', t: T0, v: {} } });
  });
});

describe('covariateValue', () => {
  it.each([[3, 3], [-2.5, -2.5], [NaN, 0], [Infinity, 0], ['3', 0], [true, 0], [null, 0], [undefined, 0], [{ a: 1 }, 0]] as const)('%s → %s', (value, expected) => {
    expect(covariateValue(value)).toBe(expected);
  });
});

describe('mergeExperimentUnits', () => {
  const unit = (a: string, t: number, v?: Record<string, number>) => (v === undefined ? { a, t } : { a, t, v });

  it('undefined on either side: the other', () => {
    const units: ExperimentUnits = { hero: unit('control', T0) };
    expect(mergeExperimentUnits(undefined, undefined)).toBeUndefined();
    expect(mergeExperimentUnits(units, undefined)).toBe(units);
    // A copy: the merged state is updated in place later, the absorbed profile's must not change with it.
    const adopted = mergeExperimentUnits(undefined, units);
    expect(adopted).toEqual(units);
    expect(adopted).not.toBe(units);
    expect(adopted!['hero']).not.toBe(units['hero']);
  });

  it('the survivor\'s unit wins; the absorbed profile\'s is adopted, with its values, where the survivor has none', () => {
    const survivor: ExperimentUnits = { hero: unit('control', T0 + day, { spend: 5 }), only: unit('x', T0) };
    const absorbed: ExperimentUnits = { hero: unit('treatment', T0, { spend: 80 }), side: unit('b', T0 + hour, { revenue: 30 }) };
    const copies = structuredClone([survivor, absorbed]);
    const merged = mergeExperimentUnits(survivor, absorbed);
    expect(merged).toEqual({ hero: unit('control', T0 + day, { spend: 5 }), only: unit('x', T0), side: unit('b', T0 + hour, { revenue: 30 }) });
    // The inputs are not changed.
    expect([survivor, absorbed]).toEqual(copies);
    expect(merged).not.toBe(survivor);
  });

  it('two empty sets merge to an empty set', () => {
    expect(mergeExperimentUnits({}, {})).toEqual({});
  });

  it('a prototype key in a (tampered) absorbed state does not crash', () => {
    const absorbed = JSON.parse('{"constructor": {"a": "a", "t": 1}}') as ExperimentUnits;
    const merged = mergeExperimentUnits({ hero: unit('control', T0) }, absorbed);
    expect(Object.hasOwn(merged!, 'constructor')).toBe(true);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });

  // Bug: `merged[id] = a` with id "__proto__" (an own key of a JSON-parsed state) sets the
  // merged object's prototype to the absorbed unit instead of adding a key: merged.a reads "a".
  // Only a tampered state can hold the key (ids never start with _ but _program), so it is minor.
  it('a "__proto__" key in a (tampered) absorbed state does not become the prototype of the merged units', () => {
    const absorbed = JSON.parse('{"__proto__": {"a": "a", "t": 1}}') as ExperimentUnits;
    const merged = mergeExperimentUnits({ hero: unit('control', T0) }, absorbed);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect('a' in merged!).toBe(false);
  });
});

/* ---------- Property: changes folded per arm and metric = valueOf of each unit's events ---------- */

type Step =
  | { readonly unit: number; readonly kind: 'expose'; readonly experimentId: string; readonly armId: string; readonly at: number }
  | { readonly unit: number; readonly kind: 'order'; readonly revenue: unknown; readonly at: number }
  | { readonly unit: number; readonly kind: 'Decision Viewed' | 'Decision Clicked' | 'Product Viewed'; readonly at: number };

const UNITS = 5;
const arms: Readonly<Record<string, readonly string[]>> = {
  hero: ['control', 'treatment', 'bogus'], side: ['a', 'b'], [PROGRAM_EXPERIMENT_ID]: ['holdout', 'personalized'], nope: ['control'],
};
const at = fc.integer({ min: -2 * day, max: 40 * day }).map((d) => T0 + d);
const unitIndex = fc.integer({ min: 0, max: UNITS - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ unit: unitIndex, kind: fc.constant('expose' as const), at, pick: fc.constantFrom(...Object.entries(arms).flatMap(([e, as]) => as.map((a) => [e, a] as const))) })
    .map(({ unit, kind, at: t, pick }) => ({ unit, kind, experimentId: pick[0], armId: pick[1], at: t })),
  fc.record({
    unit: unitIndex, kind: fc.constant('order' as const), at,
    revenue: fc.oneof(fc.integer({ min: -100, max: 400 }), fc.double({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }), fc.constantFrom<unknown>(0, '12', null, Infinity)),
  }),
  fc.record({ unit: unitIndex, kind: fc.constantFrom('Decision Viewed' as const, 'Decision Clicked' as const, 'Product Viewed' as const), at }),
);
const covariates = fc.array(fc.oneof(fc.constant(0), fc.double({ min: -100, max: 100, noNaN: true })), { minLength: UNITS, maxLength: UNITS });

function eventOf(s: Step): MetricEvent {
  if (s.kind === 'expose') return exposure(s.experimentId, s.armId, s.at);
  if (s.kind === 'order') return order(s.at, s.revenue);
  return track(s.kind, s.at, { decisionId: 'd', actionId: 'x', placement: 'home' });
}

const rowKey = (experimentId: string, armId: string, metricId: string): string => `${experimentId}|${armId}|${metricId}`;

/** Equal up to rounding, relative to the largest magnitude among the row's statistics. */
function expectMomentsClose(actual: PairMoments, expected: PairMoments, label: string): void {
  const a = actual as unknown as Record<string, number>;
  const e = expected as unknown as Record<string, number>;
  const scale = Math.max(1, ...Object.values(a).map(Math.abs), ...Object.values(e).map(Math.abs));
  expect(actual.n, `${label}: n`).toBe(expected.n);
  for (const key of Object.keys(e)) expect(Math.abs(a[key]! - e[key]!), `${label}: ${key} ${a[key]} vs ${e[key]}`).toBeLessThanOrEqual(1e-9 * scale);
}

describe('applyExperimentEvent: property', () => {
  it('changes folded into pair moments per arm and metric equal the moments of each unit\'s valueOf; stored values equal valueOf', () => {
    const experiments: CompiledExperiment[] = [model.program, ...model.experiments.values()];
    fc.assert(fc.property(fc.array(step, { maxLength: 80 }), covariates, (steps, covariate) => {
      // What the changes say, folded as the store folds them.
      const folded = new Map<string, PairMoments>();
      const states: (ExperimentUnits | undefined)[] = Array.from({ length: UNITS }, () => undefined);
      for (const s of steps) {
        const result = applyExperimentEvent(states[s.unit], eventOf(s), model, () => covariate[s.unit]!);
        states[s.unit] = result.units;
        for (const c of result.changes) {
          const key = rowKey(c.experimentId, c.armId, c.metricId);
          let m = folded.get(key) ?? emptyPairMoments;
          if (c.before !== null) m = removePair(m, c.before[0], c.before[1]);
          folded.set(key, addPair(m, c.after[0], c.after[1]));
        }
      }

      // What a direct computation says: each unit's first valid exposure, then valueOf over the events after it.
      const expected = new Map<string, PairMoments>();
      const add = (key: string, x: number, y: number) => expected.set(key, addPair(expected.get(key) ?? emptyPairMoments, x, y));
      for (let u = 0; u < UNITS; u++) {
        const mine = steps.filter((s) => s.unit === u);
        const seen = new Set<string>();
        for (const e of experiments) {
          const first = mine.findIndex((s) => s.kind === 'expose' && s.experimentId === e.id && e.armIds.has(s.armId));
          const stored = states[u] !== undefined && Object.hasOwn(states[u]!, e.id) ? states[u]![e.id] : undefined;
          if (first < 0) {
            expect(stored).toBeUndefined();
            continue;
          }
          seen.add(e.id);
          const exposureStep = mine[first]!;
          if (exposureStep.kind !== 'expose') throw new Error('unreachable');
          const t = exposureStep.at;
          const c = e.covariate === null ? 0 : covariate[u]!;
          expect(stored?.a).toBe(exposureStep.armId);
          expect(stored?.t).toBe(t);
          // + 0: a covariate of -0 is 0, and not stored.
          expect((stored?.c ?? 0) + 0).toBe(c + 0);
          add(rowKey(e.id, exposureStep.armId, UNITS_METRIC), 0, 0);
          const after = mine.slice(first + 1).map(eventOf);
          // The unit is counted in every metric of the experiment: each is stored, zeros included.
          expect(Object.keys(stored?.v ?? {}).sort(), `${e.id}: v`).toEqual(e.metrics.map((m) => m.id).sort());
          for (const metric of e.metrics) {
            const value = metric.valueOf(t, after);
            const v = stored?.v !== undefined && Object.hasOwn(stored.v, metric.id) ? stored.v[metric.id] : undefined;
            if (value.kind === 'pair') {
              expect(v, `${e.id}/${metric.id}`).toEqual([value.numerator, value.denominator]);
              add(rowKey(e.id, exposureStep.armId, metric.id), value.numerator, value.denominator);
            } else {
              expect(v, `${e.id}/${metric.id}`).toBe(value.value);
              add(rowKey(e.id, exposureStep.armId, metric.id), value.value, c);
            }
          }
        }
        expect(Object.keys(states[u] ?? {}).sort()).toEqual([...seen].sort());
      }

      expect([...folded.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [key, m] of expected) expectMomentsClose(folded.get(key)!, m, key);
    }), { numRuns: 300, seed: 20261122 });
  });

  it('a metric added mid-stream: folded per arm and metric, no change removes a value that was not added, and the new metric\'s rows count the units exposed since', () => {
    const heroLater = laterModel.experiments.get('hero')!;
    const added = heroLater.metrics.find((m) => m.id === 'orders-30d')!;
    fc.assert(fc.property(fc.array(step, { maxLength: 40 }), fc.array(step, { maxLength: 40 }), covariates, (before, since, covariate) => {
      // The events `before` run under the first model, those `since` under the one with orders-30d.
      const steps = [...before, ...since];
      const switchAt = before.length;
      const folded = new Map<string, PairMoments>();
      const n = new Map<string, number>();
      const held = new Map<string, readonly [number, number]>();
      const states: (ExperimentUnits | undefined)[] = Array.from({ length: UNITS }, () => undefined);
      steps.forEach((s, i) => {
        const result = applyExperimentEvent(states[s.unit], eventOf(s), i < switchAt ? model : laterModel, () => covariate[s.unit]!);
        states[s.unit] = result.units;
        for (const c of result.changes) {
          const key = rowKey(c.experimentId, c.armId, c.metricId);
          const mine = `${s.unit}|${key}`;
          let m = folded.get(key) ?? emptyPairMoments;
          if (c.before === null) {
            expect(held.has(mine), `${mine}: added twice`).toBe(false);
          } else {
            // What leaves the row is what this unit put there last: never a value it was not given.
            expect(held.get(mine), `${mine}: removed but never added`).toEqual(c.before);
            expect(n.get(key) ?? 0, `${key}: n would go negative`).toBeGreaterThan(0);
            n.set(key, n.get(key)! - 1);
            m = removePair(m, c.before[0], c.before[1]);
          }
          held.set(mine, c.after);
          n.set(key, (n.get(key) ?? 0) + 1);
          folded.set(key, addPair(m, c.after[0], c.after[1]));
        }
      });
      for (const [key, count] of n) expect(folded.get(key)?.n, key).toBe(count);

      // Direct: every unit exposed to hero counts in its metrics of the exposure; only those exposed since the change count in orders-30d.
      const units = new Map<string, number>();
      const expectedAdded = new Map<string, PairMoments>();
      for (let u = 0; u < UNITS; u++) {
        const mine = steps.map((s, i) => ({ s, i })).filter(({ s }) => s.unit === u);
        const first = mine.findIndex(({ s }) => s.kind === 'expose' && s.experimentId === 'hero' && heroLater.armIds.has(s.armId));
        if (first < 0) continue;
        const { s: exposureStep, i } = mine[first]!;
        if (exposureStep.kind !== 'expose') throw new Error('unreachable');
        units.set(exposureStep.armId, (units.get(exposureStep.armId) ?? 0) + 1);
        const v = states[u]?.['hero']?.v ?? {};
        if (i < switchAt) {
          expect(Object.hasOwn(v, 'orders-30d')).toBe(false);
          continue;
        }
        const value = added.valueOf(exposureStep.at, mine.slice(first + 1).map(({ s }) => eventOf(s)));
        if (value.kind !== 'single') throw new Error('unreachable');
        expect(v['orders-30d']).toBe(value.value);
        const key = rowKey('hero', exposureStep.armId, 'orders-30d');
        expectedAdded.set(key, addPair(expectedAdded.get(key) ?? emptyPairMoments, value.value, covariate[u]!));
      }
      for (const armId of heroLater.armIds) {
        const all = units.get(armId) ?? 0;
        expect(n.get(rowKey('hero', armId, UNITS_METRIC)) ?? 0).toBe(all);
        for (const id of HERO_METRICS) expect(n.get(rowKey('hero', armId, id)) ?? 0, `${armId}/${id}`).toBe(all);
        expect(n.get(rowKey('hero', armId, 'orders-30d')) ?? 0, `${armId}/orders-30d`).toBe(expectedAdded.get(rowKey('hero', armId, 'orders-30d'))?.n ?? 0);
      }
      for (const [key, m] of expectedAdded) expectMomentsClose(folded.get(key)!, m, key);
    }), { numRuns: 300, seed: 20261123 });
  });

  it('an exposure event is the metrics\' first event: its own time counts (windows are [t, t + window))', () => {
    const { units } = applyAll([exposure('hero', 'treatment', T0), order(T0, 120)]);
    expect(units?.['hero']?.v).toMatchObject({ 'purchase-7d': 1, spend: 120 });
    expect(HERO_METRICS.every((id) => model.experiments.get('hero')!.metrics.some((m) => m.id === id))).toBe(true);
  });
});
