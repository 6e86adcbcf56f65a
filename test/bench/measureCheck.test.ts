import { describe, expect, it } from 'vitest';
import type { ExperimentUnits, StoredValue } from '../../src/core/experiments/experimentUnits.js';
import type { UnitValue } from '../../src/core/experiments/metricValues.js';
import {
  buildStream, compileMeasureModel, eventsByUnit, measureExperiment, storedValuesEqual, verifyStoredStats,
} from '../../bench/support/measureAggregation.js';
import { corePass } from '../../bench/support/measureCollect.js';

/**
 * The measure benchmark's check of each unit's stored values: units store every metric of
 * their experiment from the exposure on, zeros included, and the check must accept exactly
 * that and refuse any other value.
 */

const single = (value: number): UnitValue => ({ kind: 'single', value });
const pair = (numerator: number, denominator: number): UnitValue => ({ kind: 'pair', numerator, denominator });
type Stored = Record<string, StoredValue>;

describe('storedValuesEqual', () => {
  const expected = new Map<string, UnitValue>([['orders', single(0)], ['revenue', single(12.5)], ['ctr', pair(0, 0)], ['aov', pair(25, 2)]]);

  it('accepts the stored form, explicit zeros included', () => {
    expect(storedValuesEqual(expected, { orders: 0, revenue: 12.5, ctr: [0, 0], aov: [25, 2] })).toBe(true);
  });

  it.each<[string, Stored]>([
    ['a different number', { orders: 0, revenue: 12.4, ctr: [0, 0], aov: [25, 2] }],
    ['a zero where a value is expected', { orders: 0, revenue: 0, ctr: [0, 0], aov: [25, 2] }],
    ['a value where a zero is expected', { orders: 1, revenue: 12.5, ctr: [0, 0], aov: [25, 2] }],
    ['a different denominator', { orders: 0, revenue: 12.5, ctr: [0, 0], aov: [25, 3] }],
    ['a number for a ratio', { orders: 0, revenue: 12.5, ctr: 0, aov: [25, 2] }],
    ['a pair for a single metric', { orders: [0, 0], revenue: 12.5, ctr: [0, 0], aov: [25, 2] }],
    ['a missing metric', { revenue: 12.5, ctr: [0, 0], aov: [25, 2] }],
    ['an extra metric', { orders: 0, revenue: 12.5, ctr: [0, 0], aov: [25, 2], views: 0 }],
  ])('refuses %s', (_what, stored) => {
    expect(storedValuesEqual(expected, stored)).toBe(false);
  });

  it('refuses a unit with no stored values', () => {
    expect(storedValuesEqual(expected, undefined)).toBe(false);
  });
});

describe('verifyStoredStats on the core path', () => {
  const stream = buildStream(200, 4_000, 7);
  const model = compileMeasureModel();
  const eventsOf = eventsByUnit(stream.records);

  it('finds every unit of a real pass equal to valueOf of its events', () => {
    const { units } = corePass(stream.records, model);
    expect(units.size).toBe(200);
    expect(verifyStoredStats(eventsOf, model, units, []).unitValuesAgree).toBe(true);
  });

  it('finds a unit whose stored value was changed', () => {
    const { units } = corePass(stream.records, model);
    const [unitId, perExperiment] = [...units].find(([, u]) => u[measureExperiment.id]?.v?.['product-views'] !== undefined)!;
    const changed: ExperimentUnits = structuredClone(perExperiment);
    const v = changed[measureExperiment.id]!.v!;
    v['product-views'] = (v['product-views'] as number) + 1;
    units.set(unitId, changed);
    expect(verifyStoredStats(eventsOf, model, units, []).unitValuesAgree).toBe(false);
  });
});
