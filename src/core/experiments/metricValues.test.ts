import fc from 'fast-check';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { builtinMetrics } from './MeasurementSettings.js';
import { MetricDefinition } from './MetricDefinition.js';
import cases from './metricValues.cases.json' with { type: 'json' };
import {
  addUnitValue, compileMetric, emptyAccumulator, mergeAccumulators, MetricDefinitionError, pairSumsFromMoments, unitsOf,
  type ArmAccumulator, type MetricEvent, type UnitValue,
} from './metricValues.js';

const checkMetric = Compile(MetricDefinition);
type EventTuple = [name: string, timestamp: number, properties: Record<string, unknown>, type?: string];
type Case = [name: string, definition: MetricDefinition, firstExposure: number, events: EventTuple[], expected: UnitValue];

const toEvent = ([name, timestamp, properties, type = 'track']: EventTuple): MetricEvent => ({ type, name, timestamp, properties });

describe('metric values (metricValues.cases.json)', () => {
  it.each(cases.cases as unknown as Case[])('%s', (_name, definition, firstExposure, events, expected) => {
    expect(checkMetric.Check(definition)).toBe(true);
    const metric = compileMetric(definition);
    expect(metric.valueOf(firstExposure, events.map(toEvent))).toEqual(expected);
    expect(metric.valueOf(firstExposure, [...events].reverse().map(toEvent))).toEqual(expected);
  });

  it.each(cases.builtinCases as unknown as [string, string, number, EventTuple[], UnitValue][])('built-in %s', (_name, id, firstExposure, events, expected) => {
    const definition = builtinMetrics.find((m) => m.id === id);
    expect(definition, id).toBeDefined();
    expect(checkMetric.Check(definition)).toBe(true);
    expect(compileMetric(definition!).valueOf(firstExposure, events.map(toEvent))).toEqual(expected);
  });

  it('rejects a bad where rule with the field named, and a conversion without a window', () => {
    expect(() => compileMetric({ id: 'c', kind: 'count', event: 'x', where: 'event.properties.a >>' })).toThrow(MetricDefinitionError);
    expect(() => compileMetric({ id: 'r', kind: 'ratio', numerator: { event: 'x' }, denominator: { event: 'y', where: 'profile.traits.a == 1' } }))
      .toThrow(/denominator\.where/);
    expect(checkMetric.Check({ id: 'c', kind: 'conversion', event: 'x' })).toBe(false);
    expect(() => compileMetric({ id: 'c', kind: 'conversion', event: 'x', window: '0d' })).toThrow(/window/);
  });
});

/** Equal up to rounding: relative to the largest magnitude among the statistics (a co-moment near 0 is a difference of large terms). */
function expectClose(a: ArmAccumulator, b: ArmAccumulator): void {
  expect(a.kind).toBe(b.kind);
  const x = a.moments as unknown as Record<string, number>;
  const y = b.moments as unknown as Record<string, number>;
  const scale = Math.max(1, ...Object.values(x).map(Math.abs), ...Object.values(y).map(Math.abs));
  for (const key of Object.keys(x)) expect(Math.abs(x[key]! - y[key]!), `${key}: ${x[key]} vs ${y[key]}`).toBeLessThanOrEqual(1e-9 * scale);
}

const fold = (acc: ArmAccumulator, values: readonly UnitValue[]): ArmAccumulator => values.reduce(addUnitValue, acc);
const value = fc.double({ min: -1e6, max: 1e6, noNaN: true });
const singles = fc.array(value.map((v): UnitValue => ({ kind: 'single', value: v })), { maxLength: 60 });
const pairs = fc.array(fc.tuple(value, fc.double({ min: 0, max: 1e3, noNaN: true })).map(([n, d]): UnitValue => ({ kind: 'pair', numerator: n, denominator: d })), { maxLength: 60 });

describe('ArmAccumulator', () => {
  it.each([['single (mean, conversion, count)', 'mean', singles], ['pair (ratio)', 'ratio', pairs]] as const)(
    '%s: folding in any order and merging any split gives the same statistics',
    (_name, kind, values) => {
      fc.assert(fc.property(values, fc.nat(), fc.nat(), (all, cut, seed) => {
        const whole = fold(emptyAccumulator(kind), all);
        const at = all.length === 0 ? 0 : cut % (all.length + 1);
        const left = fold(emptyAccumulator(kind), all.slice(0, at));
        const right = fold(emptyAccumulator(kind), all.slice(at));
        const shuffled = [...all].sort((a, b) => ((JSON.stringify(a).length * 31 + seed) % 7) - ((JSON.stringify(b).length * 31 + seed) % 7));
        expectClose(mergeAccumulators(left, right), whole);
        expectClose(mergeAccumulators(right, left), whole);
        expectClose(fold(emptyAccumulator(kind), shuffled), whole);
        expect(unitsOf(whole)).toBe(all.length);
      }));
    },
  );

  it('keeps the sums a direct computation gives (n, Σx, Σx², Σy, Σy², Σxy)', () => {
    const values: UnitValue[] = [[80, 2], [0, 0], [30, 1], [125.5, 3]].map(([numerator, denominator]) => ({ kind: 'pair', numerator: numerator!, denominator: denominator! }));
    const acc = fold(emptyAccumulator('ratio'), values);
    if (acc.kind !== 'pair') throw new Error('expected pair');
    const sums = pairSumsFromMoments(acc.moments);
    const expected = { n: 4, sum: 235.5, sumSquares: 6400 + 900 + 125.5 ** 2, sumY: 6, sumY2: 14, sumXY: 160 + 30 + 376.5 };
    for (const [key, v] of Object.entries(expected)) expect(sums[key as keyof typeof sums]).toBeCloseTo(v, 9);
  });

  it('refuses to mix shapes', () => {
    expect(() => addUnitValue(emptyAccumulator('mean'), { kind: 'pair', numerator: 1, denominator: 1 })).toThrow(TypeError);
    expect(() => mergeAccumulators(emptyAccumulator('mean'), emptyAccumulator('ratio'))).toThrow(TypeError);
  });
});
