/**
 * What a unit contributes to a metric, from its first exposure and its events, and the per-arm
 * sufficient statistics those values fold into. Pure; the shell feeds events as they arrive.
 */
import { numberOrNote, readNumber, type UnreadableSink } from '../common/readNumber.js';
import { parseDuration } from '../features/duration.js';
import { compileRule, type CompiledRule } from '../rules/compileRule.js';
import { RuleError } from '../rules/RuleError.js';
import {
  addObservation, addPair, emptyMoments, emptyPairMoments, mergeMoments, mergePairMoments, removeObservation, removePair,
  type Moments, type PairMoments, type PairSums,
} from '../stats/SufficientStats.js';
import type { MetricDefinition, MetricKind, RatioPart } from './MetricDefinition.js';

/** An event of a unit, as metrics see it. `timestamp` is ms since the epoch (skew-corrected). */
export interface MetricEvent {
  readonly type: string;
  readonly name: string | null;
  readonly timestamp: number;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** A unit's contribution: one number, or a (numerator, denominator) pair for ratio metrics. */
export type UnitValue =
  | { readonly kind: 'single'; readonly value: number }
  | { readonly kind: 'pair'; readonly numerator: number; readonly denominator: number };

export class MetricDefinitionError extends Error {
  override readonly name = 'MetricDefinitionError';
  constructor(readonly metric: string, readonly field: string, message: string, readonly rule?: RuleError) {
    super(`metric "${metric}": ${field}: ${message}`);
  }
}

interface Selector {
  readonly event: string;
  readonly where: CompiledRule | null;
  readonly property: readonly string[] | null;
  /** The property's path in the event (`properties.revenue`), as unreadable values are reported. */
  readonly eventPath: string;
}

export interface CompiledMetric {
  readonly id: string;
  readonly kind: MetricKind;
  /** The attribution window in ms; null: every event from the first exposure on. */
  readonly windowMs: number | null;
  readonly definition: MetricDefinition;
  /**
   * The unit's value from its first exposure (ms) and its events (any order, any events).
   * Events count when at or after the first exposure and before firstExposure + window.
   */
  valueOf(firstExposure: number, events: readonly MetricEvent[]): UnitValue;
  /** The event names the metric reads: an event of another name never changes a value. */
  readonly events: ReadonlySet<string>;
  /**
   * The unit's value after one more event, from its current value: the same object when the
   * event changes nothing. Folding `advance` over a unit's events, from `zeroValue`, gives
   * `valueOf` of them all (in any order). A property value that is present but not a number
   * (`readNumber`) adds nothing and is reported in `unreadable` when given.
   */
  advance(firstExposure: number, current: UnitValue, event: MetricEvent, unreadable?: UnreadableSink): UnitValue;
}

function compileWhere(metric: string, field: string, where: string | undefined): CompiledRule | null {
  if (where === undefined) return null;
  try {
    return compileRule(where, { roots: ['event'] });
  } catch (error) {
    if (error instanceof RuleError) throw new MetricDefinitionError(metric, field, error.message, error);
    throw error;
  }
}

function selector(metric: string, field: string, part: { readonly event: string; readonly property?: string | undefined; readonly where?: string | undefined }): Selector {
  return {
    event: part.event,
    where: compileWhere(metric, `${field}where`, part.where),
    property: part.property === undefined ? null : part.property.split('.'),
    eventPath: `properties.${part.property ?? ''}`,
  };
}

/**
 * What an event adds for the selector's property (own properties only, `readNumber`): a
 * numeric string counts as its number; a missing value adds 0, and so does an unreadable one,
 * which is reported in `unreadable` so that it is counted, not silently taken as 0.
 */
function numberAt(s: Selector, properties: Readonly<Record<string, unknown>>, unreadable: UnreadableSink | undefined): number {
  let current: unknown = properties;
  for (const part of s.property!) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, part)) return 0;
    current = (current as Record<string, unknown>)[part];
  }
  return numberOrNote(readNumber(current), s.eventPath, unreadable) ?? 0;
}

function matches(s: Selector, event: MetricEvent): boolean {
  if (event.name !== s.event) return false;
  return s.where === null || s.where.matches({ now: event.timestamp, event: { type: event.type, name: event.name, properties: event.properties } });
}

/** Σ property (or the count) over the matching events inside [from, until). */
function total(s: Selector, events: readonly MetricEvent[], from: number, until: number): number {
  let sum = 0;
  for (const event of events) {
    if (!(event.timestamp >= from && event.timestamp < until) || !matches(s, event)) continue;
    sum += s.property === null ? 1 : numberAt(s, event.properties, undefined);
  }
  return sum;
}

/** Compiles a metric definition; throws MetricDefinitionError for a bad window or `where` rule. */
export function compileMetric(definition: MetricDefinition): CompiledMetric {
  const id = definition.id;
  let windowMs: number | null = null;
  if (definition.window !== undefined) {
    windowMs = parseDuration(definition.window);
    if (windowMs === null) throw new MetricDefinitionError(id, 'window', `"${definition.window}" is not a duration such as 7d`);
  }
  const until = (firstExposure: number): number => (windowMs === null ? Infinity : firstExposure + windowMs);
  const inWindow = (t: number, event: MetricEvent): boolean => event.timestamp >= t && event.timestamp < until(t);
  const single = (value: number): UnitValue => ({ kind: 'single', value });
  const base = { id, kind: definition.kind, windowMs, definition };
  const summed = (s: Selector) => ({
    ...base,
    events: new Set([s.event]),
    valueOf: (t: number, events: readonly MetricEvent[]) => single(total(s, events, t, until(t))),
    advance(t: number, current: UnitValue, event: MetricEvent, unreadable?: UnreadableSink): UnitValue {
      if (current.kind !== 'single' || !inWindow(t, event) || !matches(s, event)) return current;
      const add = s.property === null ? 1 : numberAt(s, event.properties, unreadable);
      return add === 0 ? current : single(current.value + add);
    },
  });
  switch (definition.kind) {
    case 'conversion': {
      const s = selector(id, '', { event: definition.event, where: definition.where });
      return {
        ...base,
        events: new Set([s.event]),
        valueOf: (t, events) => single(total(s, events, t, until(t)) > 0 ? 1 : 0),
        advance: (t, current, event) => (current.kind !== 'single' || current.value === 1 || !inWindow(t, event) || !matches(s, event) ? current : single(1)),
      };
    }
    case 'mean':
      return summed(selector(id, '', definition));
    case 'count':
      return summed(selector(id, '', { event: definition.event, where: definition.where }));
    case 'ratio': {
      const num = selector(id, 'numerator.', definition.numerator satisfies RatioPart);
      const den = selector(id, 'denominator.', definition.denominator);
      const part = (s: Selector, t: number, event: MetricEvent, unreadable: UnreadableSink | undefined): number =>
        (!inWindow(t, event) || !matches(s, event) ? 0 : s.property === null ? 1 : numberAt(s, event.properties, unreadable));
      return {
        ...base,
        events: new Set([num.event, den.event]),
        valueOf: (t, events) => ({ kind: 'pair', numerator: total(num, events, t, until(t)), denominator: total(den, events, t, until(t)) }),
        advance(t, current, event, unreadable) {
          if (current.kind !== 'pair') return current;
          const dn = part(num, t, event, unreadable);
          const dd = part(den, t, event, unreadable);
          return dn === 0 && dd === 0 ? current : { kind: 'pair', numerator: current.numerator + dn, denominator: current.denominator + dd };
        },
      };
    }
  }
}

/** A unit's value before any event: 0, or (0, 0) for a ratio metric. */
export function zeroValue(kind: MetricKind): UnitValue {
  return kind === 'ratio' ? { kind: 'pair', numerator: 0, denominator: 0 } : { kind: 'single', value: 0 };
}

/**
 * Per-arm sufficient statistics of one metric, kept as centred moments (numerically stable to
 * add to and to merge): `single` for conversion, mean and count; `pair` (with the co-moment the
 * delta method needs) for ratio metrics.
 */
export type ArmAccumulator =
  | { readonly kind: 'single'; readonly moments: Moments }
  | { readonly kind: 'pair'; readonly moments: PairMoments };

export function emptyAccumulator(kind: MetricKind): ArmAccumulator {
  return kind === 'ratio' ? { kind: 'pair', moments: emptyPairMoments } : { kind: 'single', moments: emptyMoments };
}

/** Folds one unit's value in (Welford). Throws when the value's shape does not fit the accumulator. */
export function addUnitValue(acc: ArmAccumulator, value: UnitValue): ArmAccumulator {
  if (acc.kind === 'single' && value.kind === 'single') return { kind: 'single', moments: addObservation(acc.moments, value.value) };
  if (acc.kind === 'pair' && value.kind === 'pair') return { kind: 'pair', moments: addPair(acc.moments, value.numerator, value.denominator) };
  throw new TypeError(`a ${value.kind} value does not fit a ${acc.kind} accumulator`);
}

/** Takes one unit's value back out (the inverse of addUnitValue): a unit whose value changed is removed and added again. */
export function removeUnitValue(acc: ArmAccumulator, value: UnitValue): ArmAccumulator {
  if (acc.kind === 'single' && value.kind === 'single') return { kind: 'single', moments: removeObservation(acc.moments, value.value) };
  if (acc.kind === 'pair' && value.kind === 'pair') return { kind: 'pair', moments: removePair(acc.moments, value.numerator, value.denominator) };
  throw new TypeError(`a ${value.kind} value does not fit a ${acc.kind} accumulator`);
}

/** Combines the accumulators of two disjoint sets of units (Chan et al.); order-independent. */
export function mergeAccumulators(a: ArmAccumulator, b: ArmAccumulator): ArmAccumulator {
  if (a.kind === 'single' && b.kind === 'single') return { kind: 'single', moments: mergeMoments(a.moments, b.moments) };
  if (a.kind === 'pair' && b.kind === 'pair') return { kind: 'pair', moments: mergePairMoments(a.moments, b.moments) };
  throw new TypeError(`cannot merge a ${a.kind} accumulator with a ${b.kind} one`);
}

/** The number of units folded in. */
export function unitsOf(acc: ArmAccumulator): number {
  return acc.moments.n;
}

/** Plain sums (n, Σx, Σx², Σy, Σy², Σxy) of pair moments, the form `ratioSummary` takes. */
export function pairSumsFromMoments(m: PairMoments): PairSums {
  return {
    n: m.n,
    sum: m.n * m.meanX,
    sumSquares: m.m2X + m.n * m.meanX * m.meanX,
    sumY: m.n * m.meanY,
    sumY2: m.m2Y + m.n * m.meanY * m.meanY,
    sumXY: m.cXY + m.n * m.meanX * m.meanY,
  };
}
